"""Rollups: the rebuild gives the same numbers as raw SQL counts of the same data."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from dashboards import rollups
from dashboards.models import UnitDay, UnitDayCounter, UnitMonth, UnitNow
from efficiency.schedule import EXTRA_SCHEDULES

from tests.clocktest.models import TimedItem

from .conftest import FIRST, LABEL, NOW, raw_day, rolled_day

pytestmark = pytest.mark.django_db
LAST = NOW.date()


def raw(unit_id, d):
    return raw_day(TimedItem, LABEL, unit_id, d)


def rolled(unit_id, d):
    return rolled_day(LABEL, unit_id, d)


def all_days():
    d = FIRST - timedelta(days=2)
    while d <= LAST:
        yield d
        d += timedelta(days=1)


def test_the_rebuild_gives_the_same_numbers_as_raw_sql_counts(data):
    call_command("rollup_rebuild", "--from", str(FIRST - timedelta(days=2)), "--to", str(LAST))
    for unit in (data.unit_a, data.unit_b):
        for d in all_days():
            assert rolled(unit.pk, d) == raw(unit.pk, d), (unit, d)


def test_a_window_starting_mid_range_carries_the_stock_over(data):
    mid = FIRST + timedelta(days=17)
    rollups.rollup_days(mid, LAST)
    for unit in (data.unit_a, data.unit_b):
        for d in (mid, mid + timedelta(days=1), LAST):
            assert rolled(unit.pk, d) == raw(unit.pk, d)


def test_rolling_up_the_last_two_days_again_leaves_the_same_rows(data):
    rollups.rollup_days(FIRST, LAST)
    before = sorted(UnitDay.objects.values_list("date", "unit_id", "opened", "closed_late", "open_at_end"))
    months = sorted(UnitMonth.objects.values_list("month", "unit_id", "opened", "closed_on_time", "red_cards"))
    rollups.rollup_recent(now=NOW)
    assert sorted(UnitDay.objects.values_list("date", "unit_id", "opened", "closed_late", "open_at_end")) == before
    assert sorted(UnitMonth.objects.values_list("month", "unit_id", "opened", "closed_on_time", "red_cards")) == months


def test_month_rows_sum_the_day_rows(data):
    rollups.rollup_days(FIRST, LAST)
    for m in UnitMonth.objects.all():
        days = UnitDay.objects.filter(unit_id=m.unit_id, date__year=m.month.year, date__month=m.month.month)
        assert m.opened == sum(d.opened for d in days)
        assert m.closed_late == sum(d.closed_late for d in days)


def test_event_counters_equal_raw_event_counts(data):
    rollups.rollup_days(FIRST, LAST)
    with connection.cursor() as c:
        c.execute("SELECT kind, unit_id, count(*) FROM efficiency_event WHERE kind <> 'clock.breach' GROUP BY 1, 2")
        raw = {(k, u): n for k, u, n in c.fetchall()}
    rolled = {}
    for row in UnitDayCounter.objects.all():
        rolled[(row.kind, row.unit_id)] = rolled.get((row.kind, row.unit_id), 0) + row.count
    assert rolled == raw


def test_ratings_are_summed_on_a_hundred_point_scale(data):  # R35
    rollups.rollup_days(FIRST, LAST)
    a = UnitDayCounter.objects.filter(kind="complaints.rated", unit=data.unit_a)
    b = UnitDayCounter.objects.filter(kind="approvals.rated", unit=data.unit_b)
    assert sum(r.value_sum for r in a) == 100 * sum(r.count for r in a)
    assert sum(r.value_sum for r in b) == 80 * sum(r.count for r in b)


def test_the_live_stock_equals_the_open_items_now(data):
    rollups.refresh_now(now=NOW)
    now_a = UnitNow.objects.get(unit=data.unit_a)
    with connection.cursor() as c:
        c.execute("""SELECT count(*), count(*) FILTER (WHERE breach_level >= 3), count(*) FILTER (WHERE due_at < %s)
                     FROM clocktest_timeditem WHERE unit_id = %s AND clock_start IS NOT NULL AND closed_at IS NULL""",
                  [NOW, data.unit_a.pk])
        assert (now_a.open, now_a.red_open, now_a.overdue_open) == c.fetchone()


def test_the_rollup_runs_from_the_beat_schedule():
    assert EXTRA_SCHEDULES["dashboards rollup"]["task"] == "dashboards.rollup_recent"


def test_the_rebuild_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="日期格式"):
        call_command("rollup_rebuild", "--from", "2026-13-01")


def test_counted_events_move_todays_counter_at_once_and_the_recount_agrees(org):
    from efficiency.events import event_emit
    from efficiency.workdays import local_date

    item = TimedItem.objects.create(title="投诉件", unit=org.unit_a)
    event_emit("complaints.filed", subject=item)
    event_emit("complaints.rated", subject=item, payload={"rating": "基本满意"})
    event_emit("approvals.rated", subject=item, payload={"score": 5})
    event_emit("approvals.rated", subject=item, payload={"score": "bad"})  # not a rating: not counted

    def counters():
        return sorted(UnitDayCounter.objects.values_list("unit_id", "kind", "count", "value_sum"))

    live = counters()
    assert (org.unit_a.pk, "complaints.filed", 1, 0) in live
    assert (org.unit_a.pk, "complaints.rated", 1, 60) in live
    assert (org.unit_a.pk, "approvals.rated", 1, 100) in live
    today = local_date(timezone.now())
    rollups.rollup_days(today, today)
    assert counters() == live
