"""Accounts to 等保 2.0 level 3: login pages, password policy, forced change, expiry, idle
timeout, lockout, and the audit rows of each."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from efficiency import services
from efficiency.models import AuditLog, Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "Passw0rd!2024"


def _login(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_the_login_page_is_in_chinese(client):
    body = client.get("/accounts/login/").content.decode()
    assert "登录" in body and "用户名" in body and "密码" in body


def test_a_good_login_goes_home_and_is_audited(client, org):
    response = _login(client, "clerk_a")
    assert response.status_code == 302 and response["Location"] == "/"
    row = AuditLog.objects.get(action="login")
    assert row.actor == org.clerk_a and row.ip == "127.0.0.1"


def test_a_failed_login_shows_an_error_and_is_audited(client, org):
    response = _login(client, "clerk_a", "wrong-password")
    assert response.status_code == 200
    assert AuditLog.objects.filter(action="login_failed", actor_name="clerk_a").count() == 1


def test_logout_is_audited(client, org):
    _login(client, "clerk_a")
    client.post("/accounts/logout/")
    assert AuditLog.objects.filter(action="logout", actor=org.clerk_a).exists()
    assert client.get("/inbox/").status_code == 302  # (`/` is the public portal for a visitor)


@pytest.mark.parametrize("password,reason", [
    ("Sh0rt!pw", "too short"),            # 9 characters
    ("alllowercaseletters", "one class"),
    ("lowercase12345", "two classes"),
])
def test_the_password_policy_refuses_weak_passwords(org, password, reason):
    with pytest.raises(ValidationError):
        validate_password(password, org.clerk_a)


def test_the_password_policy_accepts_ten_characters_of_three_classes(org):
    validate_password("Abcdefgh12", org.clerk_a)


def test_the_policy_message_is_chinese(org):
    with pytest.raises(ValidationError) as exc:
        validate_password("alllowercaseletters", org.clerk_a)
    assert any("至少 3 类" in m for m in exc.value.messages)


def test_a_seeded_account_must_change_its_password_at_first_login(client, db):
    services.user_create(actor=None, username="newbie", full_name="新人", role=Role.CLERK,
                         unit=make_user(Role.CLERK).unit, password=PASSWORD)  # must_change_password by default
    _login(client, "newbie")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/password/")
    assert "首次登录" in client.get("/accounts/password/").content.decode()


def test_changing_the_password_clears_the_flag_and_restarts_the_period(client, db):
    person = services.user_create(actor=None, username="newbie", full_name="新人", role=Role.CLERK,
                                  unit=make_user(Role.CLERK).unit, password=PASSWORD)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _login(client, "newbie")
    later = start + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        response = client.post("/accounts/password/", {
            "old_password": PASSWORD, "new_password1": "Xinmima#2025a", "new_password2": "Xinmima#2025a"})
        assert response.status_code == 302
        assert client.get("/").status_code == 200  # still logged in, no more redirect
    person.refresh_from_db()
    assert not person.must_change_password and person.password_changed_at == later
    assert person.check_password("Xinmima#2025a")
    assert AuditLog.objects.filter(action="update", object_id=str(person.pk), summary__contains="修改密码").exists()


def test_a_weak_new_password_is_refused_with_a_message(client, org):
    _login(client, "clerk_a")
    response = client.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": "lowercase12345", "new_password2": "lowercase12345"})
    assert response.status_code == 200
    assert "至少 3 类" in response.content.decode()


def test_the_password_expires_after_90_days(client, org):
    changed = org.clerk_a.password_changed_at
    with time_machine.travel(changed + timedelta(days=90) - timedelta(seconds=1), tick=False):
        client.force_login(org.clerk_a)
        assert client.get("/").status_code == 200
    with time_machine.travel(changed + timedelta(days=90, seconds=1), tick=False):
        client.force_login(org.clerk_a)  # the idle timeout would log us out first
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == "/accounts/password/?required=1"
        assert "已过期" in client.get(response["Location"]).content.decode()


def test_an_idle_session_ends_after_30_minutes(client, org):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _login(client, "clerk_a")
        assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        assert client.get("/").status_code == 200  # exactly 30 minutes: still in
    with time_machine.travel(start + timedelta(minutes=60, seconds=1), tick=False):
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == "/accounts/login/?timeout=1"
        assert AuditLog.objects.filter(action="logout", summary="会话空闲超时").exists()
        assert "长时间未操作" in client.get(response["Location"]).content.decode()
        assert client.get("/inbox/").status_code == 302


def test_the_polled_unread_count_does_not_keep_an_idle_session_alive(client, org):
    """The top bar polls its unread count every minute; that is not the person working, so the
    session still ends 30 minutes after the last real request, and the poll is told to send
    the page to the login page (HX-Redirect), not to swap the login form into the badge."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _login(client, "clerk_a")
        page = client.get("/").content.decode()
        assert 'id="unread-badge"' in page and 'hx-trigger="every 60s"' in page
    for minute in range(1, 31):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            badge = client.get("/inbox/badge/", headers={"HX-Request": "true"})
            assert badge.status_code == 200 and 'id="unread-badge"' in badge.content.decode()
    with time_machine.travel(start + timedelta(minutes=30, seconds=1), tick=False):
        gone = client.get("/inbox/badge/", headers={"HX-Request": "true"})
        assert gone.status_code == 204 and gone["HX-Redirect"] == "/accounts/login/?timeout=1"
        assert client.get("/inbox/").status_code == 302


