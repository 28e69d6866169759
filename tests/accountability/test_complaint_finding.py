"""R26 效能投诉受理机制, as an office and a legal adviser expect it: real-name by default with
anonymity the citizen's choice (and its cost said), and the finding (属实/不属实) the office's
alone, even when the unit complained about handled the complaint."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accountability import services
from accountability.models import Category, Complaint

from .conftest import file_complaint

pytestmark = pytest.mark.django_db


def handed_to_the_unit_complained_about(org) -> Complaint:
    c = file_complaint(org.unit_a).complaint
    c = services.complaint_accept(complaint=c, actor=org.office)
    return services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)


def test_r26_the_unit_complained_about_may_not_set_the_finding(org):
    c = handed_to_the_unit_complained_about(org)
    with pytest.raises(PermissionDenied, match="效能办认定"):
        services.complaint_unit_reply(complaint=c, actor=org.head_a, reply="经自查不属实", substantiated=False)
    c.refresh_from_db()
    assert c.status == Complaint.Status.ASSIGNED and c.substantiated is None
    c = services.complaint_unit_reply(complaint=c, actor=org.head_a, reply="经自查，窗口已当日办结")
    assert c.substantiated is None
    c = services.complaint_send_reply(complaint=c, actor=org.office, substantiated=True)
    assert (c.substantiated, c.finding_by, c.finding_at is not None) == (True, org.office, True)


def test_r26_the_unit_gets_a_403_with_the_reason_from_the_page_and_the_api(client, org):
    c = handed_to_the_unit_complained_about(org)
    client.force_login(org.head_a)
    page = client.post(f"/accountability/complaints/{c.pk}/reply/", {"reply": "不属实", "substantiated": "false"})
    assert page.status_code == 403
    api = client.post(f"/api/v1/accountability/complaints/{c.pk}/unit-reply/",
                      {"reply": "不属实", "substantiated": False}, content_type="application/json")
    assert api.status_code == 403 and "效能办认定" in api.json()["error"]["message"]
    c.refresh_from_db()
    assert c.substantiated is None and c.status == Complaint.Status.ASSIGNED
    form = client.get(c.get_absolute_url()).content.decode()
    assert 'id="unit-reply-form"' in form and 'name="substantiated"' not in form


def test_r26_a_complaint_is_real_name_unless_the_citizen_chooses_anonymity(org):
    with pytest.raises(ValidationError, match="匿名"):
        services.complaint_file(category=Category.SLOW, subject_unit=org.unit_a, description="办证拖了一个月")
    c = services.complaint_file(category=Category.SLOW, subject_unit=org.unit_a, description="办证拖了一个月",
                                name="王先生", phone="13800000001").complaint
    assert (c.is_anonymous, c.complainant_name) == (False, "王先生")
    assert Complaint._meta.get_field("is_anonymous").default is False


def test_r26_the_api_takes_real_name_by_default(client, org):
    body = {"category": "slow", "subject_unit": org.unit_a.pk, "description": "办证拖了一个月",
            "captcha_id": "x", "captcha_answer": "PASSED"}
    refused = client.post("/api/v1/public/complaints/", body, content_type="application/json")
    assert refused.status_code == 400 and "匿名" in refused.json()["error"]["message"]
    filed = client.post("/api/v1/public/complaints/", {**body, "name": "李女士", "phone": "13800000002"},
                        content_type="application/json")
    assert filed.status_code == 201
    assert Complaint.objects.get().is_anonymous is False


def test_r26_the_form_is_real_name_by_default_and_says_what_anonymity_costs(client, org):
    page = client.get("/accountability/public/complaint/").content.decode()
    box = page[page.index('name="is_anonymous"') - 80: page.index('name="is_anonymous"') + 80]
    assert "checked" not in box
    cost = page[page.index('id="anonymity-cost"'):]
    assert "无法电话回访" in cost and "查询码" in cost
