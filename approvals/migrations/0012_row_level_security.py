"""Row-level security on approvals's items that carry a unit (issue #18, efficiency/rls.py, docs/rls.md)."""

from django.db import migrations

from efficiency.rls import policies

TABLES = [
    ("approvals_application", {"shared": ("approvals_applicationgroupobjectpermission", "approvals", "application")}),
    ("approvals_reviewstep", {"shared": ("approvals_reviewstepgroupobjectpermission", "approvals", "reviewstep")}),
    ("approvals_ratingfollowup", {"shared": ("approvals_ratingfollowupgroupobjectpermission", "approvals", "ratingfollowup")}),
]
FORWARD, BACKWARD = policies(TABLES)


class Migration(migrations.Migration):

    dependencies = [
        ("approvals", "0011_gaming_evidence"),
        ("efficiency", "0018_row_level_security"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
