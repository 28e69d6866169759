"""The app's own time-limit rules (accountability/rules.py): `complaint.review` (3 wd) and
`case.statement` (5 wd), created if missing so the administrator sees them in the rules table;
the services get-or-create them too, so they exist even where only the core's rules were put
back."""

from django.db import migrations


def seed(apps, schema_editor):
    from accountability.rules import seed as seed_rules

    seed_rules(apps.get_model("efficiency", "TimeLimitRule"))


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0003_review_and_statement_clocks"),
        ("efficiency", "0002_seed_calendar_rules_audit_trigger"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
