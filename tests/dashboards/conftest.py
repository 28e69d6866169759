"""A small, fixed data set of timed items and events for the dashboards' tests.

Items are written straight into the test clock table (tests.clocktest.TimedItem) with their
clock fields set, as the clock services would have left them, so every figure is known.
"""

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection

from efficiency.models import ClockState, Event, Rung
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=SHANGHAI)  # a Friday
FIRST = date(2026, 10, 20)
LABEL = "clocktest.timeditem"
TZ = "Asia/Shanghai"
DAY_FIELDS = ("opened", "closed_on_time", "closed_late", "yellow_cards", "red_cards", "open_at_end",
              "overdue_open_at_end")


def at(d: date, hour: int) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=SHANGHAI)


def event(kind, unit, when, subject_id=1, **kw):
    return Event(kind=kind, unit=unit, at=when, subject_type=LABEL, subject_id=subject_id, fanned_out=True, **kw)


@pytest.fixture
def data(org):
    rng = random.Random(8)
    items, events = [], []
    for n in range(80):
        unit = org.unit_a if n % 3 else org.unit_b
        start = at(FIRST + timedelta(days=rng.randrange(0, 31)), rng.randrange(8, 18))
        due = start + timedelta(days=rng.randrange(1, 12), hours=rng.randrange(0, 8))
        closed = None
        if rng.random() < 0.6:
            closed = start + timedelta(days=rng.randrange(0, 15), hours=rng.randrange(0, 10))
            if closed > NOW:
                closed = None
        level = Rung.NONE
        if closed is None and due < NOW:
            level = rng.choice([Rung.YELLOW, Rung.RED, Rung.NOTICE])
        state = (ClockState.DONE_LATE if closed > due else ClockState.DONE) if closed else \
            (ClockState.OVERDUE if level >= Rung.YELLOW else ClockState.ON_TRACK)
        items.append(TimedItem(title=f"事项{n}", unit=unit, owner=org.clerk_a if unit == org.unit_a else org.clerk_b,
                               clock_start=start, limit_value=5, due_at=due, closed_at=closed, clock_state=state,
                               breach_level=level))
    items.append(TimedItem(title="未开始", unit=org.unit_a))  # not started: never counted
    TimedItem.objects.bulk_create(items)
    for item in TimedItem.objects.filter(clock_start__isnull=False):
        if item.breach_level >= Rung.YELLOW:
            events.append(event("clock.breach", item.unit, item.due_at + timedelta(hours=1), item.pk,
                                level_from=Rung.NONE, level_to=Rung.YELLOW))
        if item.breach_level >= Rung.RED:
            events.append(event("clock.breach", item.unit, item.due_at + timedelta(days=3), item.pk,
                                level_from=Rung.YELLOW, level_to=item.breach_level))
    for d in range(0, 31, 3):
        day = FIRST + timedelta(days=d)
        events += [
            event("complaints.filed", org.unit_a, at(day, 10)),
            event("complaints.rated", org.unit_a, at(day, 11), payload={"rating": "satisfied"}),
            event("complaints.rated", org.unit_b, at(day, 11), payload={"rating": "不满意"}),
            event("approvals.rated", org.unit_b, at(day, 12), payload={"score": 4, "unit_id": org.unit_b.pk}),
            event("approvals.deemed_approved", org.unit_b, at(day, 13)),
            event("cases.opened", org.unit_a, at(day, 14)),
            event("assignment.urged", org.unit_b, at(day, 15)),
            event("inspection.finding", org.unit_a, at(day, 16)),
        ]
        if d % 2:
            events += [event("cases.decided", org.unit_a, at(day, 17)),
                       event("complaints.substantiated", org.unit_b, at(day, 17)),
                       event("rectification.verified", org.unit_a, at(day, 18))]
    Event.objects.bulk_create(events)
    return org


def raw_day(model, label: str, unit_id: int, d: date) -> dict:
    """The UnitDay figures of one clock model, unit and day, counted straight from the items and
    the breach events (no deltas, no running sum): the oracle the rollup is checked against."""
    table = connection.ops.quote_name(model._meta.db_table)
    unit_col = connection.ops.quote_name(model._meta.get_field(model.clock_unit_field).column)
    with connection.cursor() as c:
        c.execute(f"""
            SELECT
              count(*) FILTER (WHERE (clock_start AT TIME ZONE '{TZ}')::date = %(d)s),
              count(*) FILTER (WHERE (closed_at AT TIME ZONE '{TZ}')::date = %(d)s AND clock_state <> 'done_late'),
              count(*) FILTER (WHERE (closed_at AT TIME ZONE '{TZ}')::date = %(d)s AND clock_state = 'done_late'),
              count(*) FILTER (WHERE (clock_start AT TIME ZONE '{TZ}')::date <= %(d)s
                               AND (closed_at IS NULL OR (closed_at AT TIME ZONE '{TZ}')::date > %(d)s)),
              count(*) FILTER (WHERE (due_at AT TIME ZONE '{TZ}')::date <= %(d)s
                               AND (closed_at IS NULL OR (closed_at AT TIME ZONE '{TZ}')::date > %(d)s))
            FROM {table} WHERE {unit_col} = %(u)s AND clock_start IS NOT NULL""", {"d": d, "u": unit_id})
        items = c.fetchone()
        c.execute(f"""
            SELECT count(*) FILTER (WHERE level_from < 2 AND level_to >= 2),
                   count(*) FILTER (WHERE level_from < 3 AND level_to >= 3)
            FROM efficiency_event WHERE kind = 'clock.breach' AND subject_type = %(label)s AND unit_id = %(u)s
              AND (at AT TIME ZONE '{TZ}')::date = %(d)s""", {"d": d, "u": unit_id, "label": label})
        cards = c.fetchone()
    opened, on_time, late, open_end, overdue_end = items
    return dict(zip(DAY_FIELDS, (opened, on_time, late, *cards, open_end, overdue_end)))


def rolled_day(label: str, unit_id: int, d: date) -> dict:
    """The UnitDay row of that model, unit and day (zeros when the rollup wrote none)."""
    from dashboards.models import UnitDay

    row = UnitDay.objects.filter(unit_id=unit_id, date=d, item_type=label).values(*DAY_FIELDS).first()
    return row or dict.fromkeys(DAY_FIELDS, 0)
