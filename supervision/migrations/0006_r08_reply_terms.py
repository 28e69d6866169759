"""R08: the office's reply in the seed's words — 继续执行 / 暂缓执行 / 按新的方法执行.

The stored value "suspend" (labelled 暂停执行) becomes "defer" (暂缓执行); the seeded rule row
`policy_difficulty.reply` gets its name in the same words, unless an administrator renamed it.
"""

from django.db import migrations, models

OLD_NAME = "政策执行困难：效能办明确答复（继续/暂停/新办法）"
NEW_NAME = "政策执行困难：效能办明确答复（继续执行/暂缓执行/按新的方法执行）"


def forward(apps, schema_editor):
    apps.get_model("supervision", "Assignment").objects.filter(reply="suspend").update(reply="defer")
    apps.get_model("efficiency", "TimeLimitRule").objects.filter(
        code="policy_difficulty.reply", name=OLD_NAME).update(name=NEW_NAME)


def backward(apps, schema_editor):
    apps.get_model("supervision", "Assignment").objects.filter(reply="defer").update(reply="suspend")
    apps.get_model("efficiency", "TimeLimitRule").objects.filter(
        code="policy_difficulty.reply", name=NEW_NAME).update(name=OLD_NAME)


class Migration(migrations.Migration):

    dependencies = [
        ("efficiency", "0002_seed_calendar_rules_audit_trigger"),
        ("supervision", "0005_clock_index_from_clock_meta"),
    ]

    operations = [
        migrations.AlterField(
            model_name="assignment",
            name="reply",
            field=models.CharField(blank=True, choices=[("continue", "继续执行"), ("defer", "暂缓执行"),
                                                        ("new_method", "按新的方法执行")],
                                   max_length=12, verbose_name="答复意见"),
        ),
        migrations.RunPython(forward, backward),
    ]
