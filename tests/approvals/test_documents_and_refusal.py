"""The approvals app's documents (受理通知书, 一次性告知书, 不予受理决定书), the §32 不予受理 path and
补正 only before acceptance (R20, R21; 行政许可法 §32)."""

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from approvals import services
from approvals.models import Application, RefusalGround, Status
from efficiency import documents
from efficiency.models import AuditLog, Document, Event, PauseReason
from efficiency.sweep import sweep
from tests.approvals.helpers import MONDAY, make_item, receive
from tests.pdf import pdf_text


@pytest.fixture
def item(org):
    with time_machine.travel(MONDAY, tick=False):
        return make_item(org)


def docs_of(app, kind):
    return [d for d in documents.documents_of(app) if d.kind == kind]


def test_acceptance_issues_a_numbered_acceptance_notice_to_the_applicant(org, item):  # R21 R25
    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, item)
    (doc,) = docs_of(app, "acceptance_notice")
    assert doc.office == org.unit_a and doc.number == f"{org.unit_a.name}受〔2025〕1号"
    text = pdf_text(documents.document_pdf(doc))
    for expected in (doc.number, "受理通知书", "2025年11月3日", "鄂州市某某置业有限公司", org.unit_a.name,
                     app.receipt_number, "第三十二条"):
        assert expected in text, expected


def test_issuing_the_acceptance_notice_is_one_call(org, item):
    """The 综合窗口 wires it with one call after its own intake."""
    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, item)
        again = documents.issue_document(kind="acceptance_notice", item=app, actor=org.clerk_a)
    assert again.seq == 2 and again.subject_id == app.pk


def test_the_one_time_notice_lists_every_missing_material_in_one_document(org, item):  # R20
    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, item, missing=2)
        services.application_issue_notice(actor=org.clerk_a, application=app)
    (doc,) = docs_of(app, "one_time_notice")
    text = pdf_text(documents.document_pdf(doc))
    assert "一次性告知书" in text and "建设用地使用权证明" in text and "设计方案总平面图" in text
    assert doc.number in text and "2025年11月3日" in text


def test_r21_not_accepted_under_article_32_stops_the_clock_issues_the_decision_and_is_audited(org, item):
    """§32 第一款第（二）项: not this agency's power — refused with reasons, referred to the right
    one, the notice clock stops, no service clock starts, the 不予受理决定书 tells the applicant
    of 行政复议 and 行政诉讼."""
    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, item, missing=1)
        assert app.clock_start and app.closed_at is None  # the §32 notice clock runs
        services.application_refuse_acceptance(actor=org.clerk_a, application=app, ground=RefusalGround.NOT_COMPETENT,
                                               reason="该项目位于开发区，规划许可由开发区管委会实施。",
                                               refer_to="鄂州市葛店开发区管委会")
    app.refresh_from_db()
    assert app.status == Status.NOT_ACCEPTED and app.closed_at is not None and app.receipt_number is None
    assert app.time_rule.code == "application.notice"  # never the service clock
    (doc,) = docs_of(app, "refusal_decision")
    text = pdf_text(documents.document_pdf(doc))
    for expected in ("不予受理决定书", doc.number, "2025年11月3日", "鄂州市某某置业有限公司", "开发区管委会实施",
                     "鄂州市葛店开发区管委会", "第三十二条", "行政复议", "行政诉讼", org.unit_a.name):
        assert expected in text, expected
    assert Event.objects.filter(kind="approvals.not_accepted", subject_id=app.pk).exists()
    assert AuditLog.objects.filter(action="appr.unaccept", object_id=str(app.pk)).exists()
    # Nothing left for the sweep: no acceptance by default, no card.
    sweep(now=MONDAY.replace(month=12))
    app.refresh_from_db()
    assert app.status == Status.NOT_ACCEPTED and app.breach_level == 0
    assert not docs_of(app, "acceptance_notice")


