"""Row-level security on supervision's items that carry a unit (issue #18, efficiency/rls.py, docs/rls.md)."""

from django.db import migrations

from efficiency.rls import policies

TABLES = [
    ("supervision_keytask", {"shared": ("supervision_keytaskgroupobjectpermission", "supervision", "keytask")}),
    ("supervision_assignment", {"shared": ("supervision_assignmentgroupobjectpermission", "supervision", "assignment")}),
    ("supervision_keyproject", {"shared": ("supervision_keyprojectgroupobjectpermission", "supervision", "keyproject")}),
    ("supervision_hardproblem", {"shared": ("supervision_hardproblemgroupobjectpermission", "supervision", "hardproblem")}),
    ("supervision_policydocument", {}),
    ("supervision_executionreport", {}),
]
FORWARD, BACKWARD = policies(TABLES)


class Migration(migrations.Migration):

    dependencies = [
        ("supervision", "0011_key_projects_hard_problems"),
        ("efficiency", "0018_row_level_security"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
