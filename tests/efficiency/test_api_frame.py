"""The REST frame: core endpoints, schema and docs served locally, error bodies, /healthz."""

import re

import pytest
from rest_framework.test import APIClient

from efficiency.models import Event, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(org):
    client = APIClient()
    client.force_authenticate(org.clerk_a)
    return client


def _note(user, title="提醒"):
    event = Event.objects.create(kind="test", subject_type="clocktest.timeditem", subject_id=1)
    return Notification.objects.create(event=event, user=user, recipient=f"user:{user.pk}", channel="inbox",
                                       title=title, status="sent")


def _error(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    return body["error"]


def test_me_tells_who_i_am(api, org):
    body = api.get("/api/v1/me/").json()
    assert body["username"] == "clerk_a" and body["role"] == "clerk" and body["role_display"] == "经办人"
    assert body["unit"]["code"] == "A" and body["unread_count"] == 0


def test_units_are_listed_and_filtered_by_region(api, org):
    from tests.factories import RegionFactory, make_unit

    make_unit("武汉市市场监督管理局", region=RegionFactory(code="420100", name="武汉市"), code="WH")
    body = api.get("/api/v1/units/", {"region": "420700"}).json()
    assert {u["code"] for u in body["results"]} == {"A", "B", "OFFICE", "GOV"}
    assert body["count"] == 4  # paginated
    assert [u["code"] for u in api.get("/api/v1/units/", {"region": "420100"}).json()["results"]] == ["WH"]


def test_the_inbox_lists_only_my_notifications_and_marks_them_read(api, org):
    mine, _theirs = _note(org.clerk_a, "给我的"), _note(org.clerk_b, "给别人的")
    body = api.get("/api/v1/notifications/").json()
    assert [n["title"] for n in body["results"]] == ["给我的"]
    assert api.get("/api/v1/notifications/", {"unread": "true"}).json()["count"] == 1
    assert api.post(f"/api/v1/notifications/{mine.pk}/read/").json() == {"marked": 1}
    assert api.get("/api/v1/notifications/", {"unread": "true"}).json()["count"] == 0
    _error(api.post(f"/api/v1/notifications/{_theirs.pk}/read/"), 404)
    _theirs.refresh_from_db()
    assert _theirs.read_at is None


def test_mark_all_read(api, org):
    _note(org.clerk_a), _note(org.clerk_a)
    assert api.post("/api/v1/notifications/read/", {}, format="json").json() == {"marked": 2}


def test_a_bad_request_gets_the_error_body(api):
    error = _error(api.post("/api/v1/notifications/read/", {"ids": ["x"]}, format="json"), 400)
    assert "ids" in error["fields"]


def test_an_anonymous_request_gets_the_error_body(db):
    response = APIClient().get("/api/v1/me/")
    assert response.status_code in (401, 403)
    _error(response, response.status_code)


def test_a_missing_item_gets_the_error_body_in_chinese(api):
    assert _error(api.get("/api/v1/notifications/999999/"), 404)["message"] == "未找到，或您无权查看。"


def test_token_authentication_works(org):
    from efficiency.tokens import token_issue

    _token, key = token_issue(actor=org.head_a, user=org.head_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").json()["username"] == "head_a"


def test_the_schema_is_valid_openapi_3_with_the_core_paths(client):
    from drf_spectacular.validation import validate_schema

    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    import json

    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    for path in ["/api/v1/me/", "/api/v1/units/", "/api/v1/notifications/", "/api/v1/auth/token/"]:
        assert path in schema["paths"]


def test_the_api_docs_load_their_assets_locally(client):
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert not re.search(r"""(src|href)=["']?https?://""", html)
    assert "cdn" not in html.lower()


def test_healthz_is_200_when_database_and_broker_answer(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_healthz_is_503_naming_the_broker_when_it_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # a closed port
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
