"""The portable rollups (any database: `make run` on SQLite) write exactly the rows the
PostgreSQL statements write. Both are run here, on PostgreSQL, over the same mixed data: three
clock models (one whose unit may be empty), items opened and closed on time and late across
days and around midnight, due dates before, inside and after the window, breach events (some
with no unit or no from-rung), and every counted event kind with ordinary and odd payloads."""

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection

from accountability.models import Complaint
from dashboards import rollups, scoring
from dashboards.models import UnitDay, UnitDayCounter, UnitMonth, UnitMonthScore, UnitNow
from efficiency.models import ClockState, Event, Rung
from efficiency.workdays import SHANGHAI
from supervision.models import Assignment
from tests.clocktest.models import TimedItem

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=SHANGHAI)
FIRST = date(2026, 9, 20)  # the data spans September to November
LAST = NOW.date()
MINUTES = (5, 7 * 60 + 59, 8 * 60 + 1, 10 * 60, 15 * 60 + 30, 23 * 60 + 50)  # 07:59 / 08:01 = UTC midnight

# payload, for complaints.rated and approvals.rated: ordinary values and odd ones
RATINGS = [{"rating": "satisfied"}, {"rating": "满意"}, {"rating": "basically"}, {"rating": "基本满意"},
           {"rating": "dissatisfied"}, {"rating": "不满意"}, {"rating": "SATISFIED"}, {"rating": None}, {},
           {"rating": ["satisfied"]}, {"rating": {"v": "satisfied"}}, {"rating": 100}, {"rating": True},
           ["satisfied"], "satisfied"]
SCORES = [{"score": 4}, {"score": "5"}, {"score": 1}, {"score": "3"}, {"score": 0}, {"score": "6"}, {"score": 4.0},
          {"score": 4.5}, {"score": True}, {"score": None}, {"score": "bad"}, {"score": " 3"}, {"score": "3\n"},
          {"score": [3]}, {"score": "٣"}, {"score": "３"}, {}, [4], "4"]


