"""The clock defined once: the breach ladder's Python and SQL agree (both made from
`efficiency.ladder.LADDER`), and `Clock.objects` says what open, overdue, due within N days
and "on rung r" mean, tested at T−1 s, T and T+1 s."""

from datetime import datetime, timedelta
from itertools import product

import pytest
import time_machine
from django.db import connection

from efficiency import ladder
from efficiency.models import Clock, ClockState, Rung
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem

pytestmark = pytest.mark.django_db

T = datetime(2025, 10, 10, 23, 59, 59, tzinfo=SHANGHAI)  # a due time: the end of a working day
SECOND = timedelta(seconds=1)


def item(org, **fields) -> TimedItem:
    return TimedItem.objects.create(unit=org.unit_a, owner=org.clerk_a, **fields)


def test_the_ladder_is_the_rungs_in_order_each_with_a_moment_of_the_clock():
    assert [step.rung for step in ladder.LADDER] == [r for r in Rung if r != Rung.NONE]
    clock_fields = {f.name for f in Clock._meta.get_fields()}
    assert all(step.field in clock_fields for step in ladder.LADDER)
    assert [step.label for step in ladder.LADDER] == ["提示", "黄牌", "红牌", "督办单", "问责建议"]


def test_the_sql_and_the_python_of_the_ladder_agree_on_every_row_and_moment(org):
    """Every combination of switched-off rungs (a null moment), at every moment around each
    threshold: the rung reached, the next moment and the state, computed by PostgreSQL from
    the generated expressions and by Python from the same table."""
    fields = [step.field for step in ladder.LADDER]
    moments = {field: T + timedelta(days=i) for i, field in enumerate(fields)}
    rows = [item(org, **{f: moments[f] if on else None for f, on in zip(fields, mask)})
            for mask in product([True, False], repeat=len(fields))]
    nows = [T - timedelta(days=1)] + [m + d for m in moments.values() for d in (-SECOND, timedelta(0), SECOND)]
    rung = f"({ladder.rung_sql()})"
    fixed = ", ".join(ladder.next_sql(str(level)) for level in range(len(fields) + 1))
    for now in nows:
        with connection.cursor() as cur:
            cur.execute(f"SELECT t.id, {rung}, {ladder.next_sql(rung)}, {ladder.state_sql(rung)}, {fixed} "
                        f"FROM clocktest_timeditem AS t ORDER BY t.id", {"now": now})
            got = cur.fetchall()
        assert len(got) == len(rows) == 32
        for row, (pk, level, next_at, state, *next_by_level) in zip(rows, got):
            assert pk == row.pk
            assert level == ladder.rung_at(row, now), (now, row.pk)
            assert next_at == ladder.next_at(row, level)
            assert state == ladder.state_for(level)
            assert next_by_level == [ladder.next_at(row, lv) for lv in range(len(fields) + 1)]


def test_a_rung_is_reached_at_its_moment_not_a_second_before(org):
    row = item(org, warn_at=T - timedelta(days=1), due_at=T, red_at=T + timedelta(days=3))
    assert ladder.rung_at(row, T - SECOND) == Rung.HINT
    assert ladder.rung_at(row, T) == Rung.YELLOW
    assert ladder.state_for(Rung.YELLOW) == ClockState.OVERDUE
    assert ladder.state_for(Rung.NONE) == ClockState.ON_TRACK
    assert ladder.next_at(row, Rung.YELLOW) == row.red_at


def test_an_item_is_overdue_only_after_its_due_second(org):  # R01
    row = item(org, clock_start=T - timedelta(days=5), due_at=T)
    assert not TimedItem.objects.overdue(T - SECOND).exists()
    assert not TimedItem.objects.overdue(T).exists()  # closing now is still on time
    assert list(TimedItem.objects.overdue(T + SECOND)) == [row]
    assert (row.is_late(T - SECOND), row.is_late(T), row.is_late(T + SECOND)) == (False, False, True)


def test_overdue_defaults_to_the_projects_clock(org):
    item(org, due_at=T)
    with time_machine.travel(T, tick=False):
        assert not TimedItem.objects.overdue().exists()
        assert not TimedItem.objects.get().is_late()
    with time_machine.travel(T + SECOND, tick=False):
        assert TimedItem.objects.overdue().exists()
        assert TimedItem.objects.get().is_late()


def test_a_closed_item_is_not_overdue_and_is_late_by_its_close(org):
    row = item(org, due_at=T, closed_at=T + SECOND, clock_state=ClockState.DONE_LATE)
    on_time = item(org, due_at=T, closed_at=T, clock_state=ClockState.DONE)
    assert not TimedItem.objects.overdue(T + timedelta(days=9)).exists()
    assert row.is_late() and not on_time.is_late()
    assert list(TimedItem.objects.open()) == []


def test_a_paused_item_past_its_due_time_counts_as_overdue_but_is_not_running(org):
    row = item(org, due_at=T, paused_at=T - timedelta(days=1))
    assert list(TimedItem.objects.overdue(T + SECOND)) == [row]
    assert list(TimedItem.objects.running()) == []


def test_due_within_n_days_counts_to_the_end_of_the_nth_calendar_day(org):
    now = datetime(2025, 10, 13, 10, 0, tzinfo=SHANGHAI)  # Monday morning
    late = item(org, due_at=now - SECOND)
    due_now = item(org, due_at=now)
    thursday = item(org, due_at=datetime(2025, 10, 16, 23, 59, 59, tzinfo=SHANGHAI))
    friday = item(org, due_at=datetime(2025, 10, 17, 0, 0, tzinfo=SHANGHAI))
    within = set(TimedItem.objects.due_within(3, now))
    assert within == {due_now, thursday}
    assert friday in set(TimedItem.objects.due_within(4, now)) and late not in within


def test_at_rung_is_the_stored_rung_or_any_above(org):
    yellow, red = item(org, breach_level=Rung.YELLOW), item(org, breach_level=Rung.RED)
    item(org, breach_level=Rung.HINT)
    assert list(TimedItem.objects.at_rung(Rung.YELLOW)) == [yellow]
    assert set(TimedItem.objects.at_rung(Rung.YELLOW, or_above=True)) == {yellow, red}
