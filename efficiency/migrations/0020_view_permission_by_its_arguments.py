"""`efficiency_view_permission(app, model)` read its arguments by position (efficiency.rls).

0018's version compared `ct.model = model`, which in a SQL function is the column with itself
(a column's name wins over an argument's): the co-unit arm of every policy then checked the
grants against the first `view_` permission of any model of the app (for a complaint,
`view_accountabilitycase`), so under row-level security a unit did not see the complaints,
applications, … shared with it (bench/rls.py: the clerk's list showed 1 row with RLS on, 50 off).
"""

from django.db import migrations

from efficiency.rls import VIEW_PERMISSION_SQL


class Migration(migrations.Migration):
    dependencies = [
        ("efficiency", "0019_gaming_row_level_security"),
    ]

    operations = [migrations.RunSQL(VIEW_PERMISSION_SQL, migrations.RunSQL.noop)]
