"""Row-level security on the gaming findings (issue #18, efficiency/rls.py, docs/rls.md): a finding
carries the unit it counts against, so it is walled like the items it is about."""

from django.db import migrations

from efficiency.rls import policies

TABLES = [("efficiency_gamingfinding", {})]
FORWARD, BACKWARD = policies(TABLES)


class Migration(migrations.Migration):

    dependencies = [
        ("efficiency", "0018_row_level_security"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