def test_r21_not_accepted_needs_a_ground_a_reason_and_for_another_agency_its_name(org, item):
    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, item, missing=1)
    cases = [({"ground": "", "reason": "x"}, "ground"), ({"ground": RefusalGround.NOT_REQUIRED, "reason": " "}, "reason"),
             ({"ground": RefusalGround.NOT_COMPETENT, "reason": "不属于本机关"}, "refer_to"),
             ({"ground": RefusalGround.NOT_SUPPLEMENTED, "reason": "未补正"}, "ground")]  # no notice issued yet
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.application_refuse_acceptance(actor=org.clerk_a, application=app, **kwargs)
        assert field in exc.value.message_dict
    with pytest.raises(Exception) as denied:
        services.application_refuse_acceptance(actor=org.clerk_b, application=app, ground=RefusalGround.NOT_REQUIRED,
                                               reason="x")
    assert denied.typename == "PermissionDenied"
    assert not Document.objects.filter(kind="refusal_decision").exists()


def test_r21_an_accepted_application_cannot_be_refused_acceptance(org, item):
    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, item)
    with pytest.raises(ValidationError, match="尚未受理"):
        services.application_refuse_acceptance(actor=org.clerk_a, application=app, ground=RefusalGround.NOT_REQUIRED,
                                               reason="无需许可")


def test_r20_after_a_one_time_notice_left_unanswered_it_is_not_accepted(org, item):
    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, item, missing=1)
        services.application_issue_notice(actor=org.clerk_a, application=app)
        services.application_refuse_acceptance(actor=org.clerk_a, application=app,
                                               ground=RefusalGround.NOT_SUPPLEMENTED, reason="申请人逾期未补正材料。")
    assert Application.objects.get(pk=app.pk).status == Status.NOT_ACCEPTED
    assert [d.kind for d in documents.documents_of(app)] == ["one_time_notice", "refusal_decision"]
    assert services.rating_allowed(Application.objects.get(pk=app.pk)) is None


def test_r20_r21_supplementing_materials_after_acceptance_is_refused_with_a_clear_message(org, item):
    """补正 belongs before acceptance (§32: one-time notice, then accept): once accepted, neither
    ticking more materials nor pausing the clock "for 补正" is allowed."""
    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, item, missing=1)
        services.application_issue_notice(actor=org.clerk_a, application=app)
        app, _code = services.application_complete(actor=org.clerk_a, application=app,
                                                    materials=list(item.materials.all()))
        assert app.status == Status.ACCEPTED
        with pytest.raises(ValidationError, match="补正材料只能在受理前"):
            services.application_complete(actor=org.clerk_a, application=app, materials=list(item.materials.all()))
        with pytest.raises(ValidationError, match="补正材料只能在受理前"):
            services.application_pause(actor=org.clerk_a, application=app, reason=PauseReason.SUPPLEMENT)
    assert PauseReason.SUPPLEMENT not in services.LEGAL_PAUSE_REASONS


def test_r21_the_refusal_page_posts_and_shows_its_errors(client, org, item):
    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, item, missing=1)
    url = reverse("approvals:refuse_acceptance", args=[app.pk])
    client.force_login(org.clerk_b)
    assert client.post(url, {"ground": RefusalGround.NOT_REQUIRED, "reason": "x"}).status_code == 404
    client.force_login(org.clerk_a)
    resp = client.post(url, {"ground": RefusalGround.NOT_REQUIRED, "reason": ""}, follow=True)
    assert "不予受理必须说明理由" in resp.content.decode()  # the form's error, shown on the page
    assert Application.objects.get(pk=app.pk).status == Status.RECEIVED
    resp = client.post(url, {"ground": RefusalGround.NOT_REQUIRED, "reason": "该事项依法不需要取得行政许可。"})
    assert resp.status_code == 302
    page = client.get(reverse("approvals:application", args=[app.pk])).content.decode()
    doc = Document.objects.get(kind="refusal_decision")
    assert doc.number in page and reverse("document_pdf", args=[doc.pk]) in page
