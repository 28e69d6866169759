"""The days, weeks and months the dashboards count in: Asia/Shanghai dates, and the aware
instants that bound them (both the rollups and the scores read their windows from here)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from efficiency.workdays import SHANGHAI, local_date


def day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=SHANGHAI)


def week_end(now: datetime) -> datetime:
    today = local_date(now)
    return day_start(today + timedelta(days=7 - today.weekday()))  # next Monday 00:00


def month_after(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def months_touched(start: date, end: date) -> list[date]:
    """The first days of the months [start, end] touches."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = month_after(month)
    return months
