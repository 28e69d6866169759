"""Celery wrappers over the rollups (see dashboards.rollups)."""

from celery import shared_task

from . import rollups, services


@shared_task(name="dashboards.rollup_recent", ignore_result=True, time_limit=600)
def rollup_recent_task():
    rollups.rollup_recent()


@shared_task(name="dashboards.publish_month", ignore_result=True, time_limit=1800)
def publish_month_task(job_id: int):
    """发布月度考评 in the background; the page polls the job's progress."""
    services.publish_run(job_id)
