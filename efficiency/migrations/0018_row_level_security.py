"""Row-level security's SQL functions (issue #18, efficiency/rls.py, docs/rls.md); each app's
migration puts the policy on its tables."""

from django.db import migrations

from efficiency.rls import DROP_FUNCTIONS_SQL, FUNCTIONS_SQL


class Migration(migrations.Migration):

    dependencies = [
        ("efficiency", "0017_gaming"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunSQL(FUNCTIONS_SQL, DROP_FUNCTIONS_SQL)]
