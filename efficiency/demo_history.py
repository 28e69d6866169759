"""Twelve months of demo history (issue 15, point 9): the shared part of every app's demo past.

Each app's `demo.seed()` lays down closed items of the last twelve months (applications, assignments,
complaints, cases, rectifications) so the cockpit's trends, the rankings and the year page show
real shapes. This module gives them the same past:

- the window: the working days from the first day of the month twelve months back to yesterday;
- when items start (`starts`): working hours of working days, about N a month, a little busier
  in spring and autumn and quieter around the Spring Festival;
- how a unit does (`on_time_share`): each unit its own on-time share, moving a little by month,
  so the rankings change from month to month;
- how an item ends (`close`): on time with that share, else one to six working days late, on
  the breach ladder the item's own rule gives (`efficiency.clocks.schedule`), with the sweep's
  `clock.breach` events at the moments the sweep would have written them (`breach_events`).

Deterministic: every choice comes from `random.Random` seeded with a fixed number and a salt,
and every time is read from the working-day calendar. An app writes its past once: it checks
`has_history` first, so a second run adds nothing (and a database with a real past is left alone).
Items go in with `bulk_create`; their events are written already fanned out (no notifications
about last year).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from . import clocks, workdays
from .models import Event, Rung
from .workdays import SHANGHAI, local_date

SEED = 20251201
MONTHS = 12
# How busy a month is (1.0 = an ordinary month): the Spring Festival's February is quiet, the
# months before the mid-year and year-end assessments are busy.
SEASON = {1: 0.8, 2: 0.55, 3: 1.1, 4: 1.05, 5: 1.0, 6: 1.15, 7: 0.95, 8: 0.9, 9: 1.1, 10: 0.8, 11: 1.1, 12: 1.2}
# Ended items older than this count as the past (the demo's own items are made "now").
PAST = timedelta(days=3)


def rng(salt: str) -> random.Random:
    return random.Random(f"{SEED}:{salt}")


def first_day(now: datetime | None = None) -> date:
    """The first day of the history: the first of the month twelve months before this one."""
    today = local_date(now or timezone.now())
    year, month = divmod(today.year * 12 + today.month - 1 - MONTHS, 12)
    return date(year, month + 1, 1)


def has_history(model, field: str = "clock_start", now: datetime | None = None) -> bool:
    """Whether the model already has items from before the last few days: then the history is
    there (from an earlier run, or a real past) and is not written again."""
    return model._base_manager.filter(**{f"{field}__lt": (now or timezone.now()) - PAST}).exists()


def working_days(now: datetime | None = None) -> list[date]:
    today = local_date(now or timezone.now())
    d, out = first_day(now), []
    while d < today:
        if workdays.is_workday(d):
            out.append(d)
        d += timedelta(days=1)
    return out


def starts(r: random.Random, per_month: float, now: datetime | None = None) -> list[datetime]:
    """About `per_month` moments a month over the history's working days (21 a month), in
    office hours 08:30–17:30 China time, in order."""
    out = []
    for d in working_days(now):
        expected = per_month * SEASON[d.month] / 21
        n = int(expected) + (r.random() < expected - int(expected))
        for _ in range(n):
            minute = r.randrange(9 * 60)
            out.append(datetime.combine(d, time(8, 30), SHANGHAI) + timedelta(minutes=minute))
    return sorted(out)


def on_time_share(unit_code: str, month: date) -> float:
    """The unit's on-time share in the month: its own level (0.62–0.98), moving by up to ±0.06
    from month to month."""
    base = rng(f"unit:{unit_code}").uniform(0.62, 0.98)
    return max(0.5, min(1.0, base + rng(f"unit:{unit_code}:{month:%Y-%m}").uniform(-0.06, 0.06)))


def at_work(d: date, r: random.Random) -> datetime:
    """A moment of office hours (09:00–17:00 China time) on the day."""
    return datetime.combine(d, time(9), SHANGHAI) + timedelta(minutes=r.randrange(8 * 60))


def close(r: random.Random, item, *, share: float, now: datetime | None = None) -> bool:
    """End an item whose clock was started (`clocks.clock_start(..., save=False)`): on time with
    probability `share` (somewhere between its start and its due time), else one to six
    working days late, on the rung the lateness reaches (黄牌, or 红牌 past `red_at`). False
    (and the item left as it was) when that end would not be in the past."""
    now = now or timezone.now()
    if item.due_at is None:
        return False
    if r.random() < share:
        closed = item.clock_start + (item.due_at - item.clock_start) * r.uniform(0.15, 0.95)
        level = Rung.NONE
    else:
        closed = at_work(workdays.add_workdays(local_date(item.due_at), r.randint(1, 6)), r)
        level = Rung.RED if item.red_at is not None and closed > item.red_at else Rung.YELLOW
    if closed > now - PAST:
        return False
    clocks.clock_set_closed(item, at=closed, level=level, prev_level=Rung.YELLOW if level == Rung.RED else Rung.NONE)
    return True


def start_clock(item, *, rule=None, limit=None, legal=None, start: datetime) -> None:
    """The clock fields of an item that started at `start`, as the service would set them."""
    clocks.clock_start(item, actor=None, rule=rule, limit=limit, legal=legal, start=start, save=False)


def sweep_moment(at: datetime) -> datetime:
    """When the sweep writes a rung that came at `at`: cards go out at 09:00 on working days."""
    return workdays.next_working_moment(at + timedelta(seconds=1))


def breach_events(items, label: str, *, unit_field: str = "unit_id", owner_field: str = "owner_id") -> list[Event]:
    """The sweep's `clock.breach` events for ended, saved items that went late: 黄牌 after the
    due time, 红牌 after `red_at` when the item reached it."""
    events = []
    for item in items:
        if item.breach_level < Rung.YELLOW:
            continue
        rungs = [(Rung.NONE, Rung.YELLOW, item.due_at)]
        if item.breach_level >= Rung.RED:
            rungs.append((Rung.YELLOW, Rung.RED, item.red_at))
        for level_from, level_to, at in rungs:
            moment = min(sweep_moment(at), item.closed_at)
            events.append(Event(at=moment, kind="clock.breach", subject_type=label, subject_id=item.pk,
                                unit_id=getattr(item, unit_field), owner_id=getattr(item, owner_field),
                                level_from=level_from, level_to=level_to, fanned_out=True))
    return events


def event(kind: str, item, at: datetime, *, unit_id=None, actor=None, message: str = "", payload=None) -> Event:
    """An event of the past (already fanned out: nobody is told about last year)."""
    return Event(at=at, kind=kind, subject_type=item._meta.label_lower, subject_id=item.pk,
                 unit_id=unit_id, actor=actor, message=message, payload=payload or {}, fanned_out=True)


def events_write(events: list[Event]) -> None:
    Event.objects.bulk_create(events, batch_size=2000)


def month_of(moment: datetime) -> date:
    return local_date(moment).replace(day=1)
