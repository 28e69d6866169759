"""The rollups over mixed data, checked against straight counts of the raw items and events:
three clock models (one whose unit may be empty), items opened and closed on time and late across
days and around midnight, due dates before, inside and after the window, breach events (some with
no unit or no from-rung), and every counted event kind with ordinary and odd payloads."""

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from accountability.models import Complaint
from dashboards import rollups, scoring
from dashboards.models import UnitDay, UnitDayCounter, UnitMonth, UnitMonthScore, UnitNow
from dashboards.periods import day_start, week_end
from efficiency.events import event_emit
from efficiency.models import ClockState, Event, Rung
from efficiency.workdays import SHANGHAI, local_date
from supervision.models import Assignment
from tests.clocktest.models import TimedItem

from .conftest import raw_day, rolled_day

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=SHANGHAI)
FIRST = date(2026, 9, 20)  # the data spans September to November
LAST = NOW.date()
MINUTES = (5, 7 * 60 + 59, 8 * 60 + 1, 10 * 60, 15 * 60 + 30, 23 * 60 + 50)  # 07:59 / 08:01 = UTC midnight
MODELS = {"clocktest.timeditem": TimedItem, "supervision.assignment": Assignment,
          "accountability.complaint": Complaint}

# (payload, count, score) of complaints.rated and approvals.rated: ordinary values and odd ones
RATINGS = [({"rating": "satisfied"}, 1, 100), ({"rating": "满意"}, 1, 100), ({"rating": "basically"}, 1, 60),
           ({"rating": "基本满意"}, 1, 60), ({"rating": "dissatisfied"}, 1, 0), ({"rating": "不满意"}, 1, 0),
           ({"rating": "SATISFIED"}, 1, 0), ({"rating": None}, 1, 0), ({}, 1, 0), ({"rating": ["satisfied"]}, 1, 0),
           ({"rating": {"v": "satisfied"}}, 1, 0), ({"rating": 100}, 1, 0), ({"rating": True}, 1, 0),
           (["satisfied"], 1, 0), ("satisfied", 1, 0)]
SCORES = [({"score": 4}, 1, 80), ({"score": "5"}, 1, 100), ({"score": 1}, 1, 20), ({"score": "3"}, 1, 60),
          ({"score": 0}, 0, 0), ({"score": "6"}, 0, 0), ({"score": 4.0}, 0, 0), ({"score": 4.5}, 0, 0),
          ({"score": True}, 0, 0), ({"score": None}, 0, 0), ({"score": "bad"}, 0, 0), ({"score": " 3"}, 0, 0),
          ({"score": "3\n"}, 0, 0), ({"score": [3]}, 0, 0), ({"score": "٣"}, 0, 0), ({"score": "３"}, 0, 0),
          ({}, 0, 0), ([4], 0, 0), ("4", 0, 0)]


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
            payload = RATINGS[n % len(RATINGS)][0]
        elif kind == "approvals.rated":
            payload = SCORES[n % len(SCORES)][0]
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


def days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def test_the_data_set_exercises_every_figure(mixed):
    """So the comparisons below cannot pass on empty or trivial rows."""
    rollups.rollup_days(FIRST, LAST)
    got = rows()
    day_rows = got["day"]
    assert {r[2] for r in day_rows} == set(MODELS)
    for i, name in enumerate(("opened", "on time", "late", "yellow", "red", "open", "overdue"), start=3):
        assert sum(r[i] for r in day_rows) > 0, name
    counters = got["counter"]
    assert {r[2] for r in counters} == set(rollups.COUNTED_KINDS)
    assert any(r[1] is None for r in counters)  # no unit and none in the payload
    rated = Event.objects.filter(kind="approvals.rated", at__gte=day_start(FIRST)).count()
    assert 0 < sum(r[3] for r in counters if r[2] == "approvals.rated") < rated  # odd scores are not ratings
    assert sum(r[4] for r in counters if r[2] == "complaints.rated") > 0
    assert Event.objects.filter(kind="clock.breach", level_from__isnull=True).exists()
    assert Complaint.objects.filter(unit__isnull=True, clock_start__isnull=False).exists()


@pytest.mark.parametrize("start", [FIRST, FIRST + timedelta(days=23), LAST - timedelta(days=1), LAST])
def test_every_day_of_every_type_equals_the_raw_counts(mixed, start):  # R35, R37
    """Items at no unit are left out, a breach with an unknown rung counts no card, a jump over
    two rungs counts both, and a window starting mid-range carries the stock in."""
    rollups.rollup_days(start, LAST)
    assert set(UnitDay.objects.values_list("item_type", flat=True)) <= set(MODELS)
    assert not UnitDay.objects.filter(date__lt=start).exists()
    for label, model in MODELS.items():
        for unit in (mixed.unit_a, mixed.unit_b):
            for d in days(start, LAST):
                assert rolled_day(label, unit.pk, d) == raw_day(model, label, unit.pk, d), (label, unit, d)


