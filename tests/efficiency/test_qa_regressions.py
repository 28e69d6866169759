"""QA regressions: a NUL byte in any input is a 400 with a clear message, never a 500
(PostgreSQL cannot store it; psycopg raised ValueError on every filter and form)."""

import json

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/approvals/applications/?status=%00", "/accountability/complaints/?status=%00",
                                 "/inspection/rectifications/?status=%00", "/supervision/?owner=%00"])
def test_a_nul_byte_in_a_page_filter_is_a_bad_request(client, org, url):
    client.force_login(org.office)
    response = client.get(url)
    assert response.status_code == 400
    assert "非法字符" in response.content.decode()


def test_a_nul_byte_in_a_posted_form_is_a_bad_request(client, org):
    client.force_login(org.office)
    assert client.post("/supervision/targets/1/urge/", {"message": "请尽快\x00办理"}).status_code == 400


def test_a_nul_byte_in_an_api_json_body_is_the_api_error_body(client, org):
    client.force_login(org.office)
    response = client.post("/api/v1/supervision/assignments/", data=json.dumps({"title": "a\u0000b"}),
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_ordinary_input_passes_through(client, org):
    client.force_login(org.office)
    assert client.get("/approvals/applications/?status=accepted").status_code == 200


def test_the_security_admin_sees_a_users_unit_as_text_not_a_link_it_cannot_open(client, org):
    client.force_login(org.secadmin)
    html = client.get(f"/admin/efficiency/user/{org.clerk_a.pk}/change/").content.decode()
    assert org.unit_a.name in html
    assert f"/admin/efficiency/unit/{org.unit_a.pk}/change/" not in html
    assert client.get(f"/admin/efficiency/unit/{org.unit_a.pk}/change/").status_code == 403


def test_a_token_request_with_an_overlong_username_is_a_bad_request(client, org):
    """#14 (schemathesis): django-axes logs a failed login's username in a varchar(255); a longer
    one was a DataError, a 500."""
    from axes.models import AccessAttempt

    response = client.post("/api/v1/auth/token/", {"username": "x" * 300, "password": "whatever"},
                           content_type="application/json")
    assert response.status_code == 400
    assert "username" in response.json()["error"]["fields"]
    assert not AccessAttempt.objects.exists()
    response = client.post("/api/v1/auth/token/", {"username": org.clerk_a.username, "password": "wrong"},
                           content_type="application/json")
    assert response.status_code == 400 and AccessAttempt.objects.count() == 1  # a real failure still counts
