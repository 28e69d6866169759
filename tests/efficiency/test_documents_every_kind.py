"""Every kind of official document, issued on its item the way the platform issues it, rendered to
PDF and read back with pypdf: the number, the date in China time, the parties and the kind."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accountability import services as acc
from accountability.models import Category, Measure
from approvals import services as appr
from approvals.models import RefusalGround
from efficiency import documents
from efficiency.models import Document, Event
from efficiency.workdays import SHANGHAI
from inspection import services as insp
from inspection.models import Method
from supervision import services as sup
from supervision.models import AssignmentKind
from tests.approvals.helpers import make_item, receive
from tests.pdf import pdf_text

# 2026-03-10 23:30 in Beijing is 15:30 UTC: the date printed must be Beijing's (the 10th).
LATE_EVENING = datetime(2026, 3, 10, 23, 30, tzinfo=SHANGHAI)
DATE = "2026年3月10日"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(LATE_EVENING, tick=False):
        yield


def check(doc: Document, *parties: str) -> str:
    text = pdf_text(documents.document_pdf(doc))
    for expected in (doc.number, doc.title, DATE, "印章位置", doc.fields["office"], *parties):
        assert expected.replace(" ", "") in text, (doc.kind, expected)
    assert f"〔2026〕{doc.seq}号" in doc.number
    return text


def test_the_assignment_order_is_issued_when_the_office_hands_an_assignment_out(org):
    item = sup.assignment_create(actor=org.office, kind=AssignmentKind.INSTRUCTION, title="关于加快推进项目审批的批示",
                                 source_text="请市自然资源和规划局牵头，加快推进。", issuing_leader="刘市长",
                                 lead_unit=org.unit_a, co_units=[org.unit_b])
    (doc,) = Document.objects.filter(kind="assignment_order", subject_id=item.pk)
    assert doc.office == org.office_unit
    check(doc, org.unit_a.name, org.unit_b.name, "刘市长", item.number, "交办单")


def test_the_supervision_order_to_a_unit_of_a_leaders_instruction_needs_the_leaders_sign_off(org):  # R45
    item = sup.assignment_create(actor=org.office, kind=AssignmentKind.INSTRUCTION, title="批示件",
                                 source_text="请办理。", issuing_leader="刘市长", lead_unit=org.unit_a)
    target = item.targets.get()
    with pytest.raises(ValidationError, match="领导签批"):
        documents.issue_document(kind="supervision_order", item=target, actor=org.office, check_role=True)
    doc = documents.issue_document(kind="supervision_order", item=target, actor=org.office, signed_by=org.leader,
                                   check_role=True)
    assert doc.signed_by == org.leader
    check(doc, org.unit_a.name, "刘市长", "督办单")
    other = sup.assignment_create(actor=org.office, kind=AssignmentKind.POLICY_INTERPRETATION, title="政策解读",
                                  source_text="请解读。", lead_unit=org.unit_b).targets.get()
    assert documents.issue_document(kind="supervision_order", item=other, actor=org.office, check_role=True).signed_by is None


@pytest.fixture
def finding(org):
    plan = insp.plan_create(actor=org.office, topic="优化营商环境专项督查", scope="窗口服务", method=Method.OPEN,
                            issuing_unit=org.office_unit, region=org.region, start_date=date(2026, 3, 1),
                            end_date=date(2026, 3, 28), units=[org.unit_a, org.unit_b], sample_size=2)
    insp.plan_submit(actor=org.office, plan=plan)
    plan = insp.plan_approve(actor=org.leader, plan=plan)
    visit = insp.visit_record(actor=org.office, plan=plan, unit=org.unit_a, kind=Method.OPEN, visited_on=date(2026, 3, 9),
                              place="政务服务中心二楼", people_met="窗口负责人", summary="窗口空岗")
    return insp.finding_record(actor=org.office, visit=visit, title="工作时间窗口空岗", rectify_target="窗口全时段有人",
                               rectify_days=30, feedback_date=date(2026, 3, 10), responsible=org.clerk_a)


def test_the_rectification_notice_and_the_supervision_recommendation(org, finding):  # R64
    rect = finding.rectification
    doc = documents.issue_document(kind="rectification_notice", item=rect, actor=org.office, check_role=True)
    check(doc, org.unit_a.name, "工作时间窗口空岗", "窗口全时段有人", "张经办", "整改通知书")
    rec = documents.issue_document(kind="supervision_recommendation", item=finding, actor=org.office, check_role=True)
    check(rec, org.unit_a.name, "工作时间窗口空岗", "监察建议书")
    with pytest.raises(Exception) as denied:
        documents.issue_document(kind="rectification_notice", item=rect, actor=org.clerk_a, check_role=True)
    assert denied.typename == "PermissionDenied"


def _case_heard(org):
    case = acc.case_open(actor=org.office, unit=org.unit_a, person=org.clerk_a, reason="办理不动产登记超期 15 个工作日")
    case = acc.case_record_facts(case=case, actor=org.office, facts="经调取系统记录，超期属实", evidence="系统日志")
    acc.case_record_statement(case=case, actor=org.clerk_a, statement="系统故障导致延误")
    return acc.case_submit(case=case, actor=org.office, proposal="建议责令作出书面检查")


def test_r69_the_accountability_decision_is_issued_by_the_deciding_body_when_the_case_is_decided(org, client):
    """R28, R69: deciding the case issues the 问责决定书 at once — in the name of the body that
    decided (the 任免机关's government here), numbered in its own series, naming the parties, the
    measure and the 问责主体, dated in China time — and the case page lists it."""
    case = _case_heard(org)
    assert not Document.objects.filter(kind="accountability_decision").exists()
    case = acc.case_decide(case=case, actor=org.leader, decision="measure", reason="超期属实",
                           person_measures=[Measure.SELF_CRITICISM])
    (doc,) = Document.objects.filter(kind="accountability_decision", subject_type="accountability.accountabilitycase",
                                     subject_id=case.pk)
    assert doc.office == org.leader.unit and doc.issued_by == org.leader
    assert doc.number == f"{org.leader.unit.short_name or org.leader.unit.name}问责〔2026〕1号"
    text = check(doc, org.leader.unit.name, org.unit_a.name, "张经办", case.number, "超期属实", "问责决定书",
                 "责令作出书面检查", "任免机关", "申诉")
    assert "问责主体" in text
    # The person is told which document it is.
    assert Event.objects.filter(kind="cases.decided", subject_type="accountability.accountabilitycase",
                                subject_id=case.pk, payload__document_number=doc.number).exists()
    client.force_login(org.office)
    page = client.get(reverse("accountability:case_detail", args=[case.pk])).content.decode()
    assert doc.number in page and reverse("document_pdf", args=[doc.pk]) in page


def test_the_office_deciding_what_it_is_set_to_decide_issues_it_in_the_offices_series(org):  # R69
    from accountability.models import DecidingBody, MeasureAuthority

    MeasureAuthority.objects.update_or_create(kind=Measure.SELF_CRITICISM, defaults={"body": DecidingBody.OFFICE})
    case = acc.case_decide(case=_case_heard(org), actor=org.office, decision="measure", reason="超期属实",
                           person_measures=[Measure.SELF_CRITICISM])
    (doc,) = Document.objects.filter(kind="accountability_decision", subject_id=case.pk)
    assert doc.office == org.office_unit
    check(doc, org.office_unit.name, "效能办", "责令作出书面检查")


def test_a_refused_decision_issues_no_document_and_nobody_issues_one_by_hand(org):  # R69
    case = _case_heard(org)
    with pytest.raises(Exception) as refused:  # a personnel-free measure is the 任免机关's, not the office's
        acc.case_decide(case=case, actor=org.office, decision="measure", reason="超期属实",
                        person_measures=[Measure.SELF_CRITICISM])
    assert refused.typename == "PermissionDenied"
    with pytest.raises(ValidationError, match="请选择"):
        acc.case_decide(case=case, actor=org.leader, decision="measure", reason="超期属实", person_measures=[])
    assert not Document.objects.filter(kind="accountability_decision").exists()
    with pytest.raises(ValidationError, match="尚未作出处理决定"):
        documents.issue_document(kind="accountability_decision", item=case, actor=org.office)
    acc.case_decide(case=case, actor=org.leader, decision="measure", reason="超期属实",
                    person_measures=[Measure.SELF_CRITICISM])
    with pytest.raises(Exception) as by_hand:
        documents.issue_document(kind="accountability_decision", item=case, actor=org.office, check_role=True)
    assert by_hand.typename == "PermissionDenied"
    assert Document.objects.filter(kind="accountability_decision").count() == 1


def test_the_complaint_acceptance_notice_is_issued_on_acceptance(org):  # R26
    filed = acc.complaint_file(category=Category.SLOW, subject_unit=org.unit_a, description="窗口办理营业执照拖了一个月",
                               place="市政务服务中心 3 号窗口", is_anonymous=False, name="王群众",
                               phone="13900000000")
    complaint = acc.complaint_accept(complaint=filed.complaint, actor=org.office)
    (doc,) = Document.objects.filter(kind="acceptance_notice", subject_type="accountability.complaint")
    assert doc.office == org.office_unit
    check(doc, "王群众", org.unit_a.name, complaint.tracking_number, "受理通知书")


def test_the_applications_three_documents(org):  # R20 R21
    item = make_item(org)
    app, _code = receive(org, item, missing=1)
    appr.application_issue_notice(actor=org.clerk_a, application=app)
    appr.application_refuse_acceptance(actor=org.clerk_a, application=app, ground=RefusalGround.NOT_REQUIRED,
                                       reason="该事项依法不需要取得行政许可。")
    accepted, _code = receive(org, item)
    kinds = {d.kind: d for d in Document.objects.filter(subject_type="approvals.application")}
    assert set(kinds) == {"one_time_notice", "refusal_decision", "acceptance_notice"}
    check(kinds["one_time_notice"], "鄂州市某某置业有限公司", org.unit_a.name, "一次性告知书")
    check(kinds["refusal_decision"], "鄂州市某某置业有限公司", "行政复议", "行政诉讼", "不予受理决定书")
    check(kinds["acceptance_notice"], "鄂州市某某置业有限公司", accepted.receipt_number, "受理通知书")


def test_the_assignment_page_lists_its_documents_and_the_office_issues_a_supervision_order(client, org):
    item = sup.assignment_create(actor=org.office, kind=AssignmentKind.POLICY_INTERPRETATION, title="政策解读",
                                 source_text="请解读。", lead_unit=org.unit_a)
    target = item.targets.get()
    client.force_login(org.office)
    page = client.get(reverse("supervision:assignment", args=[item.pk])).content.decode()
    assert "交办单" in page and f"supervision.assignmenttarget:{target.pk}|supervision_order" in page
    resp = client.post(reverse("document_issue"), {
        "choice": f"supervision.assignmenttarget:{target.pk}|supervision_order", "note": "请即办",
        "next": reverse("supervision:assignment", args=[item.pk])})
    assert resp.status_code == 302
    doc = Document.objects.get(kind="supervision_order")
    client.force_login(org.clerk_a)
    page = client.get(reverse("supervision:assignment", args=[item.pk])).content.decode()
    assert doc.number in page and reverse("document_pdf", args=[doc.pk]) in page
    assert "document-issue" not in page  # a clerk issues nothing
    assert client.get(reverse("document_pdf", args=[doc.pk])).status_code == 200
    client.force_login(org.clerk_b)
    assert client.get(reverse("document_pdf", args=[doc.pk])).status_code == 404
