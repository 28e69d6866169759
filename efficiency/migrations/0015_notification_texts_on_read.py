"""Issue 17: deliveries are rendered from their event when read (`Notification.title` and friends
are properties over `stored_*`, the same columns), and lose their database foreign keys and the two
indexes that duplicated the first column of another index."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("efficiency", "0014_export_jobs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The columns keep their names (db_column): a rename in the model's state only.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField("notification", "title", "stored_title"),
                migrations.RenameField("notification", "body", "stored_body"),
                migrations.RenameField("notification", "link", "stored_link"),
                migrations.AlterField("notification", "stored_title",
                                      models.CharField(blank=True, db_column="title", max_length=200,
                                                       verbose_name="标题")),
                migrations.AlterField("notification", "stored_body",
                                      models.TextField(blank=True, db_column="body", verbose_name="内容")),
                migrations.AlterField("notification", "stored_link",
                                      models.CharField(blank=True, db_column="link", max_length=255,
                                                       verbose_name="链接")),
            ],
            database_operations=[],
        ),
        migrations.AlterField(
            "notification", "event",
            models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT,
                              related_name="notifications", to="efficiency.event"),
        ),
        migrations.AlterField(
            "notification", "user",
            models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                              on_delete=django.db.models.deletion.CASCADE, related_name="notifications",
                              to=settings.AUTH_USER_MODEL),
        ),
    ]
