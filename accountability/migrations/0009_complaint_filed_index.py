"""The index of Open311's public list of complaints (a window of filing times, the latest first),
built CONCURRENTLY: a large complaint table keeps taking complaints while it is built."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accountability", "0008_complaint_step_due"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="complaint",
            index=models.Index(fields=["-filed_at", "-id"], name="acc_complaint_filed"),
        ),
    ]
