"""第三方评估: the assessing organisation and its report (a PDF, checked by content and size),
only on plans whose method is third-party assessment."""

import io
import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from efficiency.models import AuditLog, Event
from inspection import services
from inspection.models import InspectionPlan, Method

from ..files import pdf_bytes

pytestmark = pytest.mark.django_db
PDF = pdf_bytes()


def _pdf(name="评估报告.pdf", body=PDF):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def _png_named_pdf():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "PNG")
    return SimpleUploadedFile("report.pdf", buf.getvalue(), content_type="application/pdf")


@pytest.fixture
def assessed_plan(org, plan_factory):
    return services.plan_approve(actor=org.leader, plan=plan_factory(method=Method.THIRD_PARTY))


# --- service ----------------------------------------------------------------------------------


def test_the_office_records_the_assessor_and_the_pdf_report(org, assessed_plan):
    services.plan_assessment_record(actor=org.office, plan=assessed_plan, assessor="湖北省社会科学院评估中心",
                                    report=_pdf("../../etc/评估.exe.pdf"))
    assessed_plan.refresh_from_db()
    assert assessed_plan.assessor == "湖北省社会科学院评估中心" and assessed_plan.assessment_recorded_at
    name = assessed_plan.assessment_report.name
    # stored under a random name of ours, not the uploaded one
    assert re.fullmatch(r"inspection/assessments/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", name), name
    assert assessed_plan.assessment_report.read() == PDF
    audit = AuditLog.objects.get(object_id=str(assessed_plan.pk), summary__startswith="登记第三方评估")
    assert audit.before == {"assessor": "", "report": None}
    assert audit.after == {"assessor": "湖北省社会科学院评估中心", "report": name}
    assert Event.objects.filter(kind="inspection.assessment", subject_id=assessed_plan.pk).exists()


def test_the_assessor_can_be_corrected_keeping_the_report(org, assessed_plan):
    services.plan_assessment_record(actor=org.office, plan=assessed_plan, assessor="某评估中心", report=_pdf())
    first = InspectionPlan.objects.get(pk=assessed_plan.pk).assessment_report.name
    services.plan_assessment_record(actor=org.office, plan=assessed_plan, assessor="某大学评估中心")
    assessed_plan.refresh_from_db()
    assert assessed_plan.assessor == "某大学评估中心" and assessed_plan.assessment_report.name == first
    audit = AuditLog.objects.filter(summary__startswith="登记第三方评估").order_by("-id").first()
    assert audit.before["assessor"] == "某评估中心" and audit.after["report"] == first


@pytest.mark.parametrize("upload, message", [
    (lambda: _png_named_pdf(), "按文件内容识别"),
    (lambda: _pdf(body=b"just text pretending to be a PDF"), "只能上传 PDF"),
    (lambda: _pdf(body=b"MZ\x90\x00" + b"\x00" * 100), "只能上传 PDF"),
])
def test_a_report_that_is_not_a_pdf_by_content_is_refused(org, assessed_plan, upload, message):
    with pytest.raises(ValidationError) as exc:
        services.plan_assessment_record(actor=org.office, plan=assessed_plan, assessor="某评估中心", report=upload())
    assert message in " ".join(exc.value.message_dict["report"])
    assessed_plan.refresh_from_db()
    assert not assessed_plan.assessment_report and assessed_plan.assessor == ""


