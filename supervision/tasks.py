"""Celery wrappers over supervision services."""

from celery import shared_task

from . import services


@shared_task(name="supervision.warn_lagging")
def warn_lagging_task() -> int:
    # Meant for the beat schedule: EVERY_WORKDAY_0900 (efficiency/schedule.py, owned by the core).
    return services.keytasks_warn_lagging()