def at(d: date, minute: int) -> datetime:
    return datetime.combine(d, time(minute // 60, minute % 60), tzinfo=SHANGHAI)


def moment(rng, first: date, days: int) -> datetime:
    return at(first + timedelta(days=rng.randrange(days)), rng.choice(MINUTES))


def clock_fields(rng, n: int) -> dict:
    """Start, due and close of the n-th item: on time, late, closed before the due day, still
    open, no due date, closed before the window, not started."""
    if n % 17 == 16:
        return {}  # not started: never counted
    start = moment(rng, FIRST - timedelta(days=40), 100)
    due = None if n % 11 == 5 else start + timedelta(days=rng.randrange(0, 12), minutes=rng.randrange(0, 900))
    closed = None
    if rng.random() < 0.65:
        closed = start + timedelta(days=rng.randrange(0, 16), minutes=rng.randrange(0, 1200))
        if closed > NOW:
            closed = None
    level = Rung.NONE
    if due and due < (closed or NOW):
        level = rng.choice([Rung.YELLOW, Rung.RED, Rung.NOTICE, Rung.ACCOUNTABILITY])
    if closed:
        state = ClockState.DONE_LATE if due and closed > due else ClockState.DONE
    else:
        state = ClockState.OVERDUE if level >= Rung.YELLOW else ClockState.ON_TRACK
    return {"clock_start": start, "due_at": due, "closed_at": closed, "clock_state": state,
            "breach_level": level if not closed else Rung.NONE, "limit_value": 5}


def breaches(item, label, rng) -> list[Event]:
    if not item.due_at or item.due_at > NOW:
        return []
    unit = item.unit if rng.random() < 0.9 else None
    out = [Event(kind="clock.breach", unit=unit, at=item.due_at + timedelta(minutes=rng.randrange(1, 600)),
                 subject_type=label, subject_id=item.pk, level_from=rng.choice([Rung.NONE, Rung.HINT, None]),
                 level_to=Rung.YELLOW, fanned_out=True)]
    if rng.random() < 0.6:
        out.append(Event(kind="clock.breach", unit=item.unit, at=item.due_at + timedelta(days=rng.randrange(1, 5)),
                         subject_type=label, subject_id=item.pk, level_from=Rung.YELLOW,
                         level_to=rng.choice([Rung.RED, Rung.NOTICE]), fanned_out=True))
    if rng.random() < 0.2:  # jumped two rungs at once; and one with no target rung
        out.append(Event(kind="clock.breach", unit=item.unit, at=item.due_at + timedelta(days=6), subject_type=label,
                         subject_id=item.pk, level_from=Rung.NONE, level_to=Rung.RED, fanned_out=True))
        out.append(Event(kind="clock.breach", unit=item.unit, at=item.due_at + timedelta(days=7), subject_type=label,
                         subject_id=item.pk, level_from=Rung.YELLOW, level_to=None, fanned_out=True))
    return out


@pytest.fixture
def mixed(org):
    rng = random.Random(2026)
    units = [org.unit_a, org.unit_b]
    owners = {org.unit_a.pk: org.clerk_a, org.unit_b.pk: org.clerk_b}
    timed = [TimedItem(title=f"事项{n}", unit=units[n % 2], owner=owners[units[n % 2].pk], **clock_fields(rng, n))
             for n in range(90)]
    TimedItem.objects.bulk_create(timed)
    assignments = [Assignment(number=f"JB{n:03d}", kind="instruction", title=f"交办{n}", source_text="批示",
                              unit=units[(n // 2) % 2], owner=owners[units[(n // 2) % 2].pk],
                              created_at=NOW - timedelta(days=90), **clock_fields(rng, n))
                   for n in range(50)]
    Assignment.objects.bulk_create(assignments)
    complaints = [Complaint(tracking_number=f"TS{n:05d}", check_code_hash=f"c{n}", link_token_hash=f"l{n}",
                            category="slow", subject_unit=units[n % 2], description="慢作为",
                            unit=None if n % 3 == 0 else units[n % 2], **clock_fields(rng, n))
                  for n in range(50)]
    Complaint.objects.bulk_create(complaints)
    events = []
    for model, label in ((TimedItem, "clocktest.timeditem"), (Assignment, "supervision.assignment"),
                         (Complaint, "accountability.complaint")):
        for item in model.objects.filter(clock_start__isnull=False, unit__isnull=False):
            events += breaches(item, label, rng)
    # a breach of an item with no unit, and one of another type in the window
    events.append(Event(kind="clock.breach", unit=None, at=at(LAST, 600), subject_type="accountability.complaint",
                        subject_id=1, level_from=0, level_to=3, fanned_out=True))
    for n in range(400):
        kind = rollups.COUNTED_KINDS[n % len(rollups.COUNTED_KINDS)]
        when = moment(rng, FIRST - timedelta(days=5), 70)
        unit = rng.choice([org.unit_a, org.unit_b, None])
        payload = {}
        if kind == "complaints.rated":
            payload = RATINGS[n % len(RATINGS)]
        elif kind == "approvals.rated":
            payload = SCORES[n % len(SCORES)]
        elif unit is None:
            # the unit named in the payload: an int, a digit string, a unit that does not exist,
            # not digits, a non-ASCII digit, or no payload unit at all
            payload = rng.choice([{"unit_id": org.unit_b.pk}, {"unit_id": str(org.unit_a.pk)},
                                  {"unit_id": f"00{org.unit_a.pk}"}, {"unit_id": 987654},
                                  {"unit_id": "abc"}, {"unit_id": "٣"}, {"unit_id": f"{org.unit_b.pk} "},
                                  {"unit_id": None}, {"unit_id": [org.unit_a.pk]}, {}, [org.unit_a.pk]])
        events.append(Event(kind=kind, unit=unit, at=when, subject_type="clocktest.timeditem", subject_id=n,
                            payload=payload, fanned_out=True))
    Event.objects.bulk_create(events)
    return org


def rows():
    return {
        "day": sorted(UnitDay.objects.values_list(
            "date", "unit_id", "item_type", "opened", "closed_on_time", "closed_late", "yellow_cards", "red_cards",
            "open_at_end", "overdue_open_at_end")),
        "counter": sorted(UnitDayCounter.objects.values_list("date", "unit_id", "kind", "count", "value_sum"),
                          key=str),
        "month": sorted(UnitMonth.objects.values_list(
            "month", "unit_id", "item_type", "opened", "closed_on_time", "closed_late", "yellow_cards", "red_cards")),
        "score": sorted(UnitMonthScore.objects.values_list(
            "month", "unit_id", "rank", "score", "on_time_rate", "closed_on_time", "closed_late", "red_cards"),
            key=str),
    }


def clear():
    for model in (UnitDay, UnitDayCounter, UnitMonth, UnitMonthScore):
        model.objects.all().delete()


def test_the_data_set_exercises_every_figure(mixed):
    """So the comparisons below cannot pass on empty or trivial rows."""
    assert connection.vendor == "postgresql"
    rollups.rollup_days(FIRST, LAST)
    got = rows()
    days = got["day"]
    assert {r[2] for r in days} == {"clocktest.timeditem", "supervision.assignment", "accountability.complaint"}
    for i, name in enumerate(("opened", "on time", "late", "yellow", "red", "open", "overdue"), start=3):
        assert sum(r[i] for r in days) > 0, name
    counters = got["counter"]
    assert {r[2] for r in counters} == set(rollups.COUNTED_KINDS)
    assert any(r[1] is None for r in counters)  # no unit and none in the payload
    rated = Event.objects.filter(kind="approvals.rated", at__gte=rollups.day_start(FIRST)).count()
    assert 0 < sum(r[3] for r in counters if r[2] == "approvals.rated") < rated  # odd scores are not ratings
    assert sum(r[4] for r in counters if r[2] == "complaints.rated") > 0


@pytest.mark.parametrize("start", [FIRST, FIRST + timedelta(days=23), LAST - timedelta(days=1), LAST])
def test_the_portable_rollup_writes_the_same_rows_as_the_sql(mixed, start):  # R35, R37
    rollups.rollup_days(start, LAST)
    by_sql = rows()
    clear()
    rollups.rollup_days_portable(start, LAST)
    assert rows() == by_sql


def test_over_existing_rows_the_portable_rollup_replaces_the_window_as_the_sql_does(mixed):
    rollups.rollup_days(FIRST, LAST)
    window = (FIRST + timedelta(days=40), LAST - timedelta(days=3))
    rollups.rollup_days(*window)
    by_sql = rows()
    rollups.rollup_days(FIRST, LAST)
    rollups.rollup_days_portable(*window)
    assert rows() == by_sql


def test_each_portable_part_equals_its_statement(mixed):
    start = FIRST + timedelta(days=10)
    rollups.rollup_days(start, LAST)
    by_sql = rows()

    def strip(objs, fields):
        return sorted((tuple(getattr(o, f) for f in fields) for o in objs), key=str)

    day_fields = ("date", "unit_id", "item_type", "opened", "closed_on_time", "closed_late", "yellow_cards",
                  "red_cards", "open_at_end", "overdue_open_at_end")
    portable_days = []
    for entry in rollups.clock_models():
        portable_days += rollups.unit_days_portable(entry, start, LAST)
    assert strip(portable_days, day_fields) == strip(UnitDay.objects.all(), day_fields)
    counter_fields = ("date", "unit_id", "kind", "count", "value_sum")
    assert strip(rollups.unit_day_counters_portable(start, LAST), counter_fields) == sorted(by_sql["counter"], key=str)
    month_fields = ("month", "unit_id", "item_type", "opened", "closed_on_time", "closed_late", "yellow_cards",
                    "red_cards")
    assert strip(rollups.unit_months_portable(start, LAST), month_fields) == sorted(by_sql["month"], key=str)


@pytest.mark.parametrize("now", [NOW, at(LAST - timedelta(days=20), 7 * 60 + 59), at(LAST, 23 * 60 + 50)])
def test_the_portable_live_stock_equals_the_sql(mixed, now):
    fields = ("unit_id", "item_type", "open", "yellow_open", "red_open", "overdue_open", "due_this_week",
              "refreshed_at")
    rollups.refresh_now(now=now)
    by_sql = sorted(UnitNow.objects.values_list(*fields))
    assert sum(r[2] for r in by_sql) and sum(r[4] for r in by_sql) and sum(r[6] for r in by_sql)
    UnitNow.objects.all().delete()
    rollups.refresh_now_portable(now=now)
    assert sorted(UnitNow.objects.values_list(*fields)) == by_sql


def test_the_portable_person_figure_equals_the_sql(mixed):  # R37: 绩
    seen = []
    for user in (mixed.clerk_a, mixed.clerk_b, mixed.head_a):
        for month in (date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)):
            by_sql = scoring.person_ji(user, month)
            assert scoring.person_ji_portable(user, month) == by_sql, (user, month)
            seen.append(by_sql)
    assert any(v is not None and v < 100 for v in seen) and None in seen


def test_odd_payloads_count_in_the_live_bump_as_in_the_recount(org):  # R35
    """counter_bump (the subscriber) and the recount agree on odd payloads too."""
    from django.utils import timezone

    from efficiency.events import event_emit
    from efficiency.workdays import local_date

    item = TimedItem.objects.create(title="投诉件", unit=org.unit_a)
    for payload in ({"rating": ["satisfied"]}, {"rating": 100}, {"rating": "满意"}):
        event_emit("complaints.rated", subject=item, payload=payload)
    for payload in ({"score": "３"}, {"score": [3]}, {"score": "2"}):
        event_emit("approvals.rated", subject=item, payload=payload)
    live = sorted(UnitDayCounter.objects.values_list("unit_id", "kind", "count", "value_sum"))
    assert live == [(org.unit_a.pk, "approvals.rated", 1, 40), (org.unit_a.pk, "complaints.rated", 3, 100)]
    today = local_date(timezone.now())
    rollups.rollup_days(today, today)
    assert sorted(UnitDayCounter.objects.values_list("unit_id", "kind", "count", "value_sum")) == live
    rollups.rollup_days_portable(today, today)
    assert sorted(UnitDayCounter.objects.values_list("unit_id", "kind", "count", "value_sum")) == live