def test_a_report_over_the_size_cap_is_refused(org, assessed_plan, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    big = _pdf(body=PDF + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        services.plan_assessment_record(actor=org.office, plan=assessed_plan, assessor="某评估中心", report=big)
    assert "超过 1 MB 的上限" in exc.value.message_dict["report"][0]
    assessed_plan.refresh_from_db()
    assert not assessed_plan.assessment_report


@pytest.mark.parametrize("assessor, report, field", [
    ("  ", "pdf", "assessor"),
    ("评" * 201, "pdf", "assessor"),
    ("某评估中心", None, "report"),  # the first time the report is required
])
def test_the_assessor_and_a_first_report_are_required(org, assessed_plan, assessor, report, field):
    with pytest.raises(ValidationError) as exc:
        services.plan_assessment_record(actor=org.office, plan=assessed_plan, assessor=assessor,
                                        report=_pdf() if report else None)
    assert field in exc.value.message_dict


def test_only_a_third_party_plan_takes_an_assessment(org, approved_plan):
    with pytest.raises(ValidationError, match="第三方评估"):
        services.plan_assessment_record(actor=org.office, plan=approved_plan, assessor="某评估中心", report=_pdf())
    approved_plan.refresh_from_db()
    assert approved_plan.assessor == ""


def test_an_assessment_needs_an_approved_plan_not_yet_closed(org, plan_factory, assessed_plan):
    draft = plan_factory(method=Method.THIRD_PARTY, submit=False)
    with pytest.raises(ValidationError, match="批准后才能登记评估报告"):
        services.plan_assessment_record(actor=org.office, plan=draft, assessor="某评估中心", report=_pdf())
    services.plan_close(actor=org.office, plan=assessed_plan, summary="总结", closed_on=date(2026, 3, 28))
    with pytest.raises(ValidationError, match="计划已完成，不能再登记评估报告"):
        services.plan_assessment_record(actor=org.office, plan=assessed_plan, assessor="某评估中心", report=_pdf())


@pytest.mark.parametrize("who", ["leader", "clerk_a", "sysadmin"])
def test_only_the_office_records_an_assessment(org, assessed_plan, who):
    with pytest.raises(PermissionDenied):
        services.plan_assessment_record(actor=getattr(org, who), plan=assessed_plan, assessor="某评估中心",
                                        report=_pdf())


# --- page -------------------------------------------------------------------------------------


def test_the_plan_page_records_the_assessment_and_serves_the_report(client, org, assessed_plan):
    client.force_login(org.office)
    html = client.get(assessed_plan.get_absolute_url()).content.decode()
    assert 'id="plan-assessment"' in html and "尚未登记评估机构和评估报告" in html
    r = client.post(f"/inspection/plans/{assessed_plan.pk}/assessment/",
                    {"assessor": "湖北省社会科学院评估中心", "report": _pdf()}, follow=True)
    html = r.content.decode()
    assert "第三方评估已登记" in html and "湖北省社会科学院评估中心" in html
    r = client.get(f"/inspection/plans/{assessed_plan.pk}/assessment.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and b"".join(r.streaming_content) == PDF
    client.force_login(org.leader)  # a leader reads the report too
    assert client.get(f"/inspection/plans/{assessed_plan.pk}/assessment.pdf").status_code == 200


def test_the_plan_page_shows_a_refused_report(client, org, assessed_plan):
    client.force_login(org.office)
    r = client.post(f"/inspection/plans/{assessed_plan.pk}/assessment/",
                    {"assessor": "某评估中心", "report": _png_named_pdf()}, follow=True)
    assert "只能上传 PDF" in r.content.decode()
    r = client.post(f"/inspection/plans/{assessed_plan.pk}/assessment/", {"assessor": ""}, follow=True)
    assert "第三方评估机构：该字段是必填项" in r.content.decode()
    assessed_plan.refresh_from_db()
    assert assessed_plan.assessor == ""


def test_the_assessment_section_is_only_on_third_party_plans(client, org, approved_plan):
    client.force_login(org.office)
    assert 'id="plan-assessment"' not in client.get(approved_plan.get_absolute_url()).content.decode()
    assert client.get(f"/inspection/plans/{approved_plan.pk}/assessment.pdf").status_code == 404


def test_the_assessment_page_is_forbidden_to_the_leader_and_not_found_for_another_unit(client, org, assessed_plan):
    services.plan_assessment_record(actor=org.office, plan=assessed_plan, assessor="某评估中心", report=_pdf())
    client.force_login(org.clerk_b)
    assert client.get(f"/inspection/plans/{assessed_plan.pk}/assessment.pdf").status_code == 404
    for who, status in (("clerk_b", 404), ("leader", 403)):  # the leader sees the plan, not the office's form
        client.force_login(getattr(org, who))
        r = client.post(f"/inspection/plans/{assessed_plan.pk}/assessment/", {"assessor": "冒名", "report": _pdf()})
        assert r.status_code == status, who
    assessed_plan.refresh_from_db()
    assert assessed_plan.assessor == "某评估中心"


# --- API --------------------------------------------------------------------------------------


def test_the_api_records_and_returns_the_assessment(client, org, assessed_plan):
    client.force_login(org.office)
    url = f"/api/v1/inspection/plans/{assessed_plan.pk}/assessment/"
    assert client.get(url).status_code == 404  # nothing recorded yet
    r = client.post(url, {"assessor": "湖北省社会科学院评估中心", "report": _pdf()})
    assert r.status_code == 200, r.content
    assert r.json()["assessor"] == "湖北省社会科学院评估中心" and r.json()["has_assessment_report"] is True
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and b"".join(r.streaming_content) == PDF


def test_the_api_refuses_a_fake_report_with_a_field_error(client, org, assessed_plan):
    client.force_login(org.office)
    r = client.post(f"/api/v1/inspection/plans/{assessed_plan.pk}/assessment/",
                    {"assessor": "某评估中心", "report": _png_named_pdf()})
    assert r.status_code == 400 and "report" in r.json()["error"]["fields"]
    assert "按文件内容识别" in r.json()["error"]["message"]


def test_the_api_refuses_an_assessment_on_another_method(client, org, approved_plan):
    client.force_login(org.office)
    r = client.post(f"/api/v1/inspection/plans/{approved_plan.pk}/assessment/", {"assessor": "某", "report": _pdf()})
    assert r.status_code == 400 and "第三方评估" in r.json()["error"]["message"]


def test_the_api_assessment_is_403_for_a_leader_and_404_for_a_unit(client, org, assessed_plan):
    url = f"/api/v1/inspection/plans/{assessed_plan.pk}/assessment/"
    client.force_login(org.leader)
    assert client.post(url, {"assessor": "某", "report": _pdf()}).status_code == 403
    client.force_login(org.clerk_b)
    assert client.post(url, {"assessor": "某", "report": _pdf()}).status_code == 404
    assert client.get(url).status_code == 404
    assessed_plan.refresh_from_db()
    assert assessed_plan.assessor == ""
