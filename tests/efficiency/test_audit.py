"""The audit log: append-only everywhere — in the model, and in the database against the app's
own role — purged only past six months (R40; 184 days, the local floor), read by the audit
administrator alone, with filters."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from efficiency.audit import audit_record
from efficiency.models import AppendOnlyError, AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def row(db):
    return audit_record("action", actor_name="someone", summary="原始记录")


def test_a_row_cannot_be_changed_through_the_model(row):
    row.summary = "篡改"
    with pytest.raises(AppendOnlyError):
        row.save()


def test_a_row_cannot_be_deleted_through_the_model(row):
    with pytest.raises(AppendOnlyError):
        row.delete()


def test_rows_cannot_be_updated_or_deleted_through_a_queryset(row):
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=row.pk).update(summary="篡改")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.all().delete()


@pytest.mark.parametrize("sql", [
    "UPDATE efficiency_auditlog SET summary = 'x' WHERE id = %s",
    "DELETE FROM efficiency_auditlog WHERE id = %s",
])
def test_the_database_refuses_raw_sql_changes(row, sql):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [row.pk])
    row.refresh_from_db()
    assert row.summary == "原始记录"


def _insert_at(at, summary):
    """AuditLog.at is set on insert: an old row can only be written in SQL, as the owner (the
    app role's inserts are stamped with the database's time, see below)."""
    with connection.cursor() as cur:
        cur.execute("INSERT INTO efficiency_auditlog (at, actor_name, action, object_type, object_id, summary) "
                    "VALUES (%s, '', 'action', '', '', %s)", [at, summary])


def test_purge_removes_only_rows_older_than_the_retention_period(db):  # R40
    now = timezone.now()
    _insert_at(now - timedelta(days=184, minutes=1), "184 天前")
    _insert_at(now - timedelta(days=184) + timedelta(minutes=1), "刚好 184 天内")
    _insert_at(now - timedelta(days=10), "10 天前")
    call_command("purge_audit")
    assert set(AuditLog.objects.values_list("summary", flat=True)) == {"刚好 184 天内", "10 天前"}


def test_a_retention_under_six_months_is_refused_by_the_purge_and_the_checks(db, settings):  # R40
    from django.core.management.base import CommandError

    from efficiency.checks import audit_retention_check

    settings.AUDIT_RETENTION_DAYS = 183
    _insert_at(timezone.now() - timedelta(days=183, hours=12), "183 天前")
    with pytest.raises(CommandError, match="184"):
        call_command("purge_audit")
    assert AuditLog.objects.filter(summary="183 天前").exists()
    assert [e.id for e in audit_retention_check()] == ["efficiency.E002"]
    settings.AUDIT_RETENTION_DAYS = 184
    assert audit_retention_check() == []


# --- the application's own database role (R40; 等保 2.0 安全审计) ---------------------------------
# The web, worker and beat connect as a role that owns nothing and may only SELECT and INSERT
# audit rows (`manage.py db_roles`). Each test below is an attack by that role, run with
# `SET LOCAL ROLE` inside a savepoint: the suite itself connects as the owner.

APP_ROLE = "efficiency_app"


@pytest.fixture(scope="session")
def app_role(django_db_setup, django_db_blocker):
    from efficiency.management.commands.db_roles import app_role_grants

    with django_db_blocker.unblock():
        app_role_grants(APP_ROLE)
    return APP_ROLE


def _as_app(cur):
    cur.execute(f"SET LOCAL ROLE {APP_ROLE}")


@pytest.mark.parametrize("attack", [
    "UPDATE efficiency_auditlog SET summary = 'x'",
    "DELETE FROM efficiency_auditlog",
    "TRUNCATE efficiency_auditlog",
    "SET LOCAL efficiency.audit_allow_truncate = on; TRUNCATE efficiency_auditlog",
    "ALTER TABLE efficiency_auditlog DISABLE TRIGGER ALL",
    "ALTER TABLE efficiency_auditlog DISABLE TRIGGER efficiency_auditlog_append_only",
    "DROP TRIGGER efficiency_auditlog_append_only ON efficiency_auditlog",
    "SET LOCAL session_replication_role = replica",
    "CREATE OR REPLACE FUNCTION efficiency_auditlog_append_only() RETURNS trigger AS 'BEGIN RETURN OLD; END' "
    "LANGUAGE plpgsql",
    "ALTER TABLE efficiency_auditlog OWNER TO efficiency_app",
    "SELECT efficiency_audit_purge(30)",
    "DELETE FROM django_migrations",
])
def test_the_app_role_cannot_change_or_empty_the_audit_log(app_role, row, attack):  # R40
    _insert_at(timezone.now() - timedelta(days=400), "很久以前")
    before = AuditLog.objects.count()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        _as_app(cur)
        cur.execute(attack)
    assert AuditLog.objects.count() == before
    row.refresh_from_db()
    assert row.summary == "原始记录"


def test_the_app_role_cannot_back_date_a_row(app_role, db):  # R40
    with transaction.atomic(), connection.cursor() as cur:
        _as_app(cur)
        cur.execute("INSERT INTO efficiency_auditlog (at, actor_name, action, object_type, object_id, summary) "
                    "VALUES ('2020-01-01 00:00+08', '', 'action', '', '', '倒签') RETURNING at, now()")
        at, db_now = cur.fetchone()
    assert at == db_now  # the database's time, not the one given


def test_the_app_role_writes_and_reads_the_audit_log_and_purges_only_through_the_function(app_role, db):
    _insert_at(timezone.now() - timedelta(days=185), "185 天前")
    with transaction.atomic(), connection.cursor() as cur:
        _as_app(cur)
        audit_record("action", actor_name="clerk", summary="正常写入")
        assert AuditLog.objects.filter(summary="正常写入").exists()
        call_command("purge_audit")
        cur.execute("SELECT current_user")
        assert cur.fetchone()[0] == APP_ROLE
    assert set(AuditLog.objects.values_list("summary", flat=True)) == {"正常写入"}


def test_the_app_role_owns_nothing_and_has_no_role_attributes(app_role, db):
    with connection.cursor() as cur:
        cur.execute("""
            SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid)
                 + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid)
                 + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid)
                 + (SELECT count(*) FROM pg_database WHERE datdba = r.oid),
                   r.rolsuper OR r.rolcreatedb OR r.rolcreaterole OR r.rolreplication OR r.rolbypassrls
            FROM pg_roles r WHERE r.rolname = %s""", [APP_ROLE])
        assert cur.fetchone() == (0, False)


def test_db_roles_refuses_to_make_the_owner_the_app_role(db):
    from django.core.management.base import CommandError

    with connection.cursor() as cur:
        cur.execute("SELECT current_user")
        me = cur.fetchone()[0]
    with pytest.raises(CommandError, match="its own role"):
        call_command("db_roles", "--app-role", me)


@pytest.mark.parametrize("name", ["clerk_a", "head_a", "office", "leader", "sysadmin", "secadmin"])
def test_nobody_but_the_audit_administrator_sees_the_audit_page(client, org, name):
    client.force_login(getattr(org, name))
    assert client.get("/audit/").status_code == 404


def test_the_audit_page_filters_by_action_actor_type_and_date(client, org):
    audit_record("denied", actor=org.clerk_a, object_type="supervision.task", object_id="7", summary="张经办访问他单位任务")
    audit_record("update", actor=org.office, object_type="supervision.task", object_id="7", summary="修改任务")
    client.force_login(org.auditadmin)
    today = timezone.localdate().isoformat()
    body = client.get("/audit/", {"action": "denied"}).content.decode()
    assert "张经办访问他单位任务" in body and "修改任务" not in body
    body = client.get("/audit/", {"actor": "office"}).content.decode()
    assert "修改任务" in body and "张经办访问他单位任务" not in body
    body = client.get("/audit/", {"object_type": "supervision", "date_from": today, "date_to": today}).content.decode()
    assert "修改任务" in body and "张经办访问他单位任务" in body
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "修改任务" not in client.get("/audit/", {"date_from": tomorrow}).content.decode()


def test_a_reversed_date_range_gets_a_message_not_an_error(client, org):
    client.force_login(org.auditadmin)
    response = client.get("/audit/", {"date_from": "2025-02-01", "date_to": "2025-01-01"})
    assert response.status_code == 200 and "起始日期不能晚于截止日期" in response.content.decode()


def test_a_denied_page_is_audited(client, org):
    client.force_login(org.clerk_a)
    client.get("/audit/")
    assert AuditLog.objects.filter(action="denied", actor=org.clerk_a, object_id="/audit/").exists()


def test_a_403_in_the_admin_is_audited_and_chinese(client, org):
    client.force_login(org.sysadmin)
    response = client.get("/admin/efficiency/auditlog/")
    assert response.status_code == 403 and "无权访问" in response.content.decode()
    assert AuditLog.objects.filter(action="denied", actor=org.sysadmin, object_id="/admin/efficiency/auditlog/").exists()


def test_the_404_page_is_chinese(client, org, settings):
    settings.DEBUG = False
    client.force_login(org.clerk_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()
