"""Pages and the REST API: who sees what, and every action over the API (R39)."""

import pytest
import time_machine
from django.urls import reverse

from supervision.models import AssignmentKind as K

from .conftest import FRIDAY, api_as

pytestmark = pytest.mark.django_db


_client = api_as


@pytest.fixture
def item(make_assignment):
    return make_assignment(K.INSTRUCTION)


def test_a_clerk_of_another_unit_gets_404_on_the_item_page(client, org, item):
    client.force_login(org.clerk_b)
    assert client.get(reverse("supervision:assignment", args=[item.pk])).status_code == 404
    client.force_login(org.clerk_a)
    assert client.get(reverse("supervision:assignment", args=[item.pk])).status_code == 200


def test_a_clerk_of_another_unit_gets_404_in_the_api(org, item):
    target = item.targets.get()
    outsider = _client(org.clerk_b)
    assert outsider.get(f"/api/v1/supervision/assignments/{item.pk}/").status_code == 404
    assert outsider.get(f"/api/v1/supervision/targets/{target.pk}/").status_code == 404
    assert outsider.post(f"/api/v1/supervision/targets/{target.pk}/acknowledge/", {}).status_code == 404
    target.refresh_from_db()
    assert target.status == "assigned"
    assert _client(org.clerk_a).get(f"/api/v1/supervision/assignments/{item.pk}/").status_code == 200


def test_the_office_and_leader_see_every_item(org, item):
    for user in (org.office, org.leader):
        assert _client(user).get(f"/api/v1/supervision/assignments/{item.pk}/").status_code == 200


def test_the_whole_flow_runs_over_the_api(org):  # R39 网上交办、网上监督、网上反馈
    office, clerk = _client(org.office), _client(org.clerk_a)
    with time_machine.travel(FRIDAY, tick=False):
        r = office.post("/api/v1/supervision/assignments/", {
            "kind": "instruction", "title": "关于做好防汛工作的批示", "source_text": "请迅速部署。",
            "issuing_leader": "刘市长", "lead_unit": org.unit_a.pk}, format="json")
        assert r.status_code == 201, r.content
        tid = r.json()["targets"][0]["id"]
        for action, data in (("acknowledge", {}), ("deploy", {"note": "已召开专题会部署"}),
                             ("feedback", {"text": "已完成隐患排查"})):
            r = clerk.post(f"/api/v1/supervision/targets/{tid}/{action}/", data, format="json")
            assert r.status_code == 200, r.content
        r = office.post(f"/api/v1/supervision/targets/{tid}/return/", {"reason": "请补充整改台账"}, format="json")
        assert r.json()["status"] == "handling"
        clerk.post(f"/api/v1/supervision/targets/{tid}/feedback/", {"text": "已补充台账"}, format="json")
        r = office.post(f"/api/v1/supervision/targets/{tid}/close/", {"note": "同意办结"}, format="json")
    assert r.json()["status"] == "closed"
    detail = office.get(f"/api/v1/supervision/assignments/{r.json()['assignment']}/").json()
    kinds = [e["kind"] for e in detail["timeline"]]
    for kind in ("assignment.created", "assignment.dispatched", "assignment.acknowledged", "assignment.deployed",
                 "assignment.fed_back", "assignment.returned", "assignment.closed"):
        assert kind in kinds


def test_a_bad_request_gets_a_chinese_400_not_a_500(org, item):
    target = item.targets.get()
    r = _client(org.clerk_a).post(f"/api/v1/supervision/targets/{target.pk}/deploy/", {}, format="json")
    assert r.status_code == 400 and "当前状态" in r.json()["error"]["message"]
    r = _client(org.clerk_a).post("/api/v1/supervision/assignments/", {"kind": "instruction"}, format="json")
    assert r.status_code == 403


def test_the_work_list_shows_only_my_units_items_sorted_by_due(client, org, make_assignment):
    late = make_assignment(K.NO_DEADLINE, title="晚到期")
    soon = make_assignment(K.EMERGENCY, title="早到期")
    make_assignment(K.EMERGENCY, title="别的单位", lead_unit=org.unit_b)
    client.force_login(org.clerk_a)
    html = client.get(reverse("supervision:work")).content.decode()
    assert html.index(soon.title) < html.index(late.title) and "别的单位" not in html
    html = client.get(reverse("supervision:work") + "?kind=emergency").content.decode()
    assert soon.title in html and late.title not in html


def test_the_item_page_shows_only_the_actions_allowed_now(client, org, item):
    client.force_login(org.clerk_a)
    html = client.get(reverse("supervision:assignment", args=[item.pk])).content.decode()
    assert 'data-action="acknowledge"' in html and 'data-action="close"' not in html
    client.force_login(org.office)
    html = client.get(reverse("supervision:assignment", args=[item.pk])).content.decode()
    assert 'data-action="urge"' in html and 'data-action="acknowledge"' not in html


def test_the_office_overview_counts_per_unit(client, org, item):
    client.force_login(org.office)
    assert org.unit_a.name in client.get(reverse("supervision:overview")).content.decode()
    client.force_login(org.clerk_a)
    assert client.get(reverse("supervision:overview")).status_code == 404


def test_the_work_list_runs_a_fixed_number_of_queries(client, org, make_assignment):
    client.force_login(org.office)
    make_assignment(K.EMERGENCY, co_units=[org.unit_b])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse("supervision:work"))  # the session's first page writes its last_seen, warms the caches
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("supervision:work"))
    for _ in range(5):
        make_assignment(K.MEETING, co_units=[org.unit_b])
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("supervision:work"))
    assert len(many) == len(few)
    api = api_as(org.office)
    with CaptureQueriesContext(connection) as api_many:
        assert api.get("/api/v1/supervision/targets/").json()["count"] == 12
    assert len(api_many) <= 8


def test_urging_by_the_unit_is_403_and_by_another_unit_404_on_the_page_and_in_the_api(client, org, item):
    target = item.targets.get()
    page = reverse("supervision:target_action", args=[target.pk, "urge"])
    api = f"/api/v1/supervision/targets/{target.pk}/urge/"
    for who, status in (("clerk_a", 403), ("clerk_b", 404)):  # clerk_a sees the target; the office urges it
        client.force_login(getattr(org, who))
        assert client.post(page, {"message": "请抓紧"}).status_code == status, who
        assert client.post(api, {"message": "请抓紧"}, content_type="application/json").status_code == status, who
    target.refresh_from_db()
    assert target.urge_count == 0
    client.force_login(org.office)
    assert client.post(api, {"message": "请抓紧"}, content_type="application/json").status_code == 200
    target.refresh_from_db()
    assert target.urge_count == 1
