"""Issue 17 (7): two real Celery workers share the sweep and the fan-out safely — each clock crosses
each rung once, each notification is written once and each e-mail sent once.

Two worker processes (solo pool each, like two hosts) on the same Redis broker and database take
the beat's sweep tasks (one per rung moment, each sent twice: the sweep's advisory lock and its
conditional UPDATE) and the fan-out and send tasks (claims by FOR UPDATE SKIP LOCKED), in
whatever order and overlap they come."""

import os
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from efficiency import clocks
from efficiency.celery import app as celery_app
from efficiency.clocks import Limit
from efficiency.events import events_emit
from efficiency.models import Event, Notification, Rung
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2025, 9, 1, 9, tzinfo=SHANGHAI)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _worker(name: str, var: Path, log: Path) -> subprocess.Popen:
    from tests.embedded import database_url

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": celery_app.conf.broker_url,
        # Mail to files under this test's own folder: what each worker really sent.
        "VAR_DIR": str(var),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "efficiency", "worker", "--pool=solo", "-n", f"{name}@%h",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )


def _wait(workers, logs, done, what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        for worker, log in zip(workers, logs):
            assert worker.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, f"the workers never {what}"
        time.sleep(0.2)


def test_two_celery_workers_sweep_and_fan_out_each_transition_and_notification_once(org, tmp_path):
    if not celery_app.conf.broker_url.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL=redis://…")
    n_items, n_mails = 120, 1500
    items = []
    for i in range(n_items):
        item = TimedItem(unit=org.unit_a, owner=org.clerk_a, title=f"事项{i}")
        clocks.clock_start(item, actor=None, limit=Limit(3), start=START, save=False)
        items.append(item)
    items = TimedItem.objects.bulk_create(items)
    # Pending events besides the sweep's: a notice each to a citizen's address (sent at once,
    # unlike deadline notices, which wait for 09:00 of a working day).
    events_emit([dict(kind="test.notice", subject=items[i % n_items], message="请查收",
                      recipients=[f"email:c{i}@example.org"]) for i in range(n_mails)])
    first = items[0]
    moments = [first.warn_at, first.due_at, first.red_at, first.notice_at, first.escalate_at]

    broker = celery_app.connection_for_write(celery_app.conf.broker_url)
    celery_app.control.purge(connection=broker)  # requests left in the queue by earlier tests
    var = tmp_path / "var"
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    workers = [_worker("w1", var, logs[0]), _worker("w2", var, logs[1])]
    try:
        # What beat does, as if two beats (or a beat firing while the last sweep still runs) sent
        # each minute's sweep twice; the fan-out as the on-commit requests and beat's entry send it.
        for moment in moments:
            for _twice in range(2):
                celery_app.send_task("efficiency.sweep", kwargs={"now": moment.isoformat()}, connection=broker)
        for _ in range(6):
            celery_app.send_task("efficiency.notifications_fan_out", connection=broker)

        def swept_all() -> bool:
            # A sweep that found the other's lock held returned at once; beat sends the next
            # minute's: the last moment again until every clock is on the top rung.
            if TimedItem.objects.filter(breach_level__lt=Rung.ACCOUNTABILITY).exists():
                celery_app.send_task("efficiency.sweep", kwargs={"now": moments[-1].isoformat()}, connection=broker)
                time.sleep(1)
                return False
            if Event.objects.filter(fanned_out=False).exists():
                celery_app.send_task("efficiency.notifications_fan_out", connection=broker)
                time.sleep(1)
                return False
            return True

        _wait(workers, logs, swept_all, "swept and fanned out")
        mails = Notification.objects.filter(event__kind="test.notice", channel="email")

        def sent_all() -> bool:
            if mails.filter(status="pending").exists():
                celery_app.send_task("efficiency.notifications_send", connection=broker)
                time.sleep(1)
                return False
            return True

        _wait(workers, logs, sent_all, "sent the e-mails")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
        broker.release()

    # Both workers took part.
    texts = [log.read_text(errors="replace") for log in logs]
    for text in texts:
        assert re.search(r"Task efficiency\.\w+\[[^\]]+\] succeeded", text), text[-3000:]

    # Each clock crossed each rung once: its breach events form one chain 0 → … → 问责建议, no rung
    # reached twice, whichever worker's sweep moved it and whichever moment's sweep was skipped.
    chains: dict[int, list[tuple[int, int]]] = {}
    for subject_id, level_from, level_to in (Event.objects.filter(kind="clock.breach").order_by("id")
                                             .values_list("subject_id", "level_from", "level_to")):
        chains.setdefault(subject_id, []).append((level_from, level_to))
    assert set(chains) == {item.pk for item in items}
    for chain in chains.values():
        assert chain[0][0] == Rung.NONE and chain[-1][1] == Rung.ACCOUNTABILITY, chain
        assert all(a[1] == b[0] for a, b in zip(chain, chain[1:])), chain
    # One proposal and one case per item (R28's path through the sweep's batches).
    assert Event.objects.filter(kind="accountability.propose").count() == n_items

    # Each event fanned out once: one delivery per (event, recipient, channel) — the sweep's
    # notices to the owner, head, office and leader of every rung crossed included.
    assert not (Notification.objects.values("event", "recipient", "channel")
                .annotate(n=Count("id")).filter(n__gt=1).exists())
    breach_events = Event.objects.filter(kind="clock.breach")
    assert set(Notification.objects.filter(event__kind="clock.breach", channel="inbox")
               .values_list("event_id", flat=True)) == set(breach_events.values_list("pk", flat=True))
    assert mails.count() == n_mails
    # Each e-mail sent once: marked sent after one attempt, and in the two workers' mail files
    # every address exactly once.
    assert set(mails.values_list("status", "attempts")) == {("sent", 1)}
    received = Counter()
    for path in (var / "mail").iterdir():
        received.update(re.findall(r"^To: (c\d+@example\.org)$", path.read_text(errors="replace"), re.M))
    assert len(received) == n_mails and set(received.values()) == {1}
