"""The complaint's step due time as a column with the list's indexes (issue 17, the complaint list).

`review_due` (the open review's due time, a copy kept by the core's clock hook) is filled in
batches of complaint ids, each batch its own transaction (the migration is not atomic), so a
large table is never locked as a whole by the copy; only complaints with an open review get a
value. `step_due` is a stored generated column: PostgreSQL computes it for every row when it is
added (one rewrite of the table, a few seconds at 1M rows) and in every later statement that
writes the clock or the copy. The indexes are built CONCURRENTLY (writes go on meanwhile).
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models, transaction

BATCH = 10_000


def fill_review_due(apps, schema_editor):
    Complaint = apps.get_model("accountability", "Complaint")
    table = Complaint._meta.db_table
    review = apps.get_model("accountability", "ComplaintReview")._meta.db_table
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"SELECT min(complaint_id), max(complaint_id) FROM {review} WHERE closed_at IS NULL")
        low, high = cur.fetchone()
        if low is None:
            return
        for start in range(low, high + 1, BATCH):
            with transaction.atomic(using=schema_editor.connection.alias):
                cur.execute(f"""UPDATE {table} AS c SET review_due = r.due_at FROM {review} AS r
                                WHERE r.complaint_id = c.id AND r.closed_at IS NULL
                                  AND r.complaint_id >= %s AND r.complaint_id < %s
                                  AND c.review_due IS DISTINCT FROM r.due_at""", [start, start + BATCH])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accountability", "0007_accountability_bodies_r46_signoff"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="review_due",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="审核期限"),
        ),
        migrations.RunPython(fill_review_due, migrations.RunPython.noop, elidable=True),
        migrations.AddField(
            model_name="complaint",
            name="step_due",
            field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(closed_at__isnull=True, then=models.F("due_at")), default=models.F("review_due")), output_field=models.DateTimeField(null=True, verbose_name="当前环节期限")),
        ),
        AddIndexConcurrently(
            model_name="complaint",
            index=models.Index(condition=models.Q(("status__in", ["closed", "declined"]), _negated=True), fields=["step_due", "-filed_at", "-id"], name="acc_complaint_open_step"),
        ),
        AddIndexConcurrently(
            model_name="complaint",
            index=models.Index(fields=["status", "step_due", "-filed_at", "-id"], name="acc_complaint_status_step"),
        ),
        AddIndexConcurrently(
            model_name="complaint",
            index=models.Index(fields=["step_due", "-filed_at", "-id"], name="acc_complaint_step"),
        ),
    ]
