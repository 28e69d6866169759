"""Row-level security on the test clock model, as on the apps' items (efficiency/rls.py)."""

from django.db import migrations

from efficiency.rls import policies

FORWARD, BACKWARD = policies([
    ("clocktest_timeditem", {"shared": ("clocktest_timeditemgroupobjectpermission", "clocktest", "timeditem")}),
])


class Migration(migrations.Migration):

    dependencies = [
        ("clocktest", "0004_clock_prev_level"),
        ("efficiency", "0018_row_level_security"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