def test_over_existing_rows_a_window_is_replaced_with_the_same_rows(mixed):
    rollups.rollup_days(FIRST, LAST)
    whole = rows()
    rollups.rollup_days(FIRST + timedelta(days=40), LAST - timedelta(days=3))
    assert rows() == whole


def test_month_rows_sum_the_day_rows_of_every_type(mixed):
    rollups.rollup_days(FIRST.replace(day=1), LAST)
    assert UnitMonth.objects.count() > 6
    for m in UnitMonth.objects.all():
        flows = [UnitDay.objects.filter(unit_id=m.unit_id, item_type=m.item_type, date__year=m.month.year,
                                        date__month=m.month.month).values_list(name, flat=True)
                 for name in ("opened", "closed_on_time", "closed_late", "yellow_cards", "red_cards")]
        assert (m.opened, m.closed_on_time, m.closed_late, m.yellow_cards, m.red_cards) == tuple(map(sum, flows))


@pytest.mark.parametrize("now", [NOW, at(LAST - timedelta(days=20), 7 * 60 + 59), at(LAST, 23 * 60 + 50)])
def test_the_live_stock_equals_the_open_items_counted(mixed, now):
    rollups.refresh_now(now=now)
    got = sorted(UnitNow.objects.values_list("unit_id", "item_type", "open", "yellow_open", "red_open",
                                              "overdue_open", "due_this_week", "refreshed_at"))
    expected = []
    for label, model in MODELS.items():
        counts = (model.objects.filter(clock_start__isnull=False, closed_at__isnull=True, unit__isnull=False)
                  .order_by().values("unit_id")
                  .annotate(n=Count("pk"), yellow=Count("pk", filter=Q(breach_level=Rung.YELLOW)),
                            red=Count("pk", filter=Q(breach_level__gte=Rung.RED)),
                            overdue=Count("pk", filter=Q(due_at__lt=now)),
                            week=Count("pk", filter=Q(due_at__gte=now, due_at__lt=week_end(now)))))
        expected += [(r["unit_id"], label, r["n"], r["yellow"], r["red"], r["overdue"], r["week"], now)
                     for r in counts]
    assert got == sorted(expected)
    assert sum(r[2] for r in got) and sum(r[4] for r in got) and sum(r[6] for r in got)


def test_a_persons_ji_is_the_share_of_their_items_closed_on_time_that_month(mixed):  # R37: 绩
    seen = []
    for user in (mixed.clerk_a, mixed.clerk_b, mixed.head_a):
        for month in (date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)):
            done = [item.clock_state != ClockState.DONE_LATE
                    for model in MODELS.values()
                    for item in model.objects.filter(**{model.clock_owner_field: user}, closed_at__isnull=False)
                    if local_date(item.closed_at).replace(day=1) == month]
            expected = round(100 * sum(done) / len(done), 1) if done else None
            assert scoring.person_ji(user, month) == expected, (user, month)
            seen.append(expected)
    assert any(v is not None and v < 100 for v in seen) and None in seen


@pytest.mark.parametrize("offset, month", [(-1, date(2026, 10, 1)), (0, date(2026, 11, 1)), (1, date(2026, 11, 1))])
def test_ji_counts_an_item_in_the_shanghai_month_it_closed(org, offset, month):  # R37: 绩
    """00:00 on the 1st in Shanghai is 16:00 UTC the day before: T-1 s is last month's."""
    closed = day_start(date(2026, 11, 1)) + timedelta(seconds=offset)
    TimedItem.objects.create(title="事项", unit=org.unit_a, owner=org.clerk_a, clock_start=closed - timedelta(days=3),
                             limit_value=5, due_at=closed - timedelta(days=1), closed_at=closed,
                             clock_state=ClockState.DONE_LATE)
    assert scoring.person_ji(org.clerk_a, month) == 0.0
    other = date(2026, 11, 1) if month.month == 10 else date(2026, 10, 1)
    assert scoring.person_ji(org.clerk_a, other) is None


def counters(kind=None):
    rows_ = UnitDayCounter.objects.filter(**({"kind": kind} if kind else {}))
    return sorted(rows_.values_list("unit_id", "kind", "count", "value_sum"), key=str)


@pytest.mark.parametrize("kind, payload, count, score",
                         [("complaints.rated", *r) for r in RATINGS] + [("approvals.rated", *r) for r in SCORES])
def test_a_rating_counts_and_scores_as_the_rule_says_live_and_recounted(org, kind, payload, count, score):  # R35
    """满意 100, 基本满意 60, 不满意 0, stars 1–5 × 20; anything else scores 0, and a score that is
    not one ASCII digit 1–5 is not a rating at all."""
    item = TimedItem.objects.create(title="投诉件", unit=org.unit_a)
    event_emit(kind, subject=item, payload=payload)
    assert counters() == [(org.unit_a.pk, kind, count, score)]
    today = local_date(timezone.now())
    rollups.rollup_days(today, today)
    assert counters() == [(org.unit_a.pk, kind, count, score)]


