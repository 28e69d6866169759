"""Writing the audit log (R40: kept at least six months — 184 days, the longest six calendar
months, is the local floor; append-only, enforced by the database against the app's own role)."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.forms.models import model_to_dict

from .checks import AUDIT_RETENTION_MIN_DAYS  # 184: six months whichever they are
from .client import client_ip
from .models import AuditLog


def _jsonable(value):
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, default=str))


def snapshot(obj, fields: list[str] | None = None) -> dict:
    """The object's field values, for the before/after columns."""
    return _jsonable(model_to_dict(obj, fields=fields))


def audit_record(action: str, *, actor=None, obj=None, object_type: str = "", object_id: str = "",
                 summary: str = "", before=None, after=None, request=None, actor_name: str = "") -> AuditLog:
    row = _audit_row(action, actor=actor, obj=obj, object_type=object_type, object_id=object_id, summary=summary,
                     before=before, after=after, request=request, actor_name=actor_name)
    row.save(force_insert=True)
    return row


def audit_records(entries: list[dict]) -> list[AuditLog]:
    """Several audit rows in one INSERT, each entry holding `audit_record`'s arguments: a batch
    handler (a sweep deeming a thousand applications approved) pays one statement."""
    rows = [_audit_row(**entry) for entry in entries]
    if not rows:
        return []
    # One INSERT of column arrays (no per-field preparation of every row, as bulk_create did);
    # `at` is stamped by the database's trigger (migration 0006), as for a single row.
    dumps = json.dumps
    with connection.cursor() as cur:
        cur.execute("""
            INSERT INTO efficiency_auditlog (at, actor_id, actor_name, ip, action, object_type, object_id, summary,
                                             before, after)
            SELECT now(), v.* FROM unnest(%s::bigint[], %s::text[], %s::inet[], %s::text[], %s::text[], %s::text[],
                                          %s::text[], %s::jsonb[], %s::jsonb[]) AS v
            RETURNING id, at""", [
            [r.actor_id for r in rows], [r.actor_name for r in rows], [r.ip for r in rows],
            [r.action for r in rows], [r.object_type for r in rows], [r.object_id for r in rows],
            [r.summary for r in rows], [None if r.before is None else dumps(r.before) for r in rows],
            [None if r.after is None else dumps(r.after) for r in rows]])
        for row, (pk, at) in zip(rows, cur.fetchall()):
            row.pk, row.at = pk, at
            row._state.adding, row._state.db = False, connection.alias
    return rows


def audit_insert_sql(source: str, object_id_sql: str, *, action: str, object_type: str, actor=None,
                     summary: str = "", before=None, after=None, request=None, actor_name: str = "") -> tuple[str, list]:
    """The audit row of a row written in the same statement, as a data-modifying statement for a
    writable CTE (`efficiency.events.write_with`): one row per row of `source`, its object id the
    SQL expression `object_id_sql` over `source`. Same values as `audit_record`."""
    row = _audit_row(action, actor=actor, object_type=object_type, object_id="-", summary=summary, before=before,
                     after=after, request=request, actor_name=actor_name)
    dumps = json.dumps
    return (f"""INSERT INTO efficiency_auditlog (at, actor_id, actor_name, ip, action, object_type, object_id, summary,
                                                 before, after)
                SELECT now(), %s::bigint, %s::text, %s::inet, %s::text, %s::text, left(({object_id_sql})::text, 64),
                       %s::text, %s::jsonb, %s::jsonb FROM {source}""",
            [row.actor_id, row.actor_name, row.ip, row.action, row.object_type, row.summary,
             None if row.before is None else dumps(row.before), None if row.after is None else dumps(row.after)])


def _audit_row(action: str, *, actor=None, obj=None, object_type: str = "", object_id: str = "",
               summary: str = "", before=None, after=None, request=None, actor_name: str = "") -> AuditLog:
    # Every approval action passes through here (行政电子监察; rule: R65 recorded).
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    user = actor if getattr(actor, "pk", None) else None
    return AuditLog(
        actor=user,
        actor_name=actor_name or (user.get_username() if user else ""),
        ip=client_ip(request),
        action=action,
        object_type=object_type[:64],
        object_id=str(object_id)[:64],
        summary=summary[:255],
        before=_jsonable(before),
        after=_jsonable(after),
    )


def audit_purge() -> int:
    """Remove rows older than AUDIT_RETENTION_DAYS, by the database's clock, through the
    SECURITY DEFINER function `efficiency_audit_purge` (migration 0006): the app role itself may
    not delete audit rows. A retention under 184 days is refused, here and in the database."""
    days = settings.AUDIT_RETENTION_DAYS
    if days < AUDIT_RETENTION_MIN_DAYS:
        raise ImproperlyConfigured(
            f"AUDIT_RETENTION_DAYS={days}: audit rows must be kept at least {AUDIT_RETENTION_MIN_DAYS} days (six months)")
    with connection.cursor() as cur:
        cur.execute("SELECT efficiency_audit_purge(%s)", [days])
        return cur.fetchone()[0]


def audit_records_select(action: str, from_sql: str, params: list, **columns) -> int:
    """Audit rows made by one INSERT … SELECT from a query of the caller's (the cases a batch of
    proposals opened; `audit_records_select_sql`'s arguments). Returns the number of rows written."""
    sql, sql_params = audit_records_select_sql(action, from_sql, params, **columns)
    with connection.cursor() as cur:
        cur.execute(sql, sql_params)
        return cur.rowcount


def audit_records_select_sql(action: str, from_sql: str, params: list, *, object_type: str, object_id: str,
                             summary: str, actor_id: str = "NULL", actor_name: str = "''") -> tuple[str, list]:
    """The INSERT … SELECT of `audit_records_select`, for a writable CTE of the caller's (a sweep
    batch deeming a thousand applications approved writes their audit rows in its statement):
    `object_id`, `summary`, `actor_id` and `actor_name` are SQL expressions (no placeholder) over
    `from_sql` (which starts with FROM; its placeholders filled by `params`). `at` is stamped by
    the database's trigger, as for one row."""
    return (f"""
        INSERT INTO efficiency_auditlog (at, actor_id, actor_name, action, object_type, object_id, summary)
        SELECT now(), ({actor_id})::bigint, ({actor_name})::text, %s, %s, left(({object_id})::text, 64),
               left(({summary})::text, 255)
        {from_sql}""", [action, object_type[:64], *params])
