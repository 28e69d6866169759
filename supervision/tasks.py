"""Celery wrappers over supervision services."""

from celery import shared_task

from . import services


@shared_task(name="supervision.warn_lagging")
def warn_lagging_task() -> int:
    # Meant for the beat schedule: EVERY_WORKDAY_0900 (efficiency/schedule.py, owned by the core).
    return services.keytasks_warn_lagging()


@shared_task(name="supervision.execution_reports_open")
def execution_reports_open_task() -> int:
    # R55: each year's report duty of every document in force; beat DAILY_0300 (a no-op but on
    # 1 January or after a missed run).
    return services.execution_reports_open()
