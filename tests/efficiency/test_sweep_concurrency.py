"""Exactly once on PostgreSQL: concurrent sweeps, a sweep killed mid-batch, and the fan-out."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection, connections
from django.db.models import Count

from efficiency import clocks, registry
from efficiency.clocks import Limit
from efficiency.models import Event, Notification
from efficiency.notifications import notifications_fan_out
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2025, 9, 1, 9, tzinfo=SHANGHAI)

pytestmark = pytest.mark.django_db(transaction=True)


def make_items(org, n: int) -> list[TimedItem]:
    """N clocks of 3 working days from START, built in memory and inserted at once."""
    items = []
    for i in range(n):
        item = TimedItem(unit=org.unit_a, owner=org.clerk_a, title=f"事项{i}")
        clocks.clock_start(item, actor=None, limit=Limit(3), start=START, save=False)
        items.append(item)
    return TimedItem.objects.bulk_create(items)


def in_threads(fn, n=2):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def breaches_per_item_and_rung():
    return list(Event.objects.filter(kind="clock.breach").values("subject_id", "level_to")
                .annotate(n=Count("id")).filter(n__gt=1))


def test_two_concurrent_sweeps_make_each_transition_once(org):
    items = make_items(org, 300)
    first = items[0]
    moments = [first.warn_at, first.due_at, first.red_at, first.notice_at, first.escalate_at]
    total = 0
    for moment in moments:
        counts = in_threads(lambda m=moment: sweep(now=m, batch=25)["clocktest.timeditem"])
        total += sum(counts)
    assert total == 300 * 5
    assert Event.objects.filter(kind="clock.breach").count() == 300 * 5
    assert breaches_per_item_and_rung() == []
    assert set(TimedItem.objects.values_list("breach_level", flat=True)) == {5}


def test_two_concurrent_fan_outs_write_each_notification_once(org):
    make_items(org, 100)
    sweep(now=START + timedelta(days=40))
    in_threads(notifications_fan_out)
    # A jump 0 → 问责建议 tells everyone of every rung crossed: owner, head, office, leader; inbox +
    # email. (Other apps' subscribers may add events of their own; count the sweep's.)
    assert Notification.objects.filter(event__kind="clock.breach").count() == 100 * 4 * 2
    assert not Event.objects.filter(fanned_out=False).exists()


def test_a_sweep_failing_after_its_update_leaves_nothing_and_the_rerun_misses_nothing(org):
    make_items(org, 60)
    calls = []

    def crash(model, transitions):
        calls.append(len(transitions))
        if len(calls) == 2:
            raise RuntimeError("worker lost")  # after the second batch's UPDATE and INSERT

    registry.register_clock_model(TimedItem, on_breach=crash)
    try:
        with pytest.raises(RuntimeError):
            sweep(now=START + timedelta(days=40), batch=20)
    finally:
        registry.clock_model("clocktest.timeditem").on_breach.remove(crash)
    # The first batch committed (a batch is about `batch` rows: the walk of a wave takes whole
    # pages), the second left nothing; the rerun moves exactly the rest.
    assert 0 < calls[0] < 60
    assert Event.objects.filter(kind="clock.breach").count() == calls[0]
    assert sweep(now=START + timedelta(days=40), batch=20)["clocktest.timeditem"] == 60 - calls[0]
    assert Event.objects.filter(kind="clock.breach").count() == 60
    assert breaches_per_item_and_rung() == []


def test_a_sweep_process_killed_mid_batch_then_rerun_misses_and_doubles_nothing(org):
    n = 200
    make_items(org, n)
    from tests.embedded import database_url

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "CLOCKTEST_SLOW_BREACH": "0.3",
           "DATABASE_URL": database_url(connection.settings_dict)}
    proc = subprocess.Popen([sys.executable, "manage.py", "sweep", "--now", "2025-10-20T09:00:00+08:00",
                             "--batch", "10"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while Event.objects.filter(kind="clock.breach").count() < 30:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the sweep never got going"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # mid-batch: its open transaction dies with it
    proc.wait(10)
    killed_at = Event.objects.filter(kind="clock.breach").count()
    assert 30 <= killed_at < n
    # Whole batches only: every clock the killed sweep moved has its event, and no event
    # names a clock left where it was (the killed batch's UPDATE and INSERT both rolled back).
    moved = set(TimedItem.objects.filter(breach_level__gt=0).values_list("pk", flat=True))
    assert moved == set(Event.objects.filter(kind="clock.breach").values_list("subject_id", flat=True))
    assert sweep(now=datetime(2025, 10, 20, 9, tzinfo=SHANGHAI))["clocktest.timeditem"] == n - killed_at
    assert Event.objects.filter(kind="clock.breach").count() == n
    assert breaches_per_item_and_rung() == []
    notifications_fan_out()
    notifications_fan_out()
    per_event = Event.objects.filter(kind="clock.breach").annotate(k=Count("notifications"))
    # 红牌 at Oct 20 (level 3 reached in one jump): owner, head, office, leader × inbox + email.
    assert {e.k for e in per_event} == {8}
    assert Notification.objects.filter(event__kind="clock.breach").values("event", "recipient", "channel").annotate(n=Count("id")).filter(n__gt=1).count() == 0
