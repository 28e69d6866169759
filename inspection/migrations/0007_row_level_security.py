"""Row-level security on inspection's items that carry a unit (issue #18, efficiency/rls.py, docs/rls.md)."""

from django.db import migrations

from efficiency.rls import policies

TABLES = [
    ("inspection_visit", {"shared": ("inspection_visitgroupobjectpermission", "inspection", "visit")}),
    ("inspection_finding", {"shared": ("inspection_findinggroupobjectpermission", "inspection", "finding")}),
    ("inspection_rectification", {"shared": ("inspection_rectificationgroupobjectpermission", "inspection", "rectification")}),
]
FORWARD, BACKWARD = policies(TABLES)


class Migration(migrations.Migration):

    dependencies = [
        ("inspection", "0006_visit_research"),
        ("efficiency", "0018_row_level_security"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
