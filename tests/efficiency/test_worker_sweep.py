"""A real Celery worker on Redis runs the beat-scheduled sweep against the test database."""

import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from django.db import connection
from django_celery_beat.models import PeriodicTask

from efficiency import clocks
from efficiency.celery import app as celery_app
from efficiency.clocks import Limit
from efficiency.models import Event, Rung
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_migrate_syncs_the_beat_schedule_into_the_database():
    sweep = PeriodicTask.objects.get(name="sweep")
    assert sweep.task == "efficiency.sweep" and sweep.enabled
    assert (sweep.crontab.minute, sweep.crontab.hour) == ("*", "*")
    assert PeriodicTask.objects.get(name="reminders").crontab.hour == "9"
    assert PeriodicTask.objects.filter(name="notifications fan-out").exists()


def _worker_env() -> dict:
    from tests.embedded import database_url

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": celery_app.conf.broker_url,
    }


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_runs_the_scheduled_sweep(org):
    if not celery_app.conf.broker_url.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL=redis://…")
    item = TimedItem.objects.create(unit=org.unit_a, owner=org.clerk_a, title="已超期的交办件")
    clocks.clock_start(item, actor=org.head_a, limit=Limit(3), start=datetime(2025, 9, 30, 10, tzinfo=SHANGHAI))
    entry = PeriodicTask.objects.get(name="sweep")
    # A connection of its own: earlier tests swap the app's broker and pool for a closed port.
    broker = celery_app.connection_for_write(celery_app.conf.broker_url)
    celery_app.control.purge(connection=broker)  # requests left in the queue by earlier tests
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "efficiency", "worker", "--pool=solo",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT, env=_worker_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        # What beat does when the entry is due: send the task by name, with the entry's args.
        celery_app.send_task(entry.task, kwargs={}, connection=broker)
        deadline = time.monotonic() + 120
        while not Event.objects.filter(kind="clock.breach", subject_id=item.pk).exists():
            try:  # wait on the worker itself: it either keeps running or has died
                worker.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
            assert worker.poll() is None, worker.stdout.read().decode()
            assert time.monotonic() < deadline, "the worker never ran the sweep"
    finally:
        worker.terminate()
        worker.wait(30)
        broker.release()
    item.refresh_from_db()
    assert item.breach_level == Rung.ACCOUNTABILITY  # months overdue: straight to the top rung
    assert Event.objects.filter(kind="clock.breach", subject_id=item.pk).count() == 1
