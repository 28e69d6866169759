"""Celery wrappers over the rollups (see dashboards.rollups)."""

from celery import shared_task

from . import rollups


@shared_task(name="dashboards.rollup_recent", ignore_result=True, time_limit=600)
def rollup_recent_task():
    rollups.rollup_recent()
