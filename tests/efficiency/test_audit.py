"""The audit log: append-only everywhere, purged only past 180 days (R40), read by the audit
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
    """AuditLog.at is auto_now_add: an old row can only be written in SQL."""
    with connection.cursor() as cur:
        cur.execute("INSERT INTO efficiency_auditlog (at, actor_name, action, object_type, object_id, summary) "
                    "VALUES (%s, '', 'action', '', '', %s)", [at, summary])


def test_purge_removes_only_rows_older_than_180_days(db):  # R40
    now = timezone.now()
    _insert_at(now - timedelta(days=180, seconds=1), "181 天前")
    _insert_at(now - timedelta(days=180) + timedelta(minutes=1), "刚好 180 天内")
    _insert_at(now - timedelta(days=10), "10 天前")
    call_command("purge_audit", "--now", now.isoformat())
    assert set(AuditLog.objects.values_list("summary", flat=True)) == {"刚好 180 天内", "10 天前"}


def test_purge_never_keeps_less_than_180_days_even_if_configured_lower(db, settings):  # R40
    settings.AUDIT_RETENTION_DAYS = 30
    now = timezone.now()
    _insert_at(now - timedelta(days=100), "100 天前")
    call_command("purge_audit", "--now", now.isoformat())
    assert AuditLog.objects.filter(summary="100 天前").exists()


def test_purge_rejects_a_naive_time(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("purge_audit", "--now", "2025-01-01T00:00:00")


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
