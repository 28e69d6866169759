"""Gaming detection (issue 18): the core's detectors over the clock's events, the runner's upsert,
the office's thresholds. Every number here is a local default (本地默认, 种子未规定)."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from efficiency import clocks, gaming
from efficiency.clocks import Limit
from efficiency.models import Event, GamingFinding, GamingRule
from efficiency.registry import gaming_detectors
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem

pytestmark = pytest.mark.django_db

START, END = date(2025, 11, 1), date(2025, 12, 31)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def started(unit, owner, actor, when, limit=10) -> TimedItem:
    with time_machine.travel(when, tick=False):
        item = TimedItem.objects.create(unit=unit, owner=owner)
        return clocks.clock_start(item, actor=actor, limit=Limit(limit))


def late_pauses(org, n=3, unit=None, owner=None):
    """n items of one unit, each paused on its due day (Mon Nov 3 + 10 working days = Nov 17)."""
    unit, owner = unit or org.unit_a, owner or org.clerk_a
    items = []
    for _ in range(n):
        item = started(unit, owner, org.head_a, at(2025, 11, 3, 10))
        assert item.due_at == at(2025, 11, 17, 23, 59, 59)
        with time_machine.travel(at(2025, 11, 17, 9), tick=False):
            clocks.clock_pause(item, actor=owner, reason="expert")
        with time_machine.travel(at(2025, 11, 20, 9), tick=False):
            clocks.clock_resume(item, actor=owner)
        items.append(item)
    return items


def serial_extensions(org):
    item = started(org.unit_b, org.clerk_b, org.head_b, at(2025, 11, 3, 10))
    with time_machine.travel(at(2025, 11, 10, 10), tick=False):
        clocks.clock_extend(item, actor=org.head_b, value=5, reason="情况复杂")
    with time_machine.travel(at(2025, 11, 20, 10), tick=False):
        clocks.clock_start(item, actor=org.head_b, limit=Limit(10))
    with time_machine.travel(at(2025, 11, 27, 10), tick=False):
        clocks.clock_extend(item, actor=org.head_b, value=5, reason="仍需时间")
    return item


def close_reopen(org):
    """Closed on its due day (Mon Nov 3 + 5 working days = Mon Nov 10) at 16:00, restarted the
    next morning with a fresh limit."""
    item = started(org.unit_b, org.clerk_b, org.head_b, at(2025, 11, 3, 10), limit=5)
    with time_machine.travel(at(2025, 11, 10, 16), tick=False):
        clocks.clock_close(item, actor=org.clerk_b)
    with time_machine.travel(at(2025, 11, 11, 9), tick=False):
        clocks.clock_start(item, actor=org.clerk_b, limit=Limit(5))
    return item


def restarts(org):
    item = started(org.unit_a, org.clerk_a, org.head_a, at(2025, 11, 3, 10), limit=5)
    for day in (7, 13):
        with time_machine.travel(at(2025, 11, day, 10), tick=False):
            clocks.clock_start(item, actor=org.clerk_a, limit=Limit(5))
    return item


def findings(pattern):
    return list(GamingFinding.objects.filter(pattern=pattern).order_by("subject_id"))


def test_the_core_registers_its_four_patterns_with_local_default_thresholds(db):
    codes = {d.code for d in gaming_detectors()}
    assert {"late_pause", "serial_extension", "close_reopen", "restart"} <= codes
    rules = gaming.rules_ensure()
    assert set(rules) == codes and all(r.is_active and r.thresholds == {} for r in rules.values())


def test_late_pauses_repeated_by_one_unit_are_found_one_finding_per_item(org):
    items = late_pauses(org, 3)
    late_pauses(org, 2, unit=org.unit_b, owner=org.clerk_b)  # unit B did it twice only: below 3
    early = started(org.unit_a, org.clerk_a, org.head_a, at(2025, 11, 3, 10))
    with time_machine.travel(at(2025, 11, 5, 9), tick=False):  # early in its limit: not late
        clocks.clock_pause(early, actor=org.clerk_a, reason="expert")
    result = gaming.detect(START, END, codes=["late_pause"])
    assert result == {"late_pause": {"found": 3, "new": 3}}
    found = findings("late_pause")
    assert [f.subject_id for f in found] == [i.pk for i in items]
    f = found[0]
    assert f.unit_id == org.unit_a.pk and f.subject_type == "clocktest.timeditem"
    assert f.figures["unit_count"] == 3 and f.figures["min_count"] == 3
    pause = f.figures["pauses"][0]
    assert pause["workdays_left"] == 0 and pause["share_left"] < 0.1
    assert f.event_ids == list(Event.objects.filter(kind="clock.paused", subject_id=items[0].pk)
                               .values_list("pk", flat=True))


def test_the_due_time_of_an_old_pause_event_comes_from_its_resume(org):
    items = late_pauses(org, 3)
    Event.objects.filter(kind="clock.paused").update(payload={"reason": "expert"})  # before issue 18
    assert gaming.detect(START, END, codes=["late_pause"])["late_pause"]["found"] == 3
    assert findings("late_pause")[0].figures["pauses"][0]["due_at"].startswith("2025-11-17")
    assert len(items) == 3


def test_serial_extensions_across_restarts_are_found_with_the_days_added(org):
    item = serial_extensions(org)
    once = started(org.unit_b, org.clerk_b, org.head_b, at(2025, 11, 3, 10))
    with time_machine.travel(at(2025, 11, 10, 10), tick=False):
        clocks.clock_extend(once, actor=org.head_b, value=5, reason="一次延期")  # once is no pattern
    assert gaming.detect(START, END, codes=["serial_extension"])["serial_extension"]["found"] == 1
    (f,) = findings("serial_extension")
    assert f.subject_id == item.pk and f.unit_id == org.unit_b.pk
    assert f.figures["count"] == 2 and float(f.figures["days_added"]) > 0
    assert len(f.event_ids) == 2


def test_a_clock_closed_and_started_again_is_found_with_the_time_it_gave_back(org):
    item = close_reopen(org)
    started(org.unit_b, org.clerk_b, org.head_b, at(2025, 11, 3, 10))  # a plain item
    # A stage closed early in its limit and the next one started (受理 → 交办): not this pattern.
    stages = started(org.unit_b, org.clerk_b, org.head_b, at(2025, 11, 3, 10), limit=5)
    with time_machine.travel(at(2025, 11, 4, 10), tick=False):
        clocks.clock_close(stages, actor=org.clerk_b)
        clocks.clock_start(stages, actor=org.clerk_b, limit=Limit(10))
    assert gaming.detect(START, END, codes=["close_reopen"])["close_reopen"]["found"] == 1
    (f,) = findings("close_reopen")
    assert f.subject_id == item.pk
    assert float(f.figures["days_given_back"]) > 0 and float(f.figures["gap_hours"]) == 17.0
    assert float(f.figures["share_left_at_close"]) < 0.1
    kinds = list(Event.objects.filter(pk__in=f.event_ids).order_by("at").values_list("kind", flat=True))
    assert kinds == ["clock.closed", "clock.started"]


def test_a_clock_restarted_again_and_again_while_open_is_found(org):
    item = restarts(org)
    once = started(org.unit_a, org.clerk_a, org.head_a, at(2025, 11, 3, 10), limit=5)
    with time_machine.travel(at(2025, 11, 7, 10), tick=False):
        clocks.clock_start(once, actor=org.clerk_a, limit=Limit(5))  # one restart: below 2
    assert gaming.detect(START, END, codes=["restart"])["restart"]["found"] == 1
    (f,) = findings("restart")
    assert f.subject_id == item.pk and f.figures["count"] == 2
    assert float(f.figures["days_given_back"]) > 0


def test_a_rerun_updates_instead_of_adding_and_decided_findings_stay_decided(org):
    late_pauses(org, 4)
    first = gaming.detect(START, END)
    assert first["late_pause"] == {"found": 4, "new": 4}
    assert Event.objects.filter(kind="gaming.found").count() == 1  # the summary of the new ones
    again = gaming.detect(START, END)
    assert again["late_pause"] == {"found": 4, "new": 0}
    assert GamingFinding.objects.count() == 4
    assert Event.objects.filter(kind="gaming.found").count() == 1
    a, b, c, d = findings("late_pause")
    gaming.finding_confirm(a.pk, actor=org.office)
    gaming.finding_dismiss(b.pk, actor=org.office, reason="专家评审确需")
    # A fifth late pause: the open findings take the new count, the decided ones keep theirs.
    late_pauses(org, 1)
    gaming.detect(START, END)
    a, b, c, d, e = findings("late_pause")
    assert (a.status, b.status, c.status) == ("confirmed", "dismissed", "open")
    assert a.figures["unit_count"] == 4 and b.figures["unit_count"] == 4 and c.figures["unit_count"] == 5
    assert a.last_seen_at >= a.first_seen_at


def test_thresholds_edited_by_the_office_change_the_result(org):
    late_pauses(org, 3)
    gaming.rule_update("late_pause", actor=org.office, is_active=True, thresholds={"min_count": 4})
    assert gaming.detect(START, END, codes=["late_pause"])["late_pause"]["found"] == 0
    gaming.rule_update("late_pause", actor=org.office, is_active=True, thresholds={"min_count": 2})
    assert gaming.detect(START, END, codes=["late_pause"])["late_pause"]["found"] == 3
    gaming.rule_update("late_pause", actor=org.office, is_active=False, thresholds={})
    assert gaming.detect(START, END, codes=["late_pause"]) == {}
    assert GamingRule.objects.get(code="late_pause").updated_by == org.office


def test_thresholds_are_checked_against_the_registered_names_and_types(org):
    with pytest.raises(gaming.ThresholdError):
        gaming.rule_update("late_pause", actor=org.office, is_active=True, thresholds={"nope": 1})
    with pytest.raises(gaming.ThresholdError):
        gaming.rule_update("late_pause", actor=org.office, is_active=True, thresholds={"min_count": "3"})
    with pytest.raises(gaming.ThresholdError):
        gaming.rule_update("late_pause", actor=org.office, is_active=True, thresholds={"share": -0.5})
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        gaming.rule_update("late_pause", actor=org.head_a, is_active=False, thresholds={})
    # A stored value of the wrong type (edited by hand) is ignored: the default holds.
    gaming.rules_ensure()
    GamingRule.objects.filter(code="late_pause").update(thresholds={"min_count": "x"})
    det = next(d for d in gaming_detectors() if d.code == "late_pause")
    assert gaming.threshold_values(det, GamingRule.objects.get(code="late_pause").thresholds)["min_count"] == 3


def test_the_rules_page_lists_the_thresholds_as_local_defaults(client, org):
    client.force_login(org.office)
    page = client.get("/rules/").content.decode()
    assert "gaming.late_pause.min_count" in page and "gaming.nightly_days" in page


def _bulk_items(org, n):
    """n items each with a late pause on its due day, written in bulk (no per-item service)."""
    due = at(2025, 11, 17, 23, 59, 59)
    items = TimedItem.objects.bulk_create([
        TimedItem(unit=org.unit_a, owner=org.clerk_a, clock_start=at(2025, 11, 3, 10), limit_value=10, due_at=due)
        for _ in range(n)])
    Event.objects.bulk_create([
        Event(at=at(2025, 11, 17, 9), kind="clock.paused", subject_type="clocktest.timeditem", subject_id=i.pk,
              unit_id=org.unit_a.pk, payload={"reason": "expert", "due_at": due.isoformat()}, fanned_out=True)
        for i in items])


def _statements(org, n):
    with CaptureQueriesContext(connection) as ctx:
        result = gaming.detect(START, END)
    assert result["late_pause"] == {"found": n, "new": n}
    # Savepoints, and the calendar's staleness probe (a process-cache read once a second at most).
    return [q["sql"] for q in ctx.captured_queries
            if "SAVEPOINT" not in q["sql"] and "efficiency_calendarversion" not in q["sql"]]


def test_the_runner_is_a_constant_number_of_statements_whatever_the_number_of_items(org):
    gaming.detect(START, END)  # this process's copies (calendar, rules) read once, as in a worker
    _bulk_items(org, 10)
    small = _statements(org, 10)
    GamingFinding.objects.all().delete()
    _bulk_items(org, 990)
    large = _statements(org, 1000)
    assert len(small) == len(large)
    # Per pattern its one statement (the upsert), the rules read, the summary event; nothing per item.
    assert sum("INSERT INTO efficiency_gamingfinding" in q for q in large) == len(gaming_detectors())
    assert len(large) <= len(gaming_detectors()) + 3, large


def test_the_nightly_run_is_scheduled_and_runs_with_a_settable_now(org):
    from efficiency.schedule import EXTRA_SCHEDULES
    from efficiency.tasks import gaming_detect_task

    assert EXTRA_SCHEDULES["gaming detection"]["task"] == "efficiency.gaming_detect"
    late_pauses(org, 3)
    out = gaming_detect_task.apply(kwargs={"now": at(2025, 12, 1, 2, 30).isoformat()}).get()
    assert out["late_pause"]["found"] == 3
    # 90 days later the pauses are out of the window: nothing new, the findings stay.
    out = gaming_detect_task.apply(kwargs={"now": (at(2025, 12, 1, 2, 30) + timedelta(days=120)).isoformat()}).get()
    assert out["late_pause"]["found"] == 0 and GamingFinding.objects.count() == 3


def test_the_command_reports_each_pattern_and_refuses_bad_input(org):
    from io import StringIO

    from django.core.management import call_command

    late_pauses(org, 3)
    out = StringIO()
    call_command("gaming_detect", "--from", "2025-11-01", "--to", "2025-12-31", stdout=out)
    assert "late_pause: found=3 new=3" in out.getvalue() and "total seconds=" in out.getvalue()
    for bad in (["--from", "2025-13-01"], ["--pattern", "nope"], ["--from", "2025-12-31", "--to", "2025-11-01"]):
        with pytest.raises(SystemExit) as exit_:
            call_command("gaming_detect", *bad, stdout=StringIO(), stderr=StringIO())
        assert exit_.value.code == 2
