"""Row-level security on accountability's items that carry a unit (issue #18, efficiency/rls.py, docs/rls.md)."""

from django.db import migrations

from efficiency.rls import policies

TABLES = [
    ("accountability_complaint", {"shared": ("accountability_complaintgroupobjectpermission", "accountability", "complaint")}),
    ("accountability_accountabilitycase", {"shared": ("accountability_accountabilitycasegroupobjectpermission", "accountability", "accountabilitycase")}),
]
FORWARD, BACKWARD = policies(TABLES)


class Migration(migrations.Migration):

    dependencies = [
        ("accountability", "0011_complaint_rating_evidence"),
        ("efficiency", "0018_row_level_security"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
