"""Celery tasks: thin wrappers over services. Each is safe to run twice (acks_late)."""

from celery import shared_task
from django.utils import timezone

from . import notifications, sweep


@shared_task(name="efficiency.sweep", acks_late=True, reject_on_worker_lost=True)
def sweep_task(now: str | None = None):
    from datetime import datetime

    with sweep.single_sweeper() as mine:
        if not mine:
            return {"skipped": "another sweep is running"}
        at = datetime.fromisoformat(now) if now else timezone.now()
        return sweep.sweep(now=at)


@shared_task(name="efficiency.notifications_fan_out", acks_late=True, reject_on_worker_lost=True)
def notifications_fan_out_task():
    fanned = notifications.notifications_fan_out()
    if fanned:
        notifications_send_task.delay()
    return fanned


@shared_task(name="efficiency.notifications_send", acks_late=True, reject_on_worker_lost=True)
def notifications_send_task():
    return notifications.notifications_send()


@shared_task(name="efficiency.reminders", acks_late=True, reject_on_worker_lost=True)
def reminders_task():
    return notifications.reminders_emit()


@shared_task(name="efficiency.audit_purge", acks_late=True)
def audit_purge_task():
    from .audit import audit_purge

    return audit_purge()


@shared_task(name="efficiency.calendar_provisional", acks_late=True)
def calendar_provisional_task():
    """Keep next year in the table (provisional) until the official calendar is loaded."""
    from .calendar import calendar_seed

    return calendar_seed(provisional_through=timezone.localdate().year + 1)


@shared_task(name="efficiency.export_build", acks_late=True, time_limit=3600)
def export_build_task(job_id: int):
    """A large ledger export (efficiency.exports): the page polls the job's progress."""
    from .exports import export_run

    job = export_run(job_id)
    return job.state if job else None


@shared_task(name="efficiency.gaming_detect", acks_late=True, time_limit=3600)
def gaming_detect_task(now: str | None = None):
    """The nightly gaming detection (02:30): the last `gaming.NIGHTLY_DAYS` days."""
    from datetime import datetime

    from . import gaming

    return gaming.detect_nightly(now=datetime.fromisoformat(now) if now else None)


@shared_task(name="efficiency.gaming_run", acks_late=True, time_limit=3600)
def gaming_run_task(job_id: int):
    """A detection the office asked for (`gaming.run_request`)."""
    from . import gaming

    job = gaming.run_job(job_id)
    return job.state if job else None
