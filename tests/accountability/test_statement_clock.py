"""The person's statement of defence (陈述申辩) in an accountability case has its own period
(R28, rule `case.statement`, 5 working days from being told the facts); past it the right
lapses (视为放弃): a yellow card once, and the office may decide without it."""

from datetime import datetime, timedelta
from importlib import import_module

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from accountability import services
from accountability.models import CaseStatement, Measure
from efficiency.models import Event, Notification, Rung, TimeLimitRule
from efficiency.notifications import notifications_fan_out
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI

from .conftest import exemption

pytestmark = pytest.mark.django_db

TOLD = datetime(2025, 11, 3, 10, 0, tzinfo=SHANGHAI)  # a Monday
DUE = datetime(2025, 11, 10, 23, 59, 59, tzinfo=SHANGHAI)  # Tue–Fri, Mon: 5 working days


def told(org, *, person="clerk"):
    """A case against clerk A (or unit A alone), its facts recorded on Monday."""
    with time_machine.travel(TOLD, tick=False):
        case = services.case_open(actor=org.office, unit=org.unit_a, person=org.clerk_a if person else None,
                                  reason="不动产登记办件超期 6 个工作日",
                                  person_missing_reason="" if person else "集体研究决定，无具体经办人")
        return services.case_record_facts(case=case, actor=org.office, facts="系统记录显示超期属实", evidence="办件日志")


def measure(case, org, **kw):
    return services.case_decide(case=case, actor=org.leader, decision="measure", reason="超期属实",
                                person_measures=[Measure.SELF_CRITICISM], **kw)


def test_the_facts_start_a_5_workday_statement_period_and_the_person_is_told(org):  # R28
    case = told(org)
    clock = CaseStatement.objects.get(case=case)
    assert clock.time_rule.code == "case.statement" and clock.due_at == DUE and clock.is_open
    # A right, not a work item: nobody's on-time figures or 绩 carry it.
    assert clock.unit is None and clock.owner is None
    ask = Event.objects.get(kind="cases.statement_requested", subject_id=case.pk)
    assert ask.recipients == [f"user:{org.clerk_a.pk}"] and "2025-11-10" in ask.message
    services.case_record_facts(case=case, actor=org.office, facts="补充：另有一件超期")
    assert CaseStatement.objects.filter(case=case).count() == 1  # told once


def test_a_statement_in_time_closes_the_period_on_time(org):  # R28
    case = told(org)
    with time_machine.travel(DUE - timedelta(seconds=1), tick=False):
        services.case_record_statement(case=case, actor=org.clerk_a, statement="系统迁移导致，已补报")
    clock = CaseStatement.objects.get(case=case)
    assert (clock.clock_state, clock.closed_at, clock.lapsed) == ("done", DUE - timedelta(seconds=1), False)
    sweep(now=DUE + timedelta(days=30))
    clock.refresh_from_db()
    assert clock.breach_level == Rung.NONE
    assert not Event.objects.filter(kind="cases.statement_lapsed").exists()


def test_a_lapsed_statement_is_carded_once_and_lets_the_office_decide(org):  # R28
    case = told(org)
    clock = CaseStatement.objects.get(case=case)
    with time_machine.travel(DUE - timedelta(hours=1), tick=False):
        with pytest.raises(ValidationError, match="2025-11-10"):  # not yet: the period still runs
            measure(case, org)
    sweep(now=clock.warn_at + timedelta(seconds=1))
    reminder = Event.objects.get(kind="cases.statement_due", subject_id=case.pk)
    assert reminder.recipients == [f"user:{org.clerk_a.pk}"]
    for _ in range(2):
        sweep(now=DUE + timedelta(seconds=1))
    clock.refresh_from_db()
    assert (clock.breach_level, clock.clock_state) == (Rung.YELLOW, "overdue")
    lapsed = Event.objects.get(kind="cases.statement_lapsed", subject_id=case.pk)
    assert lapsed.recipients == [f"user:{org.clerk_a.pk}", "office"]
    card = Event.objects.get(kind="clock.breach", subject_type="accountability.casestatement", level_to=Rung.YELLOW)
    assert (card.unit_id, card.owner_id) == (None, None)  # never in unit A's card counts
    sweep(now=DUE + timedelta(days=60))  # yellow only: no red card, notice or proposal for a right not used
    clock.refresh_from_db()
    assert clock.breach_level == Rung.YELLOW and clock.next_at is None
    cards = Event.objects.filter(kind="clock.breach", subject_type="accountability.casestatement")
    assert sorted(cards.values_list("level_to", flat=True)) == [Rung.HINT, Rung.YELLOW]
    notifications_fan_out()
    assert set(Notification.objects.filter(event=lapsed, channel="inbox").values_list("user", flat=True)) == {
        org.clerk_a.pk, org.office.pk}
    with time_machine.travel(DUE + timedelta(days=1), tick=False):
        case = measure(case, org)
    clock.refresh_from_db()
    assert case.status == "decided" and not case.statement
    assert (clock.clock_state, clock.lapsed) == ("done_late", True)
    assert Event.objects.get(kind="cases.decided", subject_id=case.pk).payload["statement_waived"] is True


