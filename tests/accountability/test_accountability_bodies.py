"""Who decides an accountability case, and who answers in it.

R69: each decision names the body that holds to account (问责主体); the office investigates and
proposes, each measure is decided by the body the administrator set for it (本地默认, 种子未规定:
normally the 任免机关), the office never decides 调离岗位 / 停职检查, an appeal is heard by another
body. R29: 容错 records the facts of each of the 三个区分开来 and the local conditions. R46: the
person at fault and the directly responsible leader, or why not; 移送司法机关."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accountability import services
from accountability.models import (
    AccountabilityCase, DecidingBody, ExemptionCondition, ExemptionGround, Measure, MeasureAuthority,
)
from efficiency import clocks
from efficiency.events import event_emit
from efficiency.models import Event, Role
from efficiency.sweep import sweep
from tests.clocktest.models import TimedItem
from tests.factories import make_unit, make_user

from .conftest import exemption

pytestmark = pytest.mark.django_db


def heard(org) -> AccountabilityCase:
    """A case against clerk A, its facts found and the clerk heard: ready for a decision."""
    case = services.case_open(actor=org.office, unit=org.unit_a, person=org.clerk_a, reason="不动产登记办件超期")
    case = services.case_record_facts(case=case, actor=org.office, facts="3 件办件超期，无延期手续", evidence="系统日志")
    return services.case_record_statement(case=case, actor=org.clerk_a, statement="系统迁移导致延误")


@pytest.mark.parametrize("measure", [Measure.TRANSFER, Measure.SUSPENSION])
def test_r69_the_office_may_not_decide_a_transfer_or_a_suspension(org, measure):
    case = heard(org)
    with pytest.raises(PermissionDenied, match="任免机关") as refused:
        services.case_decide(case=case, actor=org.office, decision="measure", reason="超期属实",
                             person_measures=[measure])
    assert str(measure.label) in str(refused.value)
    case.refresh_from_db()
    assert case.status == AccountabilityCase.Status.INVESTIGATING and not case.decision
    case = services.case_decide(case=case, actor=org.leader, decision="measure", reason="超期属实",
                                person_measures=[measure])
    assert (case.decided_by, case.decided_body, case.decided_unit) == (
        org.leader, DecidingBody.APPOINTING, org.leader.unit)
    assert case.accountability_body == f"{org.leader.unit.name}（任免机关）"
    event = Event.objects.get(kind="cases.decided", subject_id=case.pk)
    assert event.payload["body"] == "appointing" and "任免机关" in event.message


def test_r69_the_office_decides_what_the_administrator_set_for_it_and_no_more(org):
    MeasureAuthority.objects.update_or_create(kind=Measure.CRITICISM_EDUCATION,
                                              defaults={"body": DecidingBody.OFFICE})
    case = heard(org)
    with pytest.raises(PermissionDenied, match="调离岗位"):  # one personnel measure makes it the 任免机关's
        services.case_decide(case=case, actor=org.office, decision="measure", reason="超期",
                             person_measures=[Measure.CRITICISM_EDUCATION, Measure.TRANSFER])
    with pytest.raises(PermissionDenied, match="效能办"):  # a leader is not the body set for this one
        services.case_decide(case=case, actor=org.leader, decision="measure", reason="超期",
                             person_measures=[Measure.CRITICISM_EDUCATION])
    case = services.case_decide(case=case, actor=org.office, decision="measure", reason="超期",
                                person_measures=[Measure.CRITICISM_EDUCATION])
    assert case.decided_body == DecidingBody.OFFICE and case.accountability_body == f"{org.office_unit.name}（效能办）"


def test_r69_the_office_can_never_be_set_to_decide_a_personnel_measure(org):
    MeasureAuthority.objects.filter(kind=Measure.SUSPENSION).delete()
    row = MeasureAuthority(kind=Measure.SUSPENSION, body=DecidingBody.OFFICE)
    with pytest.raises(ValidationError, match="任免机关"):
        row.full_clean()
    row.save()  # even a row put in behind the admin's back does not hand it to the office
    assert services.deciding_body("measure", [Measure.SUSPENSION]) == DecidingBody.APPOINTING


def test_r69_the_office_submits_its_proposal_and_the_appointing_body_decides(org):
    case = services.case_open(actor=org.office, unit=org.unit_a, person=org.clerk_a, reason="超期")
    with pytest.raises(ValidationError, match="调查事实"):
        services.case_submit(case=case, actor=org.office, proposal="建议调离岗位")
    case = services.case_record_facts(case=case, actor=org.office, facts="超期属实")
    services.case_record_statement(case=case, actor=org.clerk_a, statement="无异议")
    with pytest.raises(PermissionDenied):
        services.case_submit(case=case, actor=org.leader, proposal="建议调离岗位")
    with pytest.raises(ValidationError, match="处理建议"):
        services.case_submit(case=case, actor=org.office, proposal=" ")
    case = services.case_submit(case=case, actor=org.office, proposal="建议调离岗位")
    assert (case.status, case.proposed_by, case.clock_state) == ("submitted", org.office, "done")
    assert Event.objects.get(kind="cases.submitted", subject_id=case.pk).recipients == ["leader"]
    case = services.case_decide(case=case, actor=org.leader, decision="measure", reason="同意效能办建议",
                                person_measures=[Measure.TRANSFER])
    assert case.status == "decided" and case.person_measures == ["transfer"]


def test_r69_an_appeal_is_heard_by_a_body_other_than_the_one_that_decided(org):
    case = services.case_decide(case=heard(org), actor=org.leader, decision="measure", reason="超期属实",
                                person_measures=[Measure.ADMONITION])
    case = services.case_appeal(case=case, actor=org.clerk_a, reason="事实认定有误")
    colleague = make_user(Role.LEADER, unit=org.leader.unit, username="leader2", full_name="孙副市长")
    for same_body in (org.leader, colleague):
        with pytest.raises(PermissionDenied, match="以外的机关复核"):
            services.case_appeal_decide(case=case, actor=same_body, result="维持")
    case.refresh_from_db()
    assert case.status == "appealed" and not case.appeal_result
    case = services.case_appeal_decide(case=case, actor=org.office, result="维持原决定")
    assert (case.status, case.appeal_decided_by, case.appeal_unit) == ("closed", org.office, org.office_unit)


def test_r69_an_appeal_against_the_offices_own_decision_goes_to_another_body(org):
    MeasureAuthority.objects.update_or_create(kind=Measure.CRITICISM_EDUCATION, defaults={"body": DecidingBody.OFFICE})
    case = services.case_decide(case=heard(org), actor=org.office, decision="measure", reason="超期",
                                person_measures=[Measure.CRITICISM_EDUCATION])
    case = services.case_appeal(case=case, actor=org.clerk_a, reason="不服")
    with pytest.raises(PermissionDenied):
        services.case_appeal_decide(case=case, actor=org.office, result="维持")
    assert services.case_appeal_decide(case=case, actor=org.leader, result="撤销原决定").status == "closed"


def test_r29_an_exemption_records_the_facts_of_each_distinction_and_each_local_condition(org):
    ExemptionCondition.objects.all().delete()
    cond = ExemptionCondition.objects.create(label="未谋取私利")
    case = heard(org)
    with pytest.raises(PermissionDenied, match="任免机关"):  # 容错 is decided by the deciding body
        services.case_decide(case=case, actor=org.office, decision="exempt", reason="探索", **exemption())
    missing_one = exemption()
    missing_one["ground_facts"][ExemptionGround.UNINTENTIONAL] = ""
    with pytest.raises(ValidationError, match="逐项"):
        services.case_decide(case=case, actor=org.leader, decision="exempt", reason="探索", **missing_one)
    with pytest.raises(ValidationError, match="未谋取私利"):
        services.case_decide(case=case, actor=org.leader, decision="exempt", reason="探索",
                             **{**exemption(), "conditions": {cond.pk: (False, "收受了礼品")}})
    case = services.case_decide(case=case, actor=org.leader, decision="exempt", reason="改革探索中的失误",
                                **exemption([ExemptionGround.PIONEERING]))
    assert set(case.exemption_facts) == set(ExemptionGround.values) and all(case.exemption_facts.values())
    assert case.exemption_conditions == [{"id": cond.pk, "label": "未谋取私利", "met": True,
                                          "facts": "经集体研究决定，未谋取私利"}]
    assert case.decision_reason and case.accountability_body


def test_r46_a_case_by_hand_names_the_person_or_says_why_and_the_leader_is_the_units_head(org):
    with pytest.raises(ValidationError, match="不能指明的原因"):
        services.case_open(actor=org.office, unit=org.unit_a, reason="窗口集体推诿")
    case = services.case_open(actor=org.office, unit=org.unit_a, reason="窗口集体推诿",
                              person_missing_reason="窗口轮岗，当事人无法确定")
    assert (case.person, case.person_missing_reason, case.leader) == (None, "窗口轮岗，当事人无法确定", org.head_a)
    with pytest.raises(ValidationError, match="责任单位"):
        services.case_open(actor=org.office, unit=org.unit_a, person=org.clerk_b, reason="x")


def test_r46_an_automatic_proposal_names_the_assignee_and_the_units_head(org):
    item = TimedItem.objects.create(unit=org.unit_b, owner=org.clerk_b, title="布置落实")
    clocks.clock_start(item, actor=org.office, rule="instruction.deploy")
    sweep(now=item.escalate_at + timedelta(seconds=1))
    case = AccountabilityCase.objects.get()
    assert (case.person, case.leader, case.person_missing_reason, case.leader_missing_reason) == (
        org.clerk_b, org.head_b, "", "")


def test_r46_an_automatic_proposal_without_a_handler_or_a_head_says_why(org):
    headless = make_unit("鄂州市某中心", region=org.region, code="NOHEAD")
    item = TimedItem.objects.create(unit=headless, title="无人签收的交办件")
    event_emit("accountability.propose", subject=item, unit=headless,
               payload={"person_id": None, "unit_id": headless.pk, "source": "red_card", "reason": "超期未办"})
    case = AccountabilityCase.objects.get()
    assert case.person is None and "未指定经办人" in case.person_missing_reason
    assert case.leader is None and "未登记单位负责人" in case.leader_missing_reason


def test_r46_the_investigation_names_the_people_or_records_why_not(org):
    case = services.case_open(actor=org.office, unit=org.unit_a, reason="推诿", person_missing_reason="待查")
    with pytest.raises(ValidationError, match="同一人"):
        services.case_name_persons(case=case, actor=org.office, person=org.head_a, leader=org.head_a)
    with pytest.raises(ValidationError, match="直接领导责任人"):
        services.case_name_persons(case=case, actor=org.office, person=org.clerk_a, leader=None)
    with pytest.raises(PermissionDenied):
        services.case_name_persons(case=case, actor=org.head_a, person=org.clerk_a, leader=org.head_a)
    case = services.case_name_persons(case=case, actor=org.office, person=org.clerk_a, leader=org.head_a)
    assert (case.person, case.person_missing_reason, case.leader) == (org.clerk_a, "", org.head_a)
    assert Event.objects.filter(kind="cases.persons_named", subject_id=case.pk).exists()


def test_r46_a_suspected_crime_is_transferred_to_the_judicial_organs(org):
    case = heard(org)
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.case_transfer_judicial(case=case, actor=org.head_a, organ="鄂州市公安局", transferred_on=today)
    with pytest.raises(ValidationError) as bad:
        services.case_transfer_judicial(case=case, actor=org.office, organ="", transferred_on=today + timedelta(days=1))
    assert set(bad.value.message_dict) == {"organ", "transferred_on"}
    case = services.case_transfer_judicial(case=case, actor=org.office, organ="鄂州市公安局", transferred_on=today)
    assert (case.judicial_organ, case.judicial_transferred_on, case.judicial_transferred_by) == (
        "鄂州市公安局", today, org.office)
    with pytest.raises(ValidationError, match="已于"):
        services.case_transfer_judicial(case=case, actor=org.office, organ="另一机关", transferred_on=today)
    assert Event.objects.filter(kind="cases.judicial_transfer", subject_id=case.pk).count() == 1


def test_r46_r69_the_case_page_shows_the_people_the_body_and_the_transfer(client, org):
    case = services.case_open(actor=org.office, unit=org.unit_a, reason="推诿", person_missing_reason="窗口轮岗无法确定")
    client.force_login(org.office)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "窗口轮岗无法确定" in page and org.head_a.full_name in page and 'id="submit-form"' in page
    assert "窗口轮岗无法确定" in client.get("/accountability/cases/").content.decode()
    resp = client.post(f"/accountability/cases/{case.pk}/judicial/", {"organ": "鄂州市公安局",
                                                                      "transferred_on": date.today().isoformat()})
    assert resp.status_code == 302
    client.post(f"/accountability/cases/{case.pk}/facts/", {"facts": "推诿属实"})
    client.post(f"/accountability/cases/{case.pk}/submit/", {"proposal": "建议停职检查"})
    client.force_login(org.leader)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'id="decide-form"' in page and "建议停职检查" in page and "鄂州市公安局" in page
    ExemptionCondition.objects.all().delete()
    ExemptionCondition.objects.create(label="未谋取私利")
    cond = ExemptionCondition.objects.get()
    form = {"decision": "exempt", "reason": "先行先试", "grounds": ["pioneering"], f"cond_{cond.pk}_met": "on",
            f"cond_{cond.pk}_facts": "无私利", **{f"facts_{g}": "事实" for g in ExemptionGround.values}}
    assert client.post(f"/accountability/cases/{case.pk}/decide/", form).status_code == 302
    case.refresh_from_db()
    assert case.decision == "exempt" and case.decided_by == org.leader
    page = client.get(case.get_absolute_url()).content.decode()
    assert "问责主体" in page and f"{org.leader.unit.name}（任免机关）" in page and "本地默认" in page


def test_r69_a_case_put_before_the_leader_is_on_the_leaders_home_to_do(client, org):
    import re

    case = services.case_open(actor=org.office, unit=org.unit_a, person=org.clerk_a, reason="超期")
    case = services.case_record_facts(case=case, actor=org.office, facts="超期属实")
    services.case_submit(case=case, actor=org.office, proposal="建议调离岗位")
    client.force_login(org.leader)
    html = client.get("/").content.decode()
    counts = dict(re.findall(r'data-todo="([\w.]+)"[^>]*>.*?<span class="todo-count[^"]*">(\d+)</span>', html))
    assert counts.get("accountability.cases.submitted") == "1"
    listed = client.get("/accountability/cases/?status=submitted").content.decode()
    assert case.number in listed
