"""The clock on a test item: pauses, extension, the ladder's thresholds, closing."""

from datetime import date, datetime, timedelta

import pytest
import time_machine

from efficiency import clocks, workdays
from efficiency.clocks import ClockError, Limit
from efficiency.models import ClockState, Event, LimitUnit, Notification, Rung
from efficiency.notifications import notifications_fan_out
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem

pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def eod(y, m, d) -> datetime:
    return at(y, m, d, 23, 59, 59)


def started(org, when, **kw) -> TimedItem:
    with time_machine.travel(when, tick=False):
        item = TimedItem.objects.create(unit=org.unit_a, owner=org.clerk_a)
        return clocks.clock_start(item, actor=org.head_a, **kw)


def test_a_pause_across_a_weekend_and_the_national_day_credits_only_the_working_days(org):  # R23 R01 R02
    # 5 working days from Tue Sep 23: Sep 24, 25, 26, Sun 28 (调休上班), 29.
    item = started(org, at(2025, 9, 23, 10), limit=Limit(5))
    assert item.due_at == eod(2025, 9, 29)
    with time_machine.travel(at(2025, 9, 26, 10), tick=False):  # Friday: 检验检测 starts
        clocks.clock_pause(item, actor=org.clerk_a, reason="testing")
    with time_machine.travel(at(2025, 10, 9, 10), tick=False):  # first working day after the holiday
        clocks.clock_resume(item, actor=org.clerk_a)
    # Paused working days: Sun Sep 28, Sep 29, Sep 30, Oct 9 — not the weekend, not Oct 1–8.
    assert item.pauses[-1]["credit"] == 4
    assert item.due_at == eod(2025, 10, 11)  # Sep 29 + 4 working days: Sep 30, Oct 9, 10, Sat 11
    resumed = Event.objects.get(kind="clock.resumed", subject_id=item.pk)
    assert resumed.payload["credit"] == 4
    assert resumed.payload["old_due_at"] == eod(2025, 9, 29).isoformat()


def test_a_pause_inside_a_holiday_credits_nothing(org):  # R23
    item = started(org, at(2025, 9, 30, 10), limit=Limit(3))
    with time_machine.travel(at(2025, 10, 2, 10), tick=False):
        clocks.clock_pause(item, actor=org.clerk_a, reason="hearing")
    with time_machine.travel(at(2025, 10, 5, 10), tick=False):
        clocks.clock_resume(item, actor=org.clerk_a)
    assert item.pauses[-1]["credit"] == 0
    assert item.due_at == eod(2025, 10, 11)


def test_a_paused_clock_is_not_swept(org):  # R23
    item = started(org, at(2025, 9, 23, 10), limit=Limit(5))
    with time_machine.travel(at(2025, 9, 26, 10), tick=False):
        clocks.clock_pause(item, actor=org.clerk_a, reason="expert")
    assert sweep(now=at(2025, 10, 20, 10))["clocktest.timeditem"] == 0
    item.refresh_from_db()
    assert (item.breach_level, item.next_at) == (Rung.NONE, None)


def test_closing_straight_from_a_pause_keeps_the_hold_time(org):  # R23
    item = started(org, at(2025, 9, 23, 10), limit=Limit(5))
    with time_machine.travel(at(2025, 9, 26, 10), tick=False):
        clocks.clock_pause(item, actor=org.clerk_a, reason="supplement")
    with time_machine.travel(at(2025, 10, 9, 10), tick=False):  # past the original Sep 29
        clocks.clock_close(item, actor=org.clerk_a)
    item.refresh_from_db()
    assert item.clock_state == ClockState.DONE
    assert item.due_at == eod(2025, 10, 11)
    assert item.pauses[-1]["credit"] == 4 and item.paused_at is None


def test_a_month_limit_is_credited_calendar_days_and_still_ends_on_a_working_day(org):  # R23 R01
    item = started(org, at(2025, 3, 3, 10), limit=Limit(1, LimitUnit.MONTHS))
    assert item.due_at == eod(2025, 4, 3)
    with time_machine.travel(at(2025, 3, 10, 10), tick=False):
        clocks.clock_pause(item, actor=org.clerk_a, reason="other")
    with time_machine.travel(at(2025, 3, 13, 10), tick=False):
        clocks.clock_resume(item, actor=org.clerk_a)
    assert item.pauses[-1]["unit"] == LimitUnit.DAYS
    # Apr 3 + 3 calendar days = Sun Apr 6, the last day of 清明 (Apr 4–6): a due date is never
    # on a rest day, so it moves on to Mon Apr 7, the next working day.
    assert item.due_at == eod(2025, 4, 7)
    assert workdays.is_workday(item.due_at.astimezone(SHANGHAI).date())


def test_a_calendar_day_extension_never_ends_on_a_rest_day(org):  # R01
    # 10 calendar days from Mon Sep 15, 2025: Thu Sep 25; extended by 2 calendar days it
    # would end on Sat Sep 27 (a rest day; Sun Sep 28 is 调休上班), so it ends on Sep 28.
    item = started(org, at(2025, 9, 15, 9), limit=Limit(10, LimitUnit.DAYS))
    assert item.due_at == eod(2025, 9, 25)
    with time_machine.travel(at(2025, 9, 24, 9), tick=False):
        clocks.clock_extend(item, actor=org.head_a, value=2, unit=LimitUnit.DAYS, reason="需现场核查")
    assert item.due_at == eod(2025, 9, 28)
    assert workdays.is_workday(date(2025, 9, 28))


