from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals import services
from approvals.models import Application, Material, Status

from .helpers import MONDAY, make_item, receive

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    try:
        cache.clear()
    except Exception:  # noqa: BLE001
        pass


def test_another_units_clerk_gets_404_and_the_co_reviewing_unit_sees_it(org, client):  # R24
    plain = make_item(org)
    joint = make_item(org, code="ZRZY-002", joint=[org.office_unit], legal=45, committed=30)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, plain)
        shared, _ = receive(org, joint)
    client.force_login(org.clerk_b)
    assert client.get(reverse("approvals:application", args=[app.pk])).status_code == 404
    assert client.get(f"/api/v1/approvals/applications/{app.pk}/").status_code == 404
    assert client.post(reverse("approvals:decide", args=[app.pk]), {"outcome": "approved"}).status_code == 404
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED
    client.force_login(org.clerk_a)
    assert client.get(reverse("approvals:application", args=[app.pk])).status_code == 200
    assert client.get(f"/api/v1/approvals/applications/{shared.pk}/").json()["steps"][0]["unit"] == org.office_unit.pk


def test_the_catalog_is_public_and_shows_the_committed_limit(org, client):  # R18
    make_item(org)
    page = client.get(reverse("approvals:public_catalog")).content.decode()
    assert "建设工程规划许可证核发" in page and "10 个工作日" in page
    guide = client.get(reverse("approvals:public_item", args=["ZRZY-001"])).content.decode()
    assert "设计方案总平面图" in guide and "不收费" in guide
    assert client.get("/api/v1/approvals/items/").json()[0]["committed_limit"] == 10


def test_the_guide_form_refuses_a_committed_limit_above_the_legal_one(org, client):  # R16
    client.force_login(org.head_a)
    response = client.post(reverse("approvals:item_new"), {
        "code": "ZRZY-100", "name": "临时建设工程规划许可", "legal_basis": "城乡规划法第四十四条",
        "legal_limit": 20, "committed_limit": 30, "materials_text": "申请表"})
    assert response.status_code == 200
    assert "不得超过法定时限" in response.content.decode()
    api = client.post("/api/v1/approvals/items/", {"code": "ZRZY-100", "name": "x", "legal_basis": "x",
                                                    "legal_limit": 20, "committed_limit": 30}, content_type="application/json")
    assert api.status_code == 400 and "不得超过法定时限" in api.json()["error"]["message"]


def test_the_window_issues_the_notice_then_accepts_and_shows_the_code_once(org, client):  # R19 R20 R25
    item = make_item(org)
    client.force_login(org.clerk_a)
    first = Material.objects.filter(item=item).order_by("order").first()
    response = client.post(reverse("approvals:intake") + f"?item={item.pk}", {
        "item": item.pk, "applicant_kind": "person", "applicant_name": "张三", "applicant_id_number": "11010519491231002X",
        "applicant_phone": "13900000000", "materials": [first.pk]})
    app = Application.objects.get()
    assert response.status_code == 302 and app.status == Status.RECEIVED
    client.post(reverse("approvals:notice_issue", args=[app.pk]))
    notice = client.get(reverse("approvals:notice", args=[app.pk])).content.decode()
    assert "建设用地使用权证明" in notice and "设计方案总平面图" in notice
    missing = [m["id"] for m in Application.objects.get().missing_materials]
    response = client.post(reverse("approvals:complete", args=[app.pk]), {"materials": missing})
    assert response.url == reverse("approvals:receipt", args=[app.pk])
    shown = client.get(response.url).content.decode()
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED and 'id="check-code"' in shown
    assert 'id="check-code"' not in client.get(response.url).content.decode()


def test_a_bad_id_number_is_a_form_error_not_a_500(org, client):
    item = make_item(org)
    client.force_login(org.clerk_a)
    response = client.post(reverse("approvals:intake"), {
        "item": item.pk, "applicant_kind": "enterprise", "applicant_name": "某公司",
        "applicant_id_number": "91350100M000100Y44", "applicant_phone": "13900000000"})
    assert response.status_code == 200 and "校验位不正确" in response.content.decode()


def test_a_wrong_code_gets_the_same_answer_as_an_unknown_number(org, client):
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        app, code = receive(org, item)
    ok = client.get(f"/api/v1/public/applications/{app.receipt_number}/?code={code}")
    assert ok.status_code == 200 and ok.json()["status"] == "accepted" and "applicant_id_number" not in ok.json()
    wrong = client.get(f"/api/v1/public/applications/{app.receipt_number}/?code=AAAAAAAA")
    unknown = client.get(f"/api/v1/public/applications/SL20990101999999/?code={code}")
    assert wrong.status_code == unknown.status_code == 404 and wrong.json() == unknown.json()
    page_wrong = client.post(reverse("approvals:public_lookup"), {"receipt_number": app.receipt_number, "code": "X"})
    page_unknown = client.post(reverse("approvals:public_lookup"), {"receipt_number": "SL1", "code": "X"})
    assert page_wrong.status_code == page_unknown.status_code == 404
    assert app.applicant_name not in page_wrong.content.decode()


