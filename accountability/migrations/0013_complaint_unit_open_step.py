"""A unit user's open complaint list led by the unit (docs/rls.md, Cost): the unit's open
complaints in the list's order, so under row-level security the policy is tested on the unit's
rows only. Built CONCURRENTLY (writes go on meanwhile), as 0008's."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accountability", "0012_row_level_security"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="complaint",
            index=models.Index(condition=models.Q(("status__in", ["closed", "declined"]), _negated=True),
                               fields=["unit", "step_due", "-filed_at", "-id"], name="acc_complaint_unit_open_step"),
        ),
    ]
