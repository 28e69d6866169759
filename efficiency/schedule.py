"""The beat schedule, in code. `sync_beat_schedule` writes it into django-celery-beat by name
(update or create; entries it does not own are left alone)."""

from __future__ import annotations

import json

EVERY_MINUTE = {"minute": "*", "hour": "*"}
EVERY_WORKDAY_0900 = {"minute": "0", "hour": "9"}  # the task itself skips holidays
DAILY_0300 = {"minute": "0", "hour": "3"}

SCHEDULE = {
    # Every clock moves up its breach ladder within a minute of a threshold.
    "sweep": {"task": "efficiency.sweep", "cron": EVERY_MINUTE},
    # Safety net for events whose fan-out request was lost (broker down at commit time).
    "notifications fan-out": {"task": "efficiency.notifications_fan_out", "cron": EVERY_MINUTE},
    # Email and SMS deliveries that are due, including retries after a failure.
    "notifications send": {"task": "efficiency.notifications_send", "cron": EVERY_MINUTE},
    # Reminders for items in warning, 09:00 on working days.
    "reminders": {"task": "efficiency.reminders", "cron": EVERY_WORKDAY_0900},
    # Audit rows past the retention period (184 days at least, by the database's clock).
    "audit purge": {"task": "efficiency.audit_purge", "cron": DAILY_0300},
    # Next year's provisional calendar.
    "provisional calendar": {"task": "efficiency.calendar_provisional", "cron": DAILY_0300},
}

EXTRA_SCHEDULES: dict[str, dict] = {}


def register_schedule(name: str, task: str, cron: dict) -> None:
    """Apps add their periodic tasks here from AppConfig.ready."""
    EXTRA_SCHEDULES[name] = {"task": task, "cron": cron}


def sync_beat_schedule() -> list[str]:
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    names = []
    for name, entry in {**SCHEDULE, **EXTRA_SCHEDULES}.items():
        cron, _ = CrontabSchedule.objects.get_or_create(
            minute=entry["cron"]["minute"], hour=entry["cron"]["hour"], day_of_week="*",
            day_of_month="*", month_of_year="*", timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": entry["task"], "crontab": cron, "interval": None,
                                 "enabled": True, "kwargs": json.dumps(entry.get("kwargs", {}))},
        )
        names.append(name)
    return names