# (the payload, given the ids of units A and B; the unit it counts for)
PAYLOAD_UNITS = [
    (lambda a, b: {"unit_id": b}, "unit_b"), (lambda a, b: {"unit_id": str(a)}, "unit_a"),
    (lambda a, b: {"unit_id": f"00{a}"}, "unit_a"), (lambda a, b: {"unit_id": 987654}, None),
    (lambda a, b: {"unit_id": "abc"}, None), (lambda a, b: {"unit_id": "٣"}, None),
    (lambda a, b: {"unit_id": f"{b} "}, None), (lambda a, b: {"unit_id": None}, None),
    (lambda a, b: {"unit_id": [a]}, None), (lambda a, b: {}, None), (lambda a, b: [a], None),
    (lambda a, b: {"unit_id": "9" * 25}, None),  # not a bigint: ignored, the emitter's transaction goes on
]


@pytest.mark.parametrize("payload, unit", PAYLOAD_UNITS)
def test_an_event_at_no_unit_counts_for_the_unit_its_payload_names(org, payload, unit):
    """Only when the text is ASCII digits and such a unit exists; live and recounted alike."""
    item = Complaint.objects.create(tracking_number="TS99999", check_code_hash="c", link_token_hash="l",
                                    category="slow", subject_unit=org.unit_b, description="慢作为", unit=None)
    event_emit("complaints.filed", subject=item, payload=payload(org.unit_a.pk, org.unit_b.pk))
    expected = [(getattr(org, unit).pk if unit else None, "complaints.filed", 1, 0)]
    assert counters() == expected
    today = local_date(timezone.now())
    rollups.rollup_days(today, today)
    assert counters() == expected


def test_the_events_own_unit_wins_over_the_payloads(org):
    item = TimedItem.objects.create(title="投诉件", unit=org.unit_a)
    event_emit("complaints.filed", subject=item, payload={"unit_id": org.unit_b.pk})
    assert counters() == [(org.unit_a.pk, "complaints.filed", 1, 0)]


def test_odd_payloads_sum_in_one_row_live_as_in_the_recount(org):  # R35
    item = TimedItem.objects.create(title="投诉件", unit=org.unit_a)
    for payload in ({"rating": ["satisfied"]}, {"rating": 100}, {"rating": "满意"}):
        event_emit("complaints.rated", subject=item, payload=payload)
    for payload in ({"score": "３"}, {"score": [3]}, {"score": "2"}):
        event_emit("approvals.rated", subject=item, payload=payload)
    live = counters()
    assert live == [(org.unit_a.pk, "approvals.rated", 1, 40), (org.unit_a.pk, "complaints.rated", 3, 100)]
    today = local_date(timezone.now())
    rollups.rollup_days(today, today)
    assert counters() == live


def _places():
    """Where each UnitDay row lies in the table (its ctid): an UPDATE or a re-INSERT moves it."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT date, unit_id, item_type, ctid::text FROM dashboards_unitday")
        return {(d, u, t): place for d, u, t, place in c.fetchall()}


def test_a_year_equals_the_raw_counts_and_a_rebuild_rewrites_only_the_rows_that_changed(mixed):  # R37
    """The year's rollup (`manage.py rollup_rebuild` of a year; bench/rollups.py times it): every
    day of every type equals the straight counts, no row before the data. Rolled again after one
    change, only that unit's rows from the day of the change are written, and the result equals
    a rebuild into empty tables."""
    year, data_from = LAST - timedelta(days=365), FIRST - timedelta(days=40)
    rollups.rollup_days(year, LAST)
    assert not UnitDay.objects.filter(date__lt=data_from).exists()
    for label, model in MODELS.items():
        for unit in (mixed.unit_a, mixed.unit_b):
            for d in days(data_from, LAST):
                assert rolled_day(label, unit.pk, d) == raw_day(model, label, unit.pk, d), (label, unit, d)
    before = _places()
    item = TimedItem.objects.filter(unit=mixed.unit_a, closed_at__isnull=True, clock_start__lt=at(LAST, 0)).first()
    closed = max(item.clock_start, at(LAST - timedelta(days=3), 10 * 60))
    TimedItem.objects.filter(pk=item.pk).update(closed_at=closed, clock_state=ClockState.DONE_LATE)
    rollups.rollup_days(year, LAST)
    after, changed_from = _places(), local_date(closed)
    moved = {key for key in after if before.get(key) != after[key]}
    assert moved and all(key[1] == mixed.unit_a.pk and key[2] == "clocktest.timeditem" and key[0] >= changed_from
                         for key in moved)
    again = rows()
    UnitDay.objects.all().delete()
    UnitDayCounter.objects.all().delete()
    UnitMonth.objects.all().delete()
    rollups.rollup_days(year, LAST)
    assert rows() == again
    for d in days(changed_from, LAST):
        assert rolled_day("clocktest.timeditem", mixed.unit_a.pk, d) == raw_day(TimedItem, "clocktest.timeditem", mixed.unit_a.pk, d)