def test_the_unread_badge_counts_the_persons_own_unread_inbox_only(client, org):
    from efficiency.events import event_emit
    from efficiency.notifications import notifications_fan_out

    event_emit("test.notice", subject=org.clerk_a, actor=None, recipients=[f"user:{org.clerk_a.pk}"], message="x")
    event_emit("test.notice", subject=org.clerk_b, actor=None, recipients=[f"user:{org.clerk_b.pk}"], message="y")
    notifications_fan_out()
    client.force_login(org.clerk_a)
    assert '<span class="badge" id="unread-count">1</span>' in client.get("/inbox/badge/").content.decode()
    client.post("/inbox/read/")
    assert 'id="unread-count"' not in client.get("/inbox/badge/").content.decode()
    client.logout()
    anonymous = client.get("/inbox/badge/", headers={"HX-Request": "true"})
    assert anonymous.status_code == 204 and anonymous["HX-Redirect"] == "/accounts/login/"


def test_five_failed_logins_lock_the_account_for_30_minutes(client, org):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _login(client, "clerk_a", "wrong-password")
        response = _login(client, "clerk_a")  # even the right password
        assert response.status_code == 429  # axes: Too Many Requests
        body = response.content.decode()
        assert "账号已锁定" in body and "30 分钟" in body
        assert AuditLog.objects.filter(action="lockout", actor_name="clerk_a").exists()
        assert services.user_is_locked(org.clerk_a)
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert services.user_is_locked(org.clerk_a)
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert _login(client, "clerk_a").status_code == 302


def test_four_failures_do_not_lock(client, org):
    for _ in range(4):
        _login(client, "clerk_a", "wrong-password")
    assert _login(client, "clerk_a").status_code == 302


def test_the_lockout_is_per_account_not_per_office(client, org):
    for _ in range(5):
        _login(client, "clerk_a", "wrong-password")
    assert _login(client, "head_a").status_code == 302  # same address, other account


def test_the_security_administrator_unlocks_an_account(client, org):
    for _ in range(5):
        _login(client, "clerk_a", "wrong-password")
    client.force_login(org.secadmin)
    page = client.get("/accounts/security/").content.decode()
    assert "clerk_a" in page and "连续登录失败锁定次数" in page
    client.post("/accounts/security/", {"user": org.clerk_a.pk})
    assert not services.user_is_locked(org.clerk_a)
    assert AuditLog.objects.filter(action="action", summary__contains="解除账号 clerk_a").exists()
    client.logout()
    assert _login(client, "clerk_a").status_code == 302


@pytest.mark.parametrize("name", ["clerk_a", "office", "sysadmin", "auditadmin"])
def test_only_the_security_administrator_sees_the_security_page(client, org, name):
    client.force_login(getattr(org, name))
    assert client.get("/accounts/security/").status_code == 404
    assert AuditLog.objects.filter(action="denied", actor=getattr(org, name)).exists()


def test_the_api_token_endpoint_gives_a_token_and_counts_failures(client, org):
    response = client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": PASSWORD})
    assert response.status_code == 200 and len(response.json()["token"]) == 40
    bad = client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": "nope"})
    assert bad.status_code == 400 and "error" in bad.json()
    assert AuditLog.objects.filter(action="login_failed", actor_name="clerk_a").exists()


def test_a_user_who_must_change_the_password_cannot_post_elsewhere(client, db):
    services.user_create(actor=None, username="newbie", full_name="新人", role=Role.CLERK,
                         unit=make_user(Role.CLERK).unit, password=PASSWORD)
    _login(client, "newbie")
    response = client.post("/inbox/read/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/password/")


def test_unlocking_a_bad_user_id_is_not_found_not_an_error(client, org):
    client.force_login(org.secadmin)
    assert client.post("/accounts/security/", {"user": "abc"}).status_code == 404


def test_a_locked_account_gets_the_api_error_body_on_the_token_endpoint(client, org):
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": "wrong-password"})
    response = client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": "Passw0rd!2024"})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked_out"
    assert "锁定" in response.json()["error"]["message"]
