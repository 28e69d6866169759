"""三员分立 as 等保 2.0 level 3 means it (ADR 0006), tried as the attacker would: each crossing
through the admin site, the service and the API is refused with a message and leaves an audit
row; the valid path still works."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from efficiency import permissions, services
from efficiency.models import ADMIN_ROLES, AuditLog, Role, User
from tests.permission_matrix import ROLES, assert_matrix, client_for_org

pytestmark = pytest.mark.django_db

PASSWORD = "Chushi#2025a"


def _denied(actor, **kw):
    return AuditLog.objects.filter(action="denied", actor=actor, summary__startswith="三员分立拒绝", **kw)


def _add_form(unit, **over):
    data = {"username": "xinren", "full_name": "新人", "unit": unit.pk, "section": "", "post": "科员",
            "phone": "", "email": "", "password1": PASSWORD, "password2": PASSWORD}
    return {**data, **over}


def _sysadmin_form(person, **over):
    data = {"full_name": person.full_name, "unit": person.unit_id or "", "section": "", "post": "",
            "phone": "", "email": person.email, "is_active": "on"}
    return {**data, **over}


def _patch(client, person, **data):
    return client.patch(f"/api/v1/accounts/{person.pk}/", json.dumps(data), content_type="application/json")


# --- the system administrator grants nothing ---------------------------------------------------


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_the_system_administrator_cannot_create_an_administrator_in_the_admin(client, org, role):
    client.force_login(org.sysadmin)
    response = client.post("/admin/efficiency/user/add/", _add_form(org.unit_a, role=role))
    assert response.status_code == 200 and "没有角色（待授权）" in response.content.decode()
    assert not User.objects.filter(username="xinren").exists()
    assert _denied(org.sysadmin).get().after == {"attempted": {"role": role}}


def test_the_system_administrator_cannot_create_an_audit_administrator_through_the_api(client, org):
    client.force_login(org.sysadmin)
    response = client.post("/api/v1/accounts/", {"username": "xinren", "full_name": "新人", "unit": org.unit_a.pk,
                                                 "password": PASSWORD, "role": Role.AUDIT_ADMIN})
    assert response.status_code == 403 and response.json()["error"]["code"] == "role_separation"
    assert "待授权" in response.json()["error"]["message"]
    assert not User.objects.filter(username="xinren").exists() and _denied(org.sysadmin).exists()


def test_a_new_account_is_pending_and_sees_nothing_until_the_security_administrator_grants_a_role(client, org):
    client.force_login(org.sysadmin)
    response = client.post("/api/v1/accounts/", {"username": "xinren", "full_name": "新人", "unit": org.unit_a.pk,
                                                 "password": PASSWORD})
    assert response.status_code == 201 and response.json()["role"] == Role.PENDING
    person = User.objects.get(username="xinren")
    assert person.must_change_password and not person.groups.exists()
    assert not permissions.scope(person, User.objects.all(), unit_field="unit").exists()
    User.objects.filter(pk=person.pk).update(must_change_password=False)  # past the first-login change
    client.force_login(person)
    assert client.get(f"/org/units/{org.unit_a.pk}/").status_code == 404
    assert "尚未授权" in client.get("/").content.decode()

    services.user_update(actor=org.secadmin, user=person, role=Role.CLERK)
    assert person.groups.filter(pk=org.unit_a.group_id).exists()
    assert client.get(f"/org/units/{org.unit_a.pk}/").status_code == 200


def test_the_system_administrator_cannot_grant_a_role_in_the_admin(client, org):
    client.force_login(org.sysadmin)
    response = client.post(f"/admin/efficiency/user/{org.clerk_a.pk}/change/", _sysadmin_form(org.clerk_a, role=Role.HEAD))
    assert response.status_code == 200 and "只有安全管理员可以授予" in response.content.decode()
    org.clerk_a.refresh_from_db()
    assert org.clerk_a.role == Role.CLERK
    assert _denied(org.sysadmin, object_id=str(org.clerk_a.pk)).get().after == {"attempted": {"role": "head"}}


@pytest.mark.parametrize("target,role", [("clerk_a", Role.LEADER), ("head_b", Role.CLERK), ("office", Role.PENDING),
                                         ("clerk_a", Role.AUDIT_ADMIN)])
def test_the_system_administrator_cannot_edit_anyones_role(org, target, role):
    person = getattr(org, target)
    before = person.role
    with pytest.raises(services.RoleSeparationError):
        services.user_update(actor=org.sysadmin, user=person, role=role)
    assert User.objects.get(pk=person.pk).role == before
    assert _denied(org.sysadmin, object_id=str(person.pk)).exists()


def test_the_system_administrator_cannot_grant_a_role_through_the_api(client, org):
    client.force_login(org.sysadmin)
    response = _patch(client, org.clerk_a, role=Role.OFFICE)
    assert response.status_code == 403 and "只有安全管理员" in response.json()["error"]["message"]
    org.clerk_a.refresh_from_db()
    assert org.clerk_a.role == Role.CLERK and _denied(org.sysadmin).exists()


def test_moving_a_person_to_another_unit_takes_the_business_role_back(org):
    services.user_update(actor=org.sysadmin, user=org.clerk_a, unit=org.unit_b)
    org.clerk_a.refresh_from_db()
    assert org.clerk_a.role == Role.PENDING and not org.clerk_a.groups.exists()
    row = AuditLog.objects.filter(action="update", object_id=str(org.clerk_a.pk)).latest("id")
    assert row.before["role"] == "clerk" and row.after["role"] == "pending" and "收回" in row.summary


@pytest.mark.parametrize("target", ["secadmin", "auditadmin"])
def test_the_system_administrator_cannot_disable_another_administrator(client, org, target):
    person = getattr(org, target)
    client.force_login(org.sysadmin)
    response = client.post("/admin/efficiency/user/", {"action": "deactivate", "_selected_action": [person.pk]},
                           follow=True)
    assert "服务器上用管理命令维护" in response.content.decode()
    person.refresh_from_db()
    assert person.is_active and _denied(org.sysadmin, object_id=str(person.pk)).exists()


def test_the_system_administrator_still_disables_a_business_account(client, org):
    client.force_login(org.sysadmin)
    client.post("/admin/efficiency/user/", {"action": "deactivate", "_selected_action": [org.clerk_a.pk]})
    org.clerk_a.refresh_from_db()
    assert not org.clerk_a.is_active


# --- the security administrator creates nothing and makes no administrator ---------------------


def test_the_security_administrator_cannot_create_an_account_in_the_admin(client, org):
    client.force_login(org.secadmin)
    response = client.post("/admin/efficiency/user/add/", _add_form(org.unit_a))
    assert response.status_code == 403 and not User.objects.filter(username="xinren").exists()
    assert AuditLog.objects.filter(action="denied", actor=org.secadmin, object_id="/admin/efficiency/user/add/").exists()


def test_the_security_administrator_cannot_create_an_account_through_the_api(client, org):
    client.force_login(org.secadmin)
    response = client.post("/api/v1/accounts/", {"username": "xinren", "full_name": "新人", "unit": org.unit_a.pk,
                                                 "password": PASSWORD})
    assert response.status_code == 403 and "只有系统管理员可以创建账号" in response.json()["error"]["message"]
    assert not User.objects.filter(username="xinren").exists() and _denied(org.secadmin).exists()


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_the_security_administrator_cannot_make_anyone_an_administrator_in_the_admin(client, org, role):
    client.force_login(org.secadmin)
    response = client.post(f"/admin/efficiency/user/{org.clerk_a.pk}/change/", {"role": role})
    assert response.status_code == 200 and "create_admins" in response.content.decode()
    org.clerk_a.refresh_from_db()
    assert org.clerk_a.role == Role.CLERK and not org.clerk_a.is_staff
    assert _denied(org.secadmin, object_id=str(org.clerk_a.pk)).exists()


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_the_security_administrator_cannot_make_anyone_an_administrator_through_the_api(client, org, role):
    client.force_login(org.secadmin)
    response = _patch(client, org.office, role=role)
    assert response.status_code == 403 and "create_admins" in response.json()["error"]["message"]
    org.office.refresh_from_db()
    assert org.office.role == Role.OFFICE and _denied(org.secadmin, object_id=str(org.office.pk)).exists()


@pytest.mark.parametrize("role", [Role.CLERK, Role.OFFICE, Role.SYSTEM_ADMIN, Role.PENDING])
def test_the_security_administrator_cannot_grant_itself_anything(client, org, role):
    client.force_login(org.secadmin)
    response = client.post(f"/admin/efficiency/user/{org.secadmin.pk}/change/", {"role": role})
    assert response.status_code == 200
    assert _patch(client, org.secadmin, role=role).status_code == 403
    org.secadmin.refresh_from_db()
    assert org.secadmin.role == Role.SECURITY_ADMIN and _denied(org.secadmin, object_id=str(org.secadmin.pk)).count() == 2


@pytest.mark.parametrize("target", ["sysadmin", "auditadmin"])
def test_an_administrator_of_the_three_cannot_be_given_a_business_role(client, org, target):
    person = getattr(org, target)
    client.force_login(org.secadmin)
    response = _patch(client, person, role=Role.OFFICE)
    assert response.status_code == 403 and "不能被授予业务角色" in response.json()["error"]["message"]
    person.refresh_from_db()
    assert person.role == target and _denied(org.secadmin, object_id=str(person.pk)).exists()


def test_the_security_administrator_cannot_edit_an_accounts_facts_or_disable_it(client, org):
    client.force_login(org.secadmin)
    response = _patch(client, org.clerk_a, unit=org.unit_b.pk, is_active=False)
    assert response.status_code == 403 and "只有系统管理员" in response.json()["error"]["message"]
    org.clerk_a.refresh_from_db()
    assert org.clerk_a.unit == org.unit_a and org.clerk_a.is_active


def test_the_security_administrator_grants_a_business_role_through_the_api(client, org):
    client.force_login(org.secadmin)
    response = _patch(client, org.clerk_a, role=Role.HEAD)
    assert response.status_code == 200 and response.json()["role"] == Role.HEAD
    assert AuditLog.objects.filter(action="update", actor=org.secadmin, summary__contains="授予").exists()


# --- nobody changes their own role -------------------------------------------------------------


@pytest.mark.parametrize("name", ROLES)
def test_nobody_changes_their_own_role(client, org, name):
    person = getattr(org, name)
    client.force_login(person)
    wanted = Role.OFFICE if person.role != Role.OFFICE else Role.LEADER
    response = _patch(client, person, role=wanted)
    assert response.status_code == 403 and response.json()["error"]["message"]
    person.refresh_from_db()
    assert person.role != wanted and _denied(person, object_id=str(person.pk)).exists()


def test_the_refusal_reads_in_english_for_an_english_reader(client, org):
    client.force_login(org.clerk_a)
    response = client.patch(f"/api/v1/accounts/{org.clerk_a.pk}/", json.dumps({"role": "office"}),
                            content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403 and "your own" in response.json()["error"]["message"]
    assert "不能给自己授予" in _denied(org.clerk_a).get().summary  # the audit log stays in Chinese


def test_the_account_api_matrix(org):
    """Who may create an account and who may grant a role, over the API: one person each."""
    client_for = client_for_org(org)
    create = {"username": "matrix", "full_name": "新人", "unit": org.unit_a.pk, "password": PASSWORD}
    expected = {name: {"new": 403} for name in ROLES if name != "sysadmin"} | {"sysadmin": {"new": 201}}
    assert_matrix(client_for, lambda item: "/api/v1/accounts/", {"new": None}, expected, method="post", data=create)
    expected = {name: {"clerk_b": 403} for name in ROLES if name != "secadmin"} | {"secadmin": {"clerk_b": 200}}
    assert_matrix(client_for, lambda item: f"/api/v1/accounts/{item.pk}/", {"clerk_b": org.clerk_b}, expected,
                  method="patch", data=json.dumps({"role": "head"}), content_type="application/json")
    assert _denied(None).count() == 0
    assert AuditLog.objects.filter(action="denied", summary__startswith="三员分立拒绝").count() == 2 * (len(ROLES) - 1)


# --- the three are made at installation, once ---------------------------------------------------


def test_create_admins_makes_the_three_once_with_temporary_passwords(db):
    out = io.StringIO()
    call_command("create_admins", "--auditadmin", "shenji", stdout=out)
    people = {u.role: u for u in User.objects.filter(role__in=ADMIN_ROLES)}
    assert set(people) == set(ADMIN_ROLES) and people[Role.AUDIT_ADMIN].username == "shenji"
    assert all(u.is_staff and u.must_change_password and not u.is_superuser for u in people.values())
    assert AuditLog.objects.filter(action="create", actor_name="installation").count() == 3
    with pytest.raises(CommandError, match="只在安装时运行一次"):
        call_command("create_admins", "--sysadmin", "other", "--secadmin", "other2", "--auditadmin", "other3")
    assert User.objects.filter(role__in=ADMIN_ROLES).count() == 3


def test_create_admins_refuses_when_any_administrator_exists(org):
    with pytest.raises(CommandError):
        call_command("create_admins", "--sysadmin", "a1", "--secadmin", "a2", "--auditadmin", "a3")
    assert not User.objects.filter(username__in=["a1", "a2", "a3"]).exists()


def test_no_service_makes_an_administrator_outside_the_installation(org):
    with pytest.raises(services.RoleSeparationError):
        services.user_create(actor=org.sysadmin, username="x", full_name="x", unit=org.unit_a, role=Role.SYSTEM_ADMIN)
    with pytest.raises(services.RoleSeparationError):  # even from code, without a person
        services.user_create(actor=None, username="x", full_name="x", unit=org.unit_a, role=Role.AUDIT_ADMIN)
    with pytest.raises(services.RoleSeparationError):  # one of each
        services.administrator_install(role=Role.SECURITY_ADMIN, username="x", full_name="x", password=PASSWORD)


# --- one of the three leaves: a console task, audited --------------------------------------------


def test_replace_admin_disables_the_holder_and_installs_a_new_account_in_one_step(client, org):
    from efficiency.tokens import token_issue

    old = org.secadmin
    _, key = token_issue(actor=old, user=old)
    out = io.StringIO()
    call_command("replace_admin", "--role", "secadmin", "--username", "anquan2", "--name", "新安全管理员",
                 "--reason", "原安全管理员调任", stdout=out)
    old.refresh_from_db()
    new = User.objects.get(username="anquan2")
    assert (old.role, old.is_active, old.is_staff) == (Role.SECURITY_ADMIN, False, False)  # a former holder
    assert (new.role, new.is_active, new.is_staff, new.must_change_password) == (Role.SECURITY_ADMIN, True, True, True)
    assert User.objects.filter(role=Role.SECURITY_ADMIN, is_active=True).get() == new
    assert "anquan2" in out.getvalue() and "初始密码只显示这一次" in out.getvalue()
    rows = AuditLog.objects.filter(object_type="efficiency.user")
    assert rows.filter(object_id=str(old.pk), actor_name="console", summary__contains="原安全管理员调任").exists()
    assert rows.filter(object_id=str(new.pk), action="create", actor_name="installation").exists()
    client.force_login(old)  # the old holder is out at once: no page, no token
    assert client.get("/api/v1/me/").status_code in (401, 403)
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize("args, words", [
    (["--role", "secadmin", "--username", "clerk_a", "--name", "x", "--reason", "r"], "不能由现有账号兼任"),
    (["--role", "auditadmin", "--username", "fresh", "--name", "x", "--reason", "  "], "须写明更换管理员的原因"),
])
def test_replace_admin_refuses_an_existing_account_or_no_reason(org, args, words):
    with pytest.raises(CommandError, match=words):
        call_command("replace_admin", *args)
    assert User.objects.filter(role__in=ADMIN_ROLES, is_active=True).count() == 3
    assert not User.objects.filter(username="fresh").exists()
    org.clerk_a.refresh_from_db()
    assert org.clerk_a.role not in ADMIN_ROLES
