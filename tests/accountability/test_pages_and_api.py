"""Pages and the REST API for the office and units; cross-unit access is 404."""

import pytest

from accountability import services
from accountability.models import AccountabilityCase

from .conftest import file_complaint

pytestmark = pytest.mark.django_db


def assigned(org):
    c = file_complaint(org.unit_a).complaint
    services.complaint_accept(complaint=c, actor=org.office)
    return services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)


def test_the_office_sees_incoming_complaints_by_due_date(client, org):
    c = file_complaint(org.unit_a).complaint
    client.force_login(org.office)
    page = client.get("/accountability/complaints/").content.decode()
    assert c.tracking_number in page


def test_a_unit_sees_complaints_assigned_to_it(client, org):
    c = assigned(org)
    client.force_login(org.clerk_a)
    assert c.tracking_number in client.get("/accountability/complaints/").content.decode()
    assert client.get(c.get_absolute_url()).status_code == 200


def test_another_unit_gets_404(client, org):
    c = assigned(org)
    client.force_login(org.clerk_b)
    assert c.tracking_number not in client.get("/accountability/complaints/").content.decode()
    assert client.get(c.get_absolute_url()).status_code == 404
    assert client.post(f"/accountability/complaints/{c.pk}/reply/", {"reply": "x"}).status_code == 404
    assert client.get(f"/api/v1/accountability/complaints/{c.pk}/").status_code == 404
    assert client.post(f"/api/v1/accountability/complaints/{c.pk}/unit-reply/", {"reply": "x"}).status_code == 404
    c.refresh_from_db()
    assert c.status == "assigned"


def test_a_unit_does_not_see_a_complaint_before_it_is_assigned(client, org):
    c = file_complaint(org.unit_a).complaint
    client.force_login(org.head_a)
    assert client.get(c.get_absolute_url()).status_code == 404


def test_the_unit_replies_through_the_page(client, org):
    c = assigned(org)
    client.force_login(org.clerk_a)
    resp = client.post(f"/accountability/complaints/{c.pk}/reply/", {"reply": "已办结并道歉"})
    assert resp.status_code == 302
    c.refresh_from_db()
    assert c.status == "replied" and c.substantiated is None  # R26: the finding is the office's


def test_the_api_runs_the_whole_handling(client, org):
    c = file_complaint(org.unit_a).complaint
    client.force_login(org.office)
    base = f"/api/v1/accountability/complaints/{c.pk}/"
    assert client.post(base + "accept/").json()["status"] == "accepted"
    assert client.post(base + "assign/", {"unit": org.unit_a.pk}).json()["status"] == "assigned"
    bad = client.post(base + "assign/", {"unit": org.unit_b.pk})
    assert bad.status_code == 400 and bad.json()["error"]["message"]
    client.force_login(org.clerk_a)
    assert client.post(base + "unit-reply/", {"reply": "已处理"}, content_type="application/json").json()["status"] == "replied"
    client.force_login(org.office)
    data = client.post(base + "send-reply/", {"substantiated": True}, content_type="application/json").json()
    assert data["status"] == "answered"
    assert AccountabilityCase.objects.filter(source="complaint").count() == 1


def test_the_case_api_and_record_pages(client, org):
    client.force_login(org.office)
    resp = client.post("/api/v1/accountability/cases/", {"unit": org.unit_a.pk, "person": org.clerk_a.pk,
                                                        "reason": "不作为"}, content_type="application/json")
    assert resp.status_code == 201
    case_id = resp.json()["id"]
    client.post(f"/api/v1/accountability/cases/{case_id}/facts/", {"facts": "属实"}, content_type="application/json")
    refused = client.post(f"/api/v1/accountability/cases/{case_id}/decide/",
                          {"decision": "exempt", "reason": "探索", "grounds": []}, content_type="application/json")
    assert refused.status_code == 403 and "任免机关" in refused.json()["error"]["message"]  # R69: not the office's
    client.force_login(org.leader)
    resp = client.post(f"/api/v1/accountability/cases/{case_id}/decide/",
                       {"decision": "exempt", "reason": "探索", "grounds": []}, content_type="application/json")
    assert resp.status_code == 400 and "三个区分开来" in resp.json()["error"]["message"]  # R29
    client.force_login(org.office)
    number = AccountabilityCase.objects.get().number
    assert number in client.get(f"/accountability/records/unit/{org.unit_a.pk}/").content.decode()
    assert number in client.get(f"/accountability/records/person/{org.clerk_a.pk}/").content.decode()
    client.force_login(org.clerk_b)
    assert client.get(f"/api/v1/accountability/cases/{case_id}/").status_code == 404
    assert client.get(f"/accountability/records/unit/{org.unit_a.pk}/").status_code == 404
    client.force_login(org.clerk_a)
    assert client.get(f"/accountability/cases/{case_id}/").status_code == 200


