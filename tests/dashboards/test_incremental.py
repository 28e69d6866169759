"""Incremental rollups (issue 17 §5): the periodic job re-rolls only the units and days touched
since its last run, found through the event log (a dirty table), so its cost follows the
changes; a run with nothing new does a constant handful of queries."""

from datetime import timedelta

import pytest
import time_machine

from dashboards import rollups
from dashboards.models import RollupDirty, RollupState, UnitDay, UnitMonth, UnitMonthScore
from efficiency import clocks
from efficiency.models import Event
from tests.clocktest.models import TimedItem

from .conftest import FIRST, LABEL, NOW, at, event, raw_day, rolled_day

pytestmark = pytest.mark.django_db
LAST = NOW.date()
NOVEMBER = LAST.replace(day=1)
OCTOBER = FIRST.replace(day=1)


@pytest.fixture
def settled(data):
    """Everything rolled, and the job has caught up with the event log."""
    with time_machine.travel(NOW, tick=False):
        rollups.rollup_days(FIRST, LAST)
        first = rollups.rollup_changes(now=NOW)
    assert first["full_days"] == (LAST - timedelta(days=1), LAST)
    assert not RollupDirty.objects.exists()
    return data


def ids(model, **filters):
    return set(model.objects.filter(**filters).values_list("pk", flat=True))


def test_a_run_with_nothing_new_does_nothing_in_a_constant_few_queries(settled, django_assert_max_num_queries):
    before = (ids(UnitDay), ids(UnitMonth), ids(UnitMonthScore))
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False), django_assert_max_num_queries(8):
        done = rollups.rollup_changes(now=NOW + timedelta(minutes=5))
    assert done == {"full_days": None, "units": {}, "months": []}
    assert (ids(UnitDay), ids(UnitMonth), ids(UnitMonthScore)) == before  # not a row rewritten


def test_a_change_in_one_unit_re_rolls_only_that_unit_and_month(settled):
    a, b = settled.unit_a.pk, settled.unit_b.pk
    keep = {"a_days": ids(UnitDay, unit_id=a), "b_october": ids(UnitDay, unit_id=b, date__lt=NOVEMBER),
            "a_months": ids(UnitMonth, unit_id=a), "a_scores": ids(UnitMonthScore, unit_id=a),
            "b_october_scores": ids(UnitMonthScore, unit_id=b, month=OCTOBER)}
    later = NOW + timedelta(minutes=7)
    with time_machine.travel(later, tick=False):
        item = TimedItem.objects.filter(unit_id=b, closed_at__isnull=True, clock_start__isnull=False).first()
        clocks.clock_close(item, actor=settled.clerk_b)  # through the one clock: emits clock.closed
        done = rollups.rollup_changes(now=later)
    assert done["full_days"] is None
    assert done["units"] == {b: LAST} and done["months"] == [NOVEMBER]  # what was recomputed
    # unit A and unit B's October were left alone: the same rows, not rewritten
    assert ids(UnitDay, unit_id=a) == keep["a_days"] and ids(UnitMonth, unit_id=a) == keep["a_months"]
    assert ids(UnitDay, unit_id=b, date__lt=NOVEMBER) == keep["b_october"]
    assert ids(UnitMonthScore, unit_id=a) == keep["a_scores"]
    assert ids(UnitMonthScore, unit_id=b, month=OCTOBER) == keep["b_october_scores"]
    # and unit B's day is right: the same as the raw count
    assert rolled_day(LABEL, b, LAST) == raw_day(TimedItem, LABEL, b, LAST)
    closed = UnitMonth.objects.get(unit_id=b, month=NOVEMBER, item_type=LABEL)
    assert closed.closed_on_time + closed.closed_late == TimedItem.objects.filter(
        unit_id=b, closed_at__gte=at(NOVEMBER, 0)).count()


def test_a_backdated_event_re_rolls_that_unit_from_its_day(settled):
    a = settled.unit_a.pk
    day = FIRST + timedelta(days=8)  # in October
    Event.objects.create(kind="clock.breach", unit_id=a, at=at(day, 16), subject_type=LABEL,
                         subject_id=TimedItem.objects.filter(unit_id=a).first().pk, level_from=0, level_to=3,
                         fanned_out=True)
    with time_machine.travel(NOW, tick=False):
        done = rollups.rollup_changes(now=NOW)
    assert done["units"] == {a: day} and done["months"] == [OCTOBER, NOVEMBER]
    assert rolled_day(LABEL, a, day)["red_cards"] == raw_day(TimedItem, LABEL, a, day)["red_cards"]