def test_a_late_statement_is_still_heard_while_the_case_is_undecided(org):  # R28
    case = told(org)
    with time_machine.travel(DUE + timedelta(days=1), tick=False):
        services.case_record_statement(case=case, actor=org.clerk_a, statement="出差刚回，补充陈述")
        case = measure(case, org)
    clock = CaseStatement.objects.get(case=case)
    assert (clock.clock_state, clock.lapsed) == ("done_late", False)
    assert Event.objects.get(kind="cases.decided", subject_id=case.pk).payload["statement_waived"] is False


def test_a_decision_ends_a_running_period(org):  # R29
    case = told(org)
    with time_machine.travel(TOLD + timedelta(days=1), tick=False):
        services.case_decide(case=case, actor=org.leader, decision="exempt", reason="改革探索中的失误",
                             **exemption())
    clock = CaseStatement.objects.get(case=case)
    assert (clock.clock_state, clock.lapsed) == ("done", False)
    sweep(now=DUE + timedelta(days=1))
    assert not Event.objects.filter(kind__startswith="cases.statement_").exclude(kind="cases.statement_requested").exists()


def test_a_case_against_the_unit_alone_asks_its_head(org):  # R27
    case = told(org, person=None)
    ask = Event.objects.get(kind="cases.statement_requested", subject_id=case.pk)
    assert ask.recipients == ["head"] and ask.unit_id == org.unit_a.pk
    sweep(now=DUE + timedelta(seconds=1))
    notifications_fan_out()
    lapsed = Event.objects.get(kind="cases.statement_lapsed", subject_id=case.pk)
    assert set(Notification.objects.filter(event__in=[ask, lapsed], channel="inbox").values_list("user", flat=True)) == {
        org.head_a.pk, org.office.pk}


def test_a_statement_given_before_the_facts_needs_no_period(org):  # R28
    case = services.case_open(actor=org.office, unit=org.unit_a, person=org.clerk_a, reason="窗口推诿")
    services.case_record_statement(case=case, actor=org.clerk_a, statement="当日系统故障")
    services.case_record_facts(case=case, actor=org.office, facts="推诿属实")
    assert not CaseStatement.objects.filter(case=case).exists()
    assert not Event.objects.filter(kind="cases.statement_requested").exists()


def test_only_the_person_or_the_office_ends_the_period(org):
    case = told(org)
    with pytest.raises(PermissionDenied):
        services.case_record_statement(case=case, actor=org.clerk_b, statement="替人陈述")
    with pytest.raises(ValidationError):
        services.case_record_statement(case=case, actor=org.clerk_a, statement="  ")
    assert CaseStatement.objects.get(case=case).is_open
    services.case_record_statement(case=case, actor=org.clerk_a, statement="本人陈述")
    assert not CaseStatement.objects.get(case=case).is_open


def test_the_statement_rule_is_seeded_and_survives_a_flush_that_restores_only_the_cores_rules(org):  # R28
    seeded = TimeLimitRule.objects.get(code="case.statement")  # migration 0004
    assert (seeded.limit_value, seeded.limit_unit, seeded.red_after_workdays) == (5, "wd", None)
    TimeLimitRule.objects.all().delete()
    import_module("efficiency.migrations.0002_seed_calendar_rules_audit_trigger").seed(apps, None)
    assert not TimeLimitRule.objects.filter(code="case.statement").exists()
    case = told(org)
    assert CaseStatement.objects.get(case=case).due_at == DUE


def test_pages_and_api_show_the_statement_period(client, org):  # R28
    case = told(org)
    sweep(now=DUE + timedelta(seconds=1))
    client.force_login(org.clerk_a)  # the person
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'id="statement-due"' in page and "2025-11-10" in page and "视为放弃" in page
    body = client.get(f"/api/v1/accountability/cases/{case.pk}/").json()
    assert body["statement_period"]["due_at"].startswith("2025-11-10") and body["statement_period"]["lapsed"] is True
    client.force_login(org.office)
    assert client.get(f"/dashboards/item/accountability.casestatement/{case.statement_clock.pk}/").status_code == 200
    client.force_login(org.clerk_b)
    assert client.get(case.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/accountability/cases/{case.pk}/").status_code == 404
    assert client.post(f"/api/v1/accountability/cases/{case.pk}/statement/", {"statement": "x"}).status_code == 404
    assert client.get(f"/dashboards/item/accountability.casestatement/{case.statement_clock.pk}/").status_code == 404
