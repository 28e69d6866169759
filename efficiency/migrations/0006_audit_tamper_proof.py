"""The audit log tamper-proof against the application's own database role (R40; 等保 2.0).

- TRUNCATE only by a member of the table's owner with `efficiency.audit_allow_truncate` on (the
  test runner's flush, as the owner); the app role has no TRUNCATE privilege anyway.
- DELETE only of rows older than 184 days (the longest six calendar months: 网络安全法 §21 keeps
  network logs "不少于六个月"; 184 is the local floor that satisfies it whatever the month).
- INSERT by anyone but the owner gets `at = now()`: a row cannot be back-dated.
- `efficiency_audit_purge(days)`: the one way old rows leave, SECURITY DEFINER (runs as the owner),
  refuses fewer than 184 days, uses the database's clock. `manage.py db_roles` grants it to the
  app role, which has only SELECT and INSERT on the table.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION efficiency_auditlog_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    IF current_setting('efficiency.audit_allow_truncate', true) = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
      RETURN NULL;
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    IF OLD.at < now() - interval '184 days' THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit log is append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION efficiency_auditlog_stamp() RETURNS trigger AS $$
BEGIN
  IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
    NEW.at := now();
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS efficiency_auditlog_stamp ON efficiency_auditlog;
CREATE TRIGGER efficiency_auditlog_stamp
  BEFORE INSERT ON efficiency_auditlog
  FOR EACH ROW EXECUTE FUNCTION efficiency_auditlog_stamp();

CREATE OR REPLACE FUNCTION efficiency_audit_purge(retention_days integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  purged bigint;
BEGIN
  IF retention_days IS NULL OR retention_days < 184 THEN
    RAISE EXCEPTION 'audit retention must be at least 184 days (six months), got %%', retention_days;
  END IF;
  DELETE FROM public.efficiency_auditlog WHERE at < now() - make_interval(days => retention_days);
  GET DIAGNOSTICS purged = ROW_COUNT;
  RETURN purged;
END;
$$;
REVOKE ALL ON FUNCTION efficiency_audit_purge(integer) FROM PUBLIC;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS efficiency_audit_purge(integer);
DROP TRIGGER IF EXISTS efficiency_auditlog_stamp ON efficiency_auditlog;
DROP FUNCTION IF EXISTS efficiency_auditlog_stamp();
"""


def forward(apps, schema_editor):
    schema_editor.execute(FORWARD)  # with params: `%%` is a literal % for RAISE, as in 0002


def backward(apps, schema_editor):
    schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("efficiency", "0005_clock_event_unit_unindexed")]

    operations = [migrations.RunPython(forward, backward)]