def test_repeated_wrong_tries_are_rate_limited_and_a_cache_outage_is_tolerated(org, client):
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        app, code = receive(org, item)
    for _ in range(10):
        assert client.get(f"/api/v1/public/applications/{app.receipt_number}/?code=WRONG").status_code == 404
    assert client.get(f"/api/v1/public/applications/{app.receipt_number}/?code={code}").status_code == 429
    cache.clear()
    with mock.patch("approvals.public.cache.get", side_effect=ConnectionError), \
            mock.patch("approvals.public.cache.add", side_effect=ConnectionError):
        assert client.get(f"/api/v1/public/applications/{app.receipt_number}/?code={code}").status_code == 200


def test_the_applicant_rates_after_the_decision_by_the_public_api(org, client):  # R36
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        app, code = receive(org, item)
    url = f"/api/v1/public/applications/{app.receipt_number}/rating/"
    early = client.post(url, {"code": code, "score": 5}, content_type="application/json")
    assert early.status_code == 400
    services.application_decide(actor=org.clerk_a, application=app, outcome=Status.REJECTED, reason="不符合规划条件")
    rated = client.post(url, {"code": code, "score": 2, "comment": "等待时间长"}, content_type="application/json")
    assert rated.status_code == 201 and rated.json()["can_rate"] is True  # may rate once more
    client.force_login(org.head_a)
    page = client.get(reverse("approvals:index")).content.decode()
    assert "差评回访" in page and "等待时间长" in page


def test_the_head_approves_an_extension_from_the_workspace(org, client):  # R22
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
        client.force_login(org.clerk_a)
        client.post(reverse("approvals:extension_request", args=[app.pk]), {"reason": "需组织现场踏勘"})
        client.force_login(org.head_a)
        assert "需组织现场踏勘" in client.get(reverse("approvals:index")).content.decode()
        client.post(reverse("approvals:extension_approve", args=[app.pk]))
    app.refresh_from_db()
    assert app.extension_value == 10 and app.extension_approver == org.head_a


def test_the_list_api_and_the_workspace_take_the_same_queries_for_more_rows(org, client):
    item = make_item(org, joint=[org.unit_b], legal=45, committed=30)
    client.force_login(org.clerk_a)

    def counted(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    with time_machine.travel(MONDAY, tick=False):
        for _ in range(2):
            receive(org, item)
        counted(reverse("approvals:index"))  # warms the content-type cache
        few = counted("/api/v1/approvals/applications/"), counted(reverse("approvals:index"))
        for _ in range(4):
            receive(org, item)
        assert (counted("/api/v1/approvals/applications/"), counted(reverse("approvals:index"))) == few


def test_the_deemed_approval_notice_is_printable_and_the_public_sees_satisfaction(org, client):  # R17 R36
    from datetime import timedelta

    from efficiency.sweep import sweep

    item = make_item(org, deemed=True)
    with time_machine.travel(MONDAY, tick=False):
        app, code = receive(org, item)
    moment = app.due_at + timedelta(seconds=1)
    with time_machine.travel(moment, tick=False):
        sweep(now=moment)
        services.rating_submit(application=Application.objects.get(pk=app.pk), score=2, comment="拖到超时")
    client.force_login(org.clerk_a)
    notice = client.get(reverse("approvals:decision", args=[app.pk])).content.decode()
    assert "视为同意通知书" in notice and app.receipt_number in notice
    client.logout()
    catalog = client.get(reverse("approvals:public_catalog")).content.decode()
    assert "0.0%" in catalog and "status-red" in catalog


def test_every_page_renders_for_its_user(org, client):
    item = make_item(org, joint=[org.unit_b], legal=45, committed=30)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    client.force_login(org.office)
    office_list = client.get(reverse("approvals:list") + "?status=accepted").content.decode()
    assert app.receipt_number in office_list
    assert client.get(reverse("approvals:item_new") + f"?unit={org.unit_b.pk}").status_code == 200
    client.force_login(org.head_a)
    assert client.get(reverse("approvals:item_edit", args=[item.pk])).status_code == 200
    assert client.get(reverse("approvals:intake") + f"?item={item.pk}").status_code == 200
    client.force_login(org.clerk_b)  # the co-reviewing unit: sees the application and its step form
    page = client.get(reverse("approvals:application", args=[app.pk])).content.decode()
    assert 'id="step-form"' in page and "作出决定" not in page
    assert client.get(reverse("approvals:item_edit", args=[item.pk])).status_code == 404
    assert client.get(reverse("approvals:public_lookup")).status_code == 200


def test_approving_an_extension_is_403_for_a_clerk_and_404_for_another_unit_on_the_page_and_in_the_api(org, client):
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, make_item(org))
        services.application_request_extension(actor=org.clerk_a, application=app, reason="需现场核查")
    for who, status in (("clerk_a", 403), ("head_b", 404)):  # the clerk sees the application; its head approves
        client.force_login(getattr(org, who))
        assert client.post(reverse("approvals:extension_approve", args=[app.pk])).status_code == status, who
        assert client.post(f"/api/v1/approvals/applications/{app.pk}/extension/approve/").status_code == status, who
    app.refresh_from_db()
    assert app.extended_at is None and app.extension_requested_at is not None
