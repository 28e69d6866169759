import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efficiency.settings")

app = Celery("efficiency")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# The worker's database connection lives across tasks as a web process's does across requests:
# Celery's Django fixup would close it before and after every task (settings.CELERY_DB_REUSE_MAX
# turns that off), so the sweep's statements, prepared once per connection (efficiency/pg/
# prepared.py), were prepared again every minute. Django's own rule closes it instead: older than
# CONN_MAX_AGE, or after an error, and a health check before reuse (CONN_HEALTH_CHECKS).
@signals.task_prerun.connect
@signals.task_postrun.connect
def close_old_connections(sender=None, **kwargs):
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # an eager task runs inside its caller's connection and transaction
    from django.db import close_old_connections as close

    close()
