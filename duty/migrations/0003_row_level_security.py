"""Row-level security on duty's items that carry a unit (issue #18, efficiency/rls.py, docs/rls.md)."""

from django.db import migrations

from efficiency.rls import policies

TABLES = [
    ("duty_dutyshift", {}),
    ("duty_receptionday", {}),
    ("duty_contactpoint", {}),
    ("duty_opinion", {}),
]
FORWARD, BACKWARD = policies(TABLES)


class Migration(migrations.Migration):

    dependencies = [
        ("duty", "0002_post_responsibility"),
        ("efficiency", "0018_row_level_security"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
