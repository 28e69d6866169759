"""Local defaults labelled (issue 16, deliverable 4; RULES.md "Local defaults — not from the
seeds"): `TimeLimitRule.local_default`, and the existing rows whose number the seeds do not set
lose their seed citation. The codes and texts are written here, not imported, so the migration
means the same thing whatever the seed module says later."""

from django.db import migrations, models

LOCAL_DEFAULT = "本地默认 (种子未规定)"
CODES = [
    "task.node", "task.progress_report", "application.review_step", "rating.callback", "rating.fix",
    "complaint.accept", "complaint.return", "complaint.reply", "complaint.review", "rectification",
    "case.investigation", "case.statement",
]
RENAMED = {"rectification": "整改：督查反馈未设期限时的默认期限"}


def label(apps, schema_editor):
    TimeLimitRule = apps.get_model("efficiency", "TimeLimitRule")
    TimeLimitRule.objects.filter(code__in=CODES).update(local_default=True, source=LOCAL_DEFAULT)
    for code, name in RENAMED.items():
        TimeLimitRule.objects.filter(code=code, name="整改：按督查反馈设定的期限").update(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("efficiency", "0009_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="timelimitrule",
            name="local_default",
            field=models.BooleanField(default=False, help_text="种子文件未规定此时限，由本地设定，可由系统管理员修改。",
                                      verbose_name="本地默认 (种子未规定)"),
        ),
        migrations.RunPython(label, migrations.RunPython.noop),
    ]
