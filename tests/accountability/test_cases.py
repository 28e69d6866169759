"""Accountability cases (问责): proposals from other apps and red cards, investigation on the
clock, statement, decision (R27 部门首长问责, R28 过错责任追究, R29 容错纠错), one appeal."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accountability import services
from accountability.models import AccountabilityCase, ExemptionGround, Measure
from efficiency import clocks
from efficiency.events import event_emit
from efficiency.models import Event, Rung
from efficiency.sweep import sweep
from tests.clocktest.models import TimedItem

from .conftest import exemption

pytestmark = pytest.mark.django_db


def investigating(org, **kw):
    case = services.case_open(actor=org.office, unit=org.unit_a, person=org.clerk_a,
                              reason=kw.pop("reason", "办理不动产登记超期 15 个工作日"))
    return services.case_record_facts(case=case, actor=org.office, facts="经调取系统记录，超期属实", evidence="系统日志截图")


def test_another_apps_proposal_opens_one_case_per_item_and_source(org):  # R28
    item = TimedItem.objects.create(unit=org.unit_a, owner=org.clerk_a, title="整改事项")
    payload = {"person_id": org.clerk_a.pk, "unit_id": org.unit_a.pk, "reason": "整改逾期未完成", "source": "finding"}
    for _ in range(2):
        event_emit("accountability.propose", subject=item, actor=org.office, unit=org.unit_a, payload=payload)
    case = AccountabilityCase.objects.get()
    assert (case.source, case.person, case.unit, case.status) == ("finding", org.clerk_a, org.unit_a, "proposed")
    assert Event.objects.filter(kind="cases.opened", subject_id=case.pk).count() == 1


def test_any_item_reaching_the_accountability_rung_opens_a_proposal(org):  # R28
    item = TimedItem.objects.create(unit=org.unit_b, owner=org.clerk_b, title="布置落实")
    clocks.clock_start(item, actor=org.office, rule="instruction.deploy")
    sweep(now=item.notice_at + timedelta(seconds=1))
    assert not AccountabilityCase.objects.exists()
    sweep(now=item.escalate_at + timedelta(seconds=1))
    item.refresh_from_db()
    assert item.breach_level == Rung.ACCOUNTABILITY
    case = AccountabilityCase.objects.get()
    assert (case.source, case.unit, case.person, case.subject_type) == ("red_card", org.unit_b, org.clerk_b, "clocktest.timeditem")


def test_investigation_runs_on_its_own_clock(org):
    case = investigating(org)
    assert case.status == "investigating" and case.time_rule.code == "case.investigation" and case.due_at


def test_an_exemption_must_name_which_of_the_three_distinctions_applies(org):  # R29
    case = investigating(org)
    with pytest.raises(ValidationError, match="三个区分开来"):
        services.case_decide(case=case, actor=org.leader, decision="exempt", reason="先行先试",
                             **{**exemption(), "grounds": []})
    case = services.case_decide(case=case, actor=org.leader, decision="exempt", reason="改革探索中的失误",
                                **exemption([ExemptionGround.PIONEERING]))
    assert case.decision == "exempt" and case.exemption_grounds == ["pioneering"] and case.closed_at
    assert Event.objects.get(kind="cases.decided", subject_id=case.pk).payload["grounds"] == ["pioneering"]


def test_a_measure_needs_the_persons_statement_first(org):  # R28
    case = investigating(org)
    with pytest.raises(ValidationError, match="陈述申辩"):
        services.case_decide(case=case, actor=org.leader, decision="measure", reason="超期",
                             person_measures=[Measure.SELF_CRITICISM])
    services.case_record_statement(case=case, actor=org.clerk_a, statement="系统故障导致延误，非主观故意")
    case = services.case_decide(case=case, actor=org.leader, decision="measure", reason="超期属实",
                                person_measures=[Measure.SELF_CRITICISM, Measure.ADMONITION])
    assert case.person_measures == ["self_criticism", "admonition"] and case.status == "decided"


def test_the_unit_head_answers_for_the_unit(org):  # R27
    case = investigating(org)
    services.case_record_statement(case=case, actor=org.office, statement="单位负责人到场陈述")
    case = services.case_decide(case=case, actor=org.leader, decision="measure", reason="单位整体推诿",
                                head_measures=[Measure.PUBLIC_CRITICISM])
    assert case.head == org.head_a and case.head_measures == ["public_criticism"]
    event = Event.objects.get(kind="cases.decided", subject_id=case.pk)
    assert f"user:{org.head_a.pk}" in event.recipients


def test_no_responsibility_is_a_decision_too(org):  # R28
    case = services.case_decide(case=investigating(org), actor=org.leader, decision="none", reason="系不可抗力")
    assert case.decision == "none"


def test_the_person_appeals_once(org):
    case = investigating(org)
    services.case_record_statement(case=case, actor=org.clerk_a, statement="有异议")
    case = services.case_decide(case=case, actor=org.leader, decision="measure", reason="超期",
                                person_measures=[Measure.SELF_CRITICISM])
    with pytest.raises(PermissionDenied):
        services.case_appeal(case=case, actor=org.clerk_b, reason="替人申诉")
    case = services.case_appeal(case=case, actor=org.clerk_a, reason="事实认定有误")
    case = services.case_appeal_decide(case=case, actor=org.office, result="维持原决定")  # not the deciding body
    assert case.status == "closed"
    with pytest.raises(ValidationError, match="一次"):
        services.case_appeal(case=case, actor=org.clerk_a, reason="再申诉")


def test_a_unit_head_does_not_decide(org):  # R69
    case = investigating(org)
    with pytest.raises(PermissionDenied):
        services.case_decide(case=case, actor=org.head_a, decision="none", reason="自查无责")