def test_the_schema_generates(client, org):
    client.force_login(org.office)
    resp = client.get("/api/schema/")
    assert resp.status_code == 200 and b"/api/v1/public/complaints/" in resp.content


def test_every_office_page_renders(client, org):
    from .conftest import to_replied

    filed, c = to_replied(org)
    services.complaint_send_reply(complaint=c, actor=org.office, substantiated=True)
    case = AccountabilityCase.objects.get()
    b = services.bulletin_create(actor=org.office, title="通报", cases=[case], complaints=[c])
    client.force_login(org.office)
    for url in ["/accountability/complaints/", "/accountability/complaints/?status=answered", c.get_absolute_url(),
                "/accountability/cases/", case.get_absolute_url(), "/accountability/bulletins/", b.get_absolute_url(),
                f"/accountability/records/unit/{org.unit_a.pk}/", "/accountability/public/complaint/",
                "/accountability/public/track/", "/accountability/public/bulletins/"]:
        assert client.get(url).status_code == 200, url
    assert client.get(b.get_absolute_url() + "?format=pdf")["Content-Type"] == "application/pdf"
    resp = client.post(f"/accountability/cases/{case.pk}/investigate/")
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.status == "investigating"
    # R69: a 容错 decision is the 任免机关's (the default), not the office's: refused with the reason
    refused = client.post(f"/accountability/cases/{case.pk}/decide/", {"decision": "exempt", "reason": "x"})
    assert refused.status_code == 403


def test_the_office_drafts_a_bulletin_from_the_page(client, org):
    client.force_login(org.office)
    resp = client.post("/accountability/bulletins/", {"title": "表扬通报", "kind": "commendation", "body": "市数据局窗口延时服务获群众好评"})
    assert resp.status_code == 302
    client.force_login(org.clerk_a)
    assert client.get("/accountability/bulletins/").status_code == 404


def test_the_complaint_list_endpoint_uses_a_fixed_number_of_queries(client, org, django_assert_num_queries):
    client.force_login(org.office)
    client.get("/api/v1/accountability/complaints/")  # warm the session
    for _ in range(3):
        file_complaint(org.unit_a)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/accountability/complaints/").json()["count"] == 3
    for _ in range(7):
        file_complaint(org.unit_b)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/accountability/complaints/").json()["count"] == 10
    assert len(many) == len(few)


def test_the_office_list_puts_the_nearest_deadline_first(client, org):
    from datetime import datetime

    import time_machine

    from efficiency.workdays import SHANGHAI

    with time_machine.travel(datetime(2025, 11, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        later = file_complaint(org.unit_a).complaint
    with time_machine.travel(datetime(2025, 11, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        sooner = file_complaint(org.unit_b).complaint
    client.force_login(org.office)
    page = client.get("/accountability/complaints/").content.decode()
    assert page.index(sooner.tracking_number) < page.index(later.tracking_number)


def test_a_handlers_action_is_403_for_the_unit_and_404_for_another_unit_on_the_page_and_in_the_api(client, org):
    c = assigned(org)
    for who, status in (("clerk_a", 403), ("clerk_b", 404)):  # the unit sees its complaint; the office accepts
        client.force_login(getattr(org, who))
        assert client.post(f"/accountability/complaints/{c.pk}/accept/").status_code == status, who
        assert client.post(f"/api/v1/accountability/complaints/{c.pk}/accept/").status_code == status, who
    client.force_login(org.clerk_a)
    refused = client.post(f"/api/v1/accountability/complaints/{c.pk}/accept/").json()
    assert "只有效能办" in refused["error"]["message"]
    c.refresh_from_db()
    assert c.status == "assigned"
    client.force_login(org.office)  # the office may: the state rule (a 400) is what stops it now
    assert client.post(f"/api/v1/accountability/complaints/{c.pk}/accept/").status_code == 400