def test_an_extension_approved_before_due_adds_10_working_days_once(org):  # R22 R01
    # 20 working days from Mon Sep 1, 2025 end on Sun Sep 28 (调休上班).
    item = started(org, at(2025, 9, 1, 9), limit=Limit(20), legal=Limit(20))
    assert item.due_at == eod(2025, 9, 28)
    with time_machine.travel(at(2025, 9, 28, 17), tick=False):
        clocks.clock_extend(item, actor=org.head_a, value=10, reason="需现场核查")
    # Sep 29, 30, Oct 9, 10, 11 (调休上班), 13, 14, 15, 16, 17.
    assert item.due_at == eod(2025, 10, 17)
    assert item.legal_due_at == eod(2025, 10, 17)
    assert item.extension_approver == org.head_a
    with time_machine.travel(at(2025, 10, 9, 9), tick=False), pytest.raises(ClockError, match="已延期一次"):
        clocks.clock_extend(item, actor=org.head_a, value=5, reason="再次延期")
    assert Event.objects.filter(kind="clock.extended", subject_id=item.pk).count() == 1


def test_an_extension_asked_after_due_is_refused_and_the_item_counts_late(org):  # R22
    item = started(org, at(2025, 9, 1, 9), limit=Limit(20), legal=Limit(20))
    with time_machine.travel(at(2025, 9, 29, 0, 0, 0), tick=False):  # one second after due
        with pytest.raises(ClockError, match="届满前"):
            clocks.clock_extend(item, actor=org.head_a, value=10, reason="迟到的申请")
        clocks.clock_close(item, actor=org.clerk_a)
    item.refresh_from_db()
    assert item.extension_value is None
    assert item.clock_state == ClockState.DONE_LATE
    assert not Event.objects.filter(kind="clock.extended").exists()


def test_an_extension_requested_before_but_approved_after_due_is_refused(org):  # R22
    item = started(org, at(2025, 9, 1, 9), limit=Limit(20))
    with time_machine.travel(at(2025, 9, 30, 9), tick=False), pytest.raises(ClockError):
        clocks.clock_extend(item, actor=org.head_a, value=10, reason="x", requested_at=at(2025, 9, 26, 9))


def test_closing_at_due_is_done_and_one_second_later_is_done_late(org):  # R02
    on_time = started(org, at(2025, 9, 30, 10), limit=Limit(3))
    late = started(org, at(2025, 9, 30, 10), limit=Limit(3))
    clocks.clock_close(on_time, actor=org.clerk_a, at=on_time.due_at)
    clocks.clock_close(late, actor=org.clerk_a, at=late.due_at + timedelta(seconds=1))
    assert on_time.clock_state == ClockState.DONE and on_time.colour == "blue"
    assert late.clock_state == ClockState.DONE_LATE and late.colour == "red"


def test_the_ladder_thresholds_of_a_3_workday_rule(org):  # R01 R02 R04
    item = started(org, at(2025, 9, 30, 10), rule="instruction.deploy")
    assert item.warn_at == eod(2025, 10, 10)  # one working day before due: the end of Fri Oct 10
    assert item.due_at == eod(2025, 10, 11)
    assert item.red_at == eod(2025, 10, 15)  # 3 working days after due
    assert item.notice_at == eod(2025, 10, 17)  # 2 after the red card
    assert item.escalate_at == eod(2025, 10, 22)  # 3 after the notice


@pytest.mark.parametrize("rung", [Rung.HINT, Rung.YELLOW, Rung.RED, Rung.NOTICE, Rung.ACCOUNTABILITY])
def test_each_rung_is_reached_at_its_threshold_not_a_second_before(org, rung):
    item = started(org, at(2025, 9, 30, 10), rule="instruction.deploy")
    threshold = [item.warn_at, item.due_at, item.red_at, item.notice_at, item.escalate_at][rung - 1]
    if rung > Rung.HINT:
        sweep(now=threshold - timedelta(seconds=2))
    item.refresh_from_db()
    below = item.breach_level
    assert sweep(now=threshold - timedelta(seconds=1))["clocktest.timeditem"] == 0
    assert sweep(now=threshold)["clocktest.timeditem"] == 1
    assert sweep(now=threshold + timedelta(seconds=1))["clocktest.timeditem"] == 0
    item.refresh_from_db()
    assert (below, item.breach_level) == (rung - 1, rung)
    assert item.clock_state == (ClockState.WARNING if rung == Rung.HINT else ClockState.OVERDUE)


def test_a_thousand_sweeps_fire_each_rung_once_and_send_one_notice(org):
    item = started(org, at(2025, 9, 30, 10), rule="instruction.deploy")
    start, end = at(2025, 9, 30, 10), item.escalate_at + timedelta(days=3)
    step = (end - start) / 1000
    for i in range(1000):
        sweep(now=start + step * (i + 1))
    breaches = list(Event.objects.filter(kind="clock.breach", subject_id=item.pk).order_by("id"))
    assert [e.level_to for e in breaches] == [1, 2, 3, 4, 5]
    notifications_fan_out()
    notifications_fan_out()
    notice = breaches[3]
    # 督办单 goes to the owner, the head of unit A, the office and the leader: inbox + email each, once.
    got = sorted(Notification.objects.filter(event=notice).values_list("recipient", "channel"))
    people = sorted(f"user:{u.pk}" for u in (org.clerk_a, org.head_a, org.office, org.leader))
    assert got == sorted((p, c) for p in people for c in ("email", "inbox"))


def test_a_sweep_jumping_past_several_thresholds_writes_one_event(org):
    item = started(org, at(2025, 9, 30, 10), rule="instruction.deploy")
    assert sweep(now=item.notice_at)["clocktest.timeditem"] == 1
    event = Event.objects.get(kind="clock.breach", subject_id=item.pk)
    assert (event.level_from, event.level_to) == (0, Rung.NOTICE)
    item.refresh_from_db()
    assert item.next_at == item.escalate_at
