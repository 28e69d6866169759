"""Seed the working-day calendar (chinese-calendar, 2004–2026, then provisional years) and the
time-limit rules; on PostgreSQL, a trigger that refuses UPDATE and DELETE of audit rows
(only rows past the 180-day retention may be deleted)."""

from django.db import migrations

TRIGGER = """
CREATE OR REPLACE FUNCTION efficiency_auditlog_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    -- Only a test database (connections opened with this setting by tests/settings.py) may
    -- empty the table, as the test runner's flush does.
    IF current_setting('efficiency.audit_allow_truncate', true) = 'on' THEN
      RETURN NULL;
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    IF OLD.at < now() - interval '180 days' THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit log is append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER efficiency_auditlog_append_only
  BEFORE UPDATE OR DELETE ON efficiency_auditlog
  FOR EACH ROW EXECUTE FUNCTION efficiency_auditlog_append_only();
CREATE TRIGGER efficiency_auditlog_no_truncate
  BEFORE TRUNCATE ON efficiency_auditlog
  FOR EACH STATEMENT EXECUTE FUNCTION efficiency_auditlog_append_only();
"""
UNTRIGGER = """
DROP TRIGGER IF EXISTS efficiency_auditlog_append_only ON efficiency_auditlog;
DROP TRIGGER IF EXISTS efficiency_auditlog_no_truncate ON efficiency_auditlog;
DROP FUNCTION IF EXISTS efficiency_auditlog_append_only();
"""


def seed(apps, schema_editor):
    from efficiency.calendar import _official_years, provisional_days
    from efficiency.rules_seed import seed_rules

    CalendarDay = apps.get_model("efficiency", "CalendarDay")
    CalendarYear = apps.get_model("efficiency", "CalendarYear")
    CalendarVersion = apps.get_model("efficiency", "CalendarVersion")
    official = _official_years()
    rows = []
    for year, days in sorted(official.items()):
        CalendarYear.objects.update_or_create(year=year, defaults={"source": "official"})
        rows += [CalendarDay(date=d, kind=k, name=n, source="official") for d, (k, n) in days.items()]
    next_year = max(official) + 1
    CalendarYear.objects.update_or_create(year=next_year, defaults={"source": "provisional"})
    rows += [CalendarDay(date=d, kind=k, name=n, source="provisional") for d, (k, n) in provisional_days(next_year).items()]
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    CalendarVersion.objects.update_or_create(pk=1, defaults={"version": 1})
    seed_rules(apps.get_model("efficiency", "TimeLimitRule"))


def trigger(apps, schema_editor):
    schema_editor.execute(TRIGGER)


def untrigger(apps, schema_editor):
    schema_editor.execute(UNTRIGGER)


class Migration(migrations.Migration):
    dependencies = [("efficiency", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(trigger, untrigger),
    ]
