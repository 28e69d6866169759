"""Sessions and tokens, tried as an attacker would (issue 14): an expired or revoked API token,
an idle session used through the API, and an old password brought back at the 90-day change."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from efficiency import services
from efficiency.models import ApiToken, AuditLog, PasswordHistory
from efficiency.tokens import token_issue

pytestmark = pytest.mark.django_db
PASSWORD = "Passw0rd!2024"


def _token_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _refused(response, words):
    assert response.status_code == 401, response.content
    assert words in response.json()["error"]["message"]


# --- expiry -----------------------------------------------------------------------------------


def test_a_token_is_refused_from_the_second_it_expires(org):
    issued = timezone.now()
    with time_machine.travel(issued, tick=False):
        token, key = token_issue(actor=org.clerk_a, user=org.clerk_a)
    assert token.expires_at == issued + timedelta(days=30)
    with time_machine.travel(token.expires_at - timedelta(seconds=1), tick=False):
        assert _token_client(key).get("/api/v1/me/").json()["username"] == "clerk_a"
    with time_machine.travel(token.expires_at, tick=False):
        _refused(_token_client(key).get("/api/v1/me/"), "令牌已过期")
    with time_machine.travel(token.expires_at + timedelta(seconds=1), tick=False):
        _refused(_token_client(key).get("/api/v1/me/"), "令牌已过期")


def test_the_token_lifetime_is_the_setting(org, settings):
    settings.API_TOKEN_TTL_DAYS = 7
    response = APIClient().post("/api/v1/auth/token/", {"username": "clerk_a", "password": PASSWORD})
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.expires_at - token.created_at == timedelta(days=7)
    with time_machine.travel(token.expires_at + timedelta(seconds=1), tick=False):
        _refused(_token_client(response.json()["token"]).get("/api/v1/me/"), "令牌已过期")


def test_the_token_endpoint_issues_a_new_token_each_time_and_keeps_only_its_digest(org):
    client = APIClient()
    first = client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": PASSWORD, "name": "同步脚本"})
    second = client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": PASSWORD})
    assert first.status_code == second.status_code == 200
    assert first.json()["token"] != second.json()["token"]
    keys = [first.json()["token"], second.json()["token"]]
    stored = list(ApiToken.objects.filter(user=org.clerk_a).values_list("digest", "prefix", "name"))
    assert len(stored) == 2 and {row[2] for row in stored} == {"同步脚本", ""}
    assert not any(key in (digest, prefix) for key in keys for digest, prefix, _name in stored)
    assert AuditLog.objects.filter(action="create", object_type="efficiency.apitoken", actor=org.clerk_a).count() == 2


def test_an_expired_password_gets_no_token(org):
    changed = org.clerk_a.password_changed_at
    with time_machine.travel(changed + timedelta(days=90, seconds=1), tick=False):
        response = APIClient().post("/api/v1/auth/token/", {"username": "clerk_a", "password": PASSWORD})
    assert response.status_code == 403 and response.json()["error"]["code"] == "password_change_required"
    assert not ApiToken.objects.filter(user=org.clerk_a).exists()


def test_an_unknown_token_is_refused(org):
    _refused(_token_client("0" * 40).get("/api/v1/me/"), "令牌无效")


def test_a_token_of_a_disabled_account_is_refused(org):
    _token, key = token_issue(actor=org.clerk_a, user=org.clerk_a)
    services.user_update(actor=org.sysadmin, user=org.clerk_a, is_active=False)
    _refused(_token_client(key).get("/api/v1/me/"), "账号已停用")


# --- revocation -------------------------------------------------------------------------------


def test_the_owner_revokes_a_token_through_the_api_and_it_is_refused_at_once(org):
    token, key = token_issue(actor=org.clerk_a, user=org.clerk_a)
    spare, spare_key = token_issue(actor=org.clerk_a, user=org.clerk_a)
    owner = _token_client(spare_key)
    response = owner.post(f"/api/v1/auth/tokens/{token.pk}/revoke/")
    assert response.status_code == 200 and response.json()["state"] == "revoked"
    _refused(_token_client(key).get("/api/v1/me/"), "令牌已被撤销")
    token.refresh_from_db()
    assert token.revoked_by == org.clerk_a and token.revoked_at is not None
    assert AuditLog.objects.get(object_type="efficiency.apitoken", object_id=str(token.pk), action="update",
                                summary__startswith="本人撤销").actor == org.clerk_a
    assert owner.get("/api/v1/me/").status_code == 200  # the other token still works


def test_the_owner_lists_their_tokens_without_the_keys(org):
    mine, key = token_issue(actor=org.clerk_a, user=org.clerk_a, name="报表")
    token_issue(actor=org.clerk_b, user=org.clerk_b)
    response = _token_client(key).get("/api/v1/auth/tokens/")
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    assert rows[0]["name"] == "报表" and rows[0]["prefix"] == key[:8] and rows[0]["state"] == "active"
    assert key not in response.content.decode()


def test_the_owner_revokes_a_token_on_the_page(client, org):
    token, key = token_issue(actor=org.clerk_a, user=org.clerk_a)
    client.force_login(org.clerk_a)
    assert token.prefix in client.get("/accounts/tokens/").content.decode()
    assert client.post("/accounts/tokens/", {"revoke": token.pk}).status_code == 302
    _refused(_token_client(key).get("/api/v1/me/"), "令牌已被撤销")
    assert "已撤销" in client.get("/accounts/tokens/").content.decode()


def test_a_token_issued_on_the_page_is_shown_once_and_works(client, org):
    client.force_login(org.clerk_a)
    response = client.post("/accounts/tokens/", {"name": "脚本"})
    key = response.context["issued_key"]
    assert key in response.content.decode()
    assert key not in client.get("/accounts/tokens/").content.decode()
    assert _token_client(key).get("/api/v1/me/").json()["username"] == "clerk_a"


def test_the_security_administrator_sees_and_revokes_anyones_token(client, org):
    token, key = token_issue(actor=org.head_b, user=org.head_b)
    admin_api = APIClient()
    admin_api.force_authenticate(org.secadmin)
    assert token.pk in [row["id"] for row in admin_api.get("/api/v1/auth/tokens/?username=head_b").json()["results"]]
    assert admin_api.post(f"/api/v1/auth/tokens/{token.pk}/revoke/").status_code == 200
    _refused(_token_client(key).get("/api/v1/me/"), "令牌已被撤销")
    row = AuditLog.objects.get(object_type="efficiency.apitoken", object_id=str(token.pk), action="update")
    assert row.actor == org.secadmin and row.summary.startswith("安全管理员撤销") and "head_b" in row.summary
    other, _key = token_issue(actor=org.clerk_b, user=org.clerk_b)
    client.force_login(org.secadmin)
    page = client.get("/accounts/tokens/").content.decode()
    assert "clerk_b" in page and other.prefix in page and token.prefix not in page  # live tokens only
    client.post("/accounts/tokens/", {"revoke": other.pk})
    assert ApiToken.objects.get(pk=other.pk).revoked_by == org.secadmin


@pytest.mark.parametrize("name", ["clerk_b", "head_a", "office", "sysadmin", "auditadmin"])
def test_nobody_else_revokes_a_token(client, org, name):
    token, key = token_issue(actor=org.clerk_a, user=org.clerk_a)
    intruder = getattr(org, name)
    api = APIClient()
    api.force_authenticate(intruder)
    assert api.post(f"/api/v1/auth/tokens/{token.pk}/revoke/").status_code == 404
    assert token.pk not in [row["id"] for row in api.get("/api/v1/auth/tokens/").json()["results"]]
    client.force_login(intruder)
    assert client.post("/accounts/tokens/", {"revoke": token.pk}).status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert _token_client(key).get("/api/v1/me/").status_code == 200
    assert AuditLog.objects.filter(action="denied", actor=intruder, object_id=str(token.pk)).count() == 2


# --- idle sessions through the API ------------------------------------------------------------


def _session_at(client, start):
    with time_machine.travel(start, tick=False):
        client.post("/accounts/login/", {"username": "clerk_a", "password": PASSWORD})
        assert client.get("/api/v1/me/").status_code == 200


def test_an_api_request_on_an_idle_session_is_refused_and_ends_the_session(client, org):
    start = timezone.now()
    _session_at(client, start)
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        assert client.get("/api/v1/me/").status_code == 200  # exactly 30 minutes, and it counts as use
    with time_machine.travel(start + timedelta(minutes=60, seconds=1), tick=False):
        response = client.get("/api/v1/me/")
        assert response.status_code == 401 and response.json()["error"]["code"] == "session_idle"
        assert "长时间未操作" in response.json()["error"]["message"]
        assert AuditLog.objects.filter(action="logout", summary="会话空闲超时", actor=org.clerk_a).exists()
        assert client.get("/api/v1/me/").status_code in (401, 403)  # the session is gone
        assert client.get("/inbox/")["Location"].startswith("/accounts/login/")


def test_an_idle_session_cannot_be_kept_by_adding_a_bad_token(client, org):
    start = timezone.now()
    _session_at(client, start)
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token " + "f" * 40)
        _refused(response, "令牌无效")
        assert client.get("/api/v1/me/").status_code in (401, 403)


def test_a_token_request_is_governed_by_the_token_not_by_the_idle_session(client, org):
    _token, key = token_issue(actor=org.head_a, user=org.head_a)
    start = timezone.now()
    _session_at(client, start)
    with time_machine.travel(start + timedelta(hours=5), tick=False):
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
        assert response.json()["username"] == "head_a"
        assert client.get("/api/v1/me/").status_code in (401, 403)  # clerk_a's idle session ended
        assert _token_client(key).get("/api/v1/me/").status_code == 200


# --- password history -------------------------------------------------------------------------

HISTORY = ["Xinmima#2025a", "Xinmima#2025b", "Xinmima#2025c", "Xinmima#2025d", "Xinmima#2025e"]


def _change(client, old, new):
    return client.post("/accounts/password/", {"old_password": old, "new_password1": new, "new_password2": new})


def test_each_of_the_last_five_passwords_is_refused_at_the_90_day_change(client, org):
    person = org.clerk_a  # created with PASSWORD, then five changes: PASSWORD is now the 6th-oldest
    for new in HISTORY:
        services.user_set_password(actor=person, user=person, password=new)
    assert PasswordHistory.objects.filter(user=person).count() == 5
    person.refresh_from_db()
    with time_machine.travel(person.password_changed_at + timedelta(days=90, seconds=1), tick=False):
        client.force_login(person)
        assert client.get("/")["Location"] == "/accounts/password/?required=1"
        for old in HISTORY:
            response = _change(client, HISTORY[-1], old)
            assert response.status_code == 200, old
            assert "不能与最近 5 次使用过的密码相同" in response.content.decode()
        person.refresh_from_db()
        assert person.check_password(HISTORY[-1])
        assert _change(client, HISTORY[-1], PASSWORD).status_code == 302  # the 6th-oldest is accepted
        assert client.get("/").status_code == 200
    person.refresh_from_db()
    assert person.check_password(PASSWORD)
    stored = list(PasswordHistory.objects.filter(user=person).values_list("password", flat=True))
    assert len(stored) == 5 and stored.count(person.password) == 1
    assert not any(raw in stored for raw in [PASSWORD, *HISTORY])  # hashes, never the passwords


def test_an_account_from_before_the_history_cannot_keep_its_current_password(client, org):
    PasswordHistory.objects.filter(user=org.clerk_a).delete()
    client.force_login(org.clerk_a)
    response = _change(client, PASSWORD, PASSWORD)
    assert response.status_code == 200 and "不能与最近 5 次" in response.content.decode()


# --- a password change ends the tokens ----------------------------------------------------------


def test_changing_the_password_revokes_every_token_issued_under_the_old_one(client, org):
    """A token stolen with the password must not outlive the change meant to stop the thief."""
    _, key_a = token_issue(actor=org.clerk_a, user=org.clerk_a, name="同步脚本")
    _, key_b = token_issue(actor=org.clerk_a, user=org.clerk_a)
    _, other = token_issue(actor=org.clerk_b, user=org.clerk_b)
    assert _token_client(key_a).get("/api/v1/me/").status_code == 200
    client.force_login(org.clerk_a)
    assert _change(client, PASSWORD, "Xinmima#2026z").status_code == 302
    for key in (key_a, key_b):
        _refused(_token_client(key).get("/api/v1/me/"), "令牌已被撤销")
    assert _token_client(other).get("/api/v1/me/").status_code == 200  # another person's token stays
    assert client.get("/").status_code == 200  # the session that changed it stays signed in
    row = AuditLog.objects.filter(object_type="efficiency.user", object_id=str(org.clerk_a.pk)).latest("id")
    assert "撤销其 2 个 API 令牌" in row.summary
    fresh = APIClient().post("/api/v1/auth/token/", {"username": "clerk_a", "password": "Xinmima#2026z"})
    assert _token_client(fresh.json()["token"]).get("/api/v1/me/").status_code == 200


def test_an_administrators_password_reset_also_revokes_the_tokens(org):
    _, key = token_issue(actor=org.clerk_a, user=org.clerk_a)
    services.user_set_password(actor=org.clerk_b, user=org.clerk_a, password="Linshi#2026q", temporary=True)
    _refused(_token_client(key).get("/api/v1/me/"), "令牌已被撤销")
    assert ApiToken.objects.get(user=org.clerk_a).revoked_by == org.clerk_b