def test_an_event_that_commits_late_with_an_earlier_id_is_still_counted(settled):
    """Ids are given at insert, rows seen at commit: an event with an id below the high-water
    mark that appears after a run is found by the recount of the previous range."""
    b = settled.unit_b.pk
    first = Event.objects.create(**_urged(settled.unit_a))
    second = Event.objects.create(**_urged(settled.unit_a))
    first_id = first.pk
    first.delete()  # as if its transaction had not committed yet
    with time_machine.travel(NOW, tick=False):
        rollups.rollup_changes(now=NOW)
        assert RollupState.objects.get().last_event_id == second.pk
        Event.objects.create(pk=first_id, **_urged(settled.unit_b))  # now it commits
        done = rollups.rollup_changes(now=NOW)
    assert b in done["units"]


def _urged(unit):
    e = event("assignment.urged", unit, NOW, 1)
    return {f: getattr(e, f) for f in ("kind", "unit", "at", "subject_type", "subject_id", "fanned_out")}


def test_the_incremental_rows_equal_a_full_rebuild(settled):
    later = NOW + timedelta(minutes=9)
    with time_machine.travel(later, tick=False):
        for item in TimedItem.objects.filter(closed_at__isnull=True, clock_start__isnull=False)[:3]:
            clocks.clock_close(item, actor=None)
        rollups.rollup_changes(now=later)
        incremental = sorted(UnitDay.objects.values_list("date", "unit_id", "opened", "closed_on_time",
                                                         "closed_late", "open_at_end", "overdue_open_at_end"))
        scores = sorted(UnitMonthScore.objects.values_list("month", "unit_id", "rank", "score"))
        rollups.rollup_days(FIRST, LAST)
    assert sorted(UnitDay.objects.values_list("date", "unit_id", "opened", "closed_on_time", "closed_late",
                                              "open_at_end", "overdue_open_at_end")) == incremental
    assert sorted(UnitMonthScore.objects.values_list("month", "unit_id", "rank", "score")) == scores


def test_the_first_run_of_a_new_day_rolls_yesterday_and_today_whole(settled):
    tomorrow = NOW + timedelta(days=1)
    with time_machine.travel(tomorrow, tick=False):
        done = rollups.rollup_changes(now=tomorrow)
        again = rollups.rollup_changes(now=tomorrow + timedelta(minutes=5))
    assert done["full_days"] == (LAST, LAST + timedelta(days=1)) and again["full_days"] is None
    assert UnitDay.objects.filter(date=LAST + timedelta(days=1)).exists()  # the stock carried into the new day


def test_when_many_units_are_dirty_the_window_is_re_rolled_for_every_unit_and_equals_a_rebuild(settled, monkeypatch):
    """Past WIDE_MIN_UNITS dirty units and WIDE_SHARE of all units, reading each unit's items by
    its index costs more than one scan: the run re-rolls the window for every unit (bench/rollups.py,
    K=1000). Here one dirty unit is enough."""
    monkeypatch.setattr(rollups, "WIDE_MIN_UNITS", 1)
    monkeypatch.setattr(rollups, "WIDE_SHARE", 0)
    a, b = settled.unit_a.pk, settled.unit_b.pk
    a_october = ids(UnitDay, unit_id=a, date__lt=NOVEMBER)
    assert a_october
    rolled = []
    roll = rollups._rollup_models
    monkeypatch.setattr(rollups, "_rollup_models", lambda cursor, start, end, units=None: (
        rolled.append((start, end, units)), roll(cursor, start, end, units)))
    later = NOW + timedelta(minutes=7)
    with time_machine.travel(later, tick=False):
        item = TimedItem.objects.filter(unit_id=b, closed_at__isnull=True, clock_start__isnull=False).first()
        clocks.clock_close(item, actor=settled.clerk_b)
        done = rollups.rollup_changes(now=later)
        assert done["units"] == {b: LAST} and done["months"] == [NOVEMBER]
        # unit A's day re-rolled too (every unit: no unit list; only what changed is written)
        assert rolled == [(LAST, LAST, None)]
        assert ids(UnitDay, unit_id=a, date__lt=NOVEMBER) == a_october  # nothing before the window
        assert not RollupDirty.objects.exists()
        columns = ("date", "unit_id", "item_type", "opened", "closed_on_time", "closed_late", "yellow_cards",
                   "red_cards", "open_at_end", "overdue_open_at_end")
        incremental = sorted(UnitDay.objects.values_list(*columns))
        scores = sorted(UnitMonthScore.objects.values_list("month", "unit_id", "rank", "score"))
        rollups.rollup_days(FIRST, LAST)
    assert sorted(UnitDay.objects.values_list(*columns)) == incremental
    assert sorted(UnitMonthScore.objects.values_list("month", "unit_id", "rank", "score")) == scores
