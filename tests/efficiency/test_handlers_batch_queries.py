"""Issue 17 (2, 4): every handler a transition fans out to issues a constant number of statements
per batch, none per item — the same bound at 10 and at 1,000 items. Not timings: counts of
statements (bench/approvals.py and bench/fanout.py measure the time)."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail

from accountability.models import AccountabilityCase
from efficiency import clocks
from efficiency.clocks import Limit
from efficiency.events import events_emit
from efficiency.models import Event, Notification, Rung
from efficiency.notifications import LocmemSmsBackend, notifications_fan_out, notifications_send, reminders_emit
from efficiency.sweep import sweep_model
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem

pytestmark = pytest.mark.django_db

SIZES = [10, 1000]
START = datetime(2025, 9, 1, 9, tzinfo=SHANGHAI)


def make_items(org, n: int, start: datetime, *, level: int = Rung.NONE) -> list[TimedItem]:
    items = []
    for i in range(n):
        item = TimedItem(unit=org.unit_a, owner=org.clerk_a, title=f"事项{i}")
        clocks.clock_start(item, actor=None, limit=Limit(3), start=start, save=False)
        item.breach_level = level
        items.append(item)
    return TimedItem.objects.bulk_create(items)


@pytest.mark.parametrize("n", SIZES)
def test_r28_a_sweep_batch_past_every_rung_proposes_every_item_in_constant_statements(
        org, n, django_assert_max_num_queries):
    """R28: items crossing 问责建议 — one `accountability.propose` each and one case each, written
    for the whole batch at once (the sweep's proposals and accountability's batch subscriber)."""
    make_items(org, n, START)
    moment = START + timedelta(days=90)  # past 问责建议: 0 → 5 in one step
    # probe, (wave count and settings at 1,000), savepoint, claim + breach events, the items, the
    # proposals' INSERT; units, people, cases found, savepoint, cases' INSERT (numbered in it), release,
    # cases.opened events, counters, audit rows; release; the 督办单 rung's documents (6: offices,
    # counters, rows — efficiency.documents) and the units' heads for R46's people (1).
    with time_machine.travel(moment, tick=False), django_assert_max_num_queries(31):
        assert sweep_model(TimedItem, now=moment) == n
    assert Event.objects.filter(kind="accountability.propose").count() == n
    assert AccountabilityCase.objects.filter(source="red_card", subject_type="clocktest.timeditem").count() == n
    assert Event.objects.filter(kind="cases.opened").count() == n
    # Once: the same events again open nothing.
    again = list(Event.objects.filter(kind="accountability.propose").order_by("pk")[:3])
    events_emit([dict(kind="accountability.propose", subject=TimedItem.objects.get(pk=e.subject_id),
                      payload=e.payload) for e in again])
    assert AccountabilityCase.objects.count() == n


@pytest.mark.parametrize("n", SIZES)
def test_0900_reminders_are_written_in_constant_statements_per_batch(org, n, django_assert_max_num_queries):
    make_items(org, n, START, level=Rung.HINT)
    nine = datetime(2025, 9, 3, 9, tzinfo=SHANGHAI)  # a Wednesday
    # The advisory lock, then per clock model one read (TimedItem: + one INSERT of the events per
    # REMINDER_BATCH, and the read's next chunk), the savepoint pair.
    from efficiency.registry import clock_models

    with django_assert_max_num_queries(len(clock_models()) + 5):
        assert reminders_emit(now=nine) == n
    assert reminders_emit(now=nine + timedelta(minutes=5)) == 0  # once per item per day
    assert Event.objects.filter(kind="clock.reminder").count() == n


@pytest.mark.parametrize("n", SIZES)
def test_fan_out_of_a_batch_of_events_is_constant_statements(org, n, django_assert_max_num_queries):
    items = make_items(org, n, START)
    events_emit([dict(kind="test.notice", subject=item, message="请办理",
                      recipients=["owner", "head", "office", "phone:13800000000"]) for item in items])
    # The claim (which marks the events too), the people (one read of owners, heads and office
    # users; units' regions, the region tree), the deliveries' INSERT (one statement of id arrays:
    # no subject read, no text written) — in the caller's transaction, no savepoint; a full batch
    # (1,000) claims once more and finds none.
    with django_assert_max_num_queries(6):
        assert notifications_fan_out(batch=1000) == n
    # inbox + e-mail for the owner, the head and the office user, and one SMS, per event.
    assert Notification.objects.count() == n * 7


@pytest.mark.parametrize("n", SIZES)
def test_sending_is_one_connection_per_chunk_and_constant_statements(org, n, settings,
                                                                    django_assert_max_num_queries):
    """Issue 17 (4): e-mail through one connection of the backend, SMS in one batch call,
    outcomes recorded set-based; the rate per channel from settings."""
    settings.SMS_BACKEND = "efficiency.notifications.LocmemSmsBackend"
    settings.NOTIFY_RATE = {"email": "100000/min", "sms": "100000/min"}
    settings.NOTIFY_CHUNK = 1000
    LocmemSmsBackend.outbox, LocmemSmsBackend.calls = [], 0
    items = make_items(org, n, START)
    events_emit([dict(kind="test.notice", subject=item, recipients=["owner", "phone:13800000000"]) for item in items])
    notifications_fan_out(batch=1000)
    opened = []
    from django.core.mail.backends.locmem import EmailBackend

    real_open = EmailBackend.open

    def counting_open(self):
        opened.append(self)
        return real_open(self)

    EmailBackend.open = counting_open
    try:
        # Per channel: savepoint, the claim (with its events), the chunk's subjects for its texts
        # (rendered at send time, one read per model), the sent rows marked, release; and, the
        # chunk being full, one more claim that finds nothing (savepoint, claim, release).
        with django_assert_max_num_queries(16):
            assert notifications_send() == {"sent": 2 * n, "failed": 0}
    finally:
        EmailBackend.open = real_open
    assert len(mail.outbox) == n and len(opened) == 1
    assert len(LocmemSmsBackend.outbox) == n and LocmemSmsBackend.calls == 1
    assert not Notification.objects.filter(status="pending").exists()


def test_the_rate_per_channel_caps_a_run(org, settings):
    settings.SMS_BACKEND = "efficiency.notifications.LocmemSmsBackend"
    settings.NOTIFY_RATE = {"email": "3/min", "sms": "1/s"}
    settings.NOTIFY_CHUNK = 2
    LocmemSmsBackend.outbox, LocmemSmsBackend.calls = [], 0
    items = make_items(org, 100, START)
    events_emit([dict(kind="test.notice", subject=item, recipients=["owner", "phone:13800000000"]) for item in items])
    notifications_fan_out()
    assert notifications_send(window=60) == {"sent": 3 + 60, "failed": 0}
    assert len(mail.outbox) == 3 and len(LocmemSmsBackend.outbox) == 60
    assert LocmemSmsBackend.calls == 30  # chunks of 2, one batch call each
    settings.NOTIFY_RATE = {"email": "often", "sms": "1/s"}
    with pytest.raises(ValueError, match="NOTIFY_RATE"):
        notifications_send()


def test_one_failing_address_fails_alone_and_backs_off(org, settings):
    settings.NOTIFY_RATE = {"email": "1000/min", "sms": "1000/min"}
    items = make_items(org, 3, START)
    with time_machine.travel(datetime(2025, 9, 3, 9, tzinfo=SHANGHAI), tick=False):
        events_emit([dict(kind="test.notice", subject=item, recipients=["owner", f"email:x{i}@example.org"])
                     for i, item in enumerate(items)])
        notifications_fan_out()
    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages

    def refuse_one(self, messages):
        if messages[0].to == ["x1@example.org"]:
            raise OSError("550 mailbox unavailable")
        return real(self, messages)

    EmailBackend.send_messages = refuse_one
    try:
        with time_machine.travel(datetime(2025, 9, 3, 10, tzinfo=SHANGHAI), tick=False):
            assert notifications_send() == {"sent": 5, "failed": 1}
    finally:
        EmailBackend.send_messages = real
    bad = Notification.objects.get(recipient="email:x1@example.org")
    assert (bad.status, bad.attempts, bad.last_error) == ("pending", 1, "550 mailbox unavailable")
    assert bad.deliver_after == datetime(2025, 9, 3, 10, 2, tzinfo=SHANGHAI)


def test_a_batch_subscriber_hears_each_emitting_call_once_with_its_events_of_the_kind(org, monkeypatch):
    """The core's event API takes batches: `events_emit` runs a `batch=True` subscriber once per
    call with that call's events of its kind; a per-event subscriber still hears each event."""
    from collections import defaultdict

    from efficiency import registry

    monkeypatch.setattr(registry, "_subscribers", defaultdict(list))
    monkeypatch.setattr(registry, "_batch_subscribers", defaultdict(list))
    batches, singles = [], []
    registry.subscribe("test.notice", batches.append, batch=True)
    registry.subscribe("test.notice", singles.append)
    items = make_items(org, 3, START)
    emitted = events_emit([*(dict(kind="test.notice", subject=i) for i in items),
                           dict(kind="clock.closed", subject=items[0])])
    assert [[e.pk for e in b] for b in batches] == [[e.pk for e in emitted[:3]]]
    assert [e.pk for e in singles] == [e.pk for e in emitted[:3]]
    assert events_emit([]) == [] and len(batches) == 1


def test_events_written_in_sql_reach_the_subscribers_of_the_kinds_they_imply_by_their_ids(
        org, monkeypatch, django_assert_max_num_queries):
    """`events_insert_select` writes a batch by one INSERT … SELECT; a batch subscriber of a kind
    the batch's kind implies (`EventKind.implies`) hears it once, with the ids — no row read."""
    from collections import defaultdict

    from efficiency import registry
    from efficiency.events import events_insert_select

    monkeypatch.setattr(registry, "_subscribers", defaultdict(list))
    monkeypatch.setattr(registry, "_batch_subscribers", defaultdict(list))
    heard = []
    registry.subscribe("accountability.propose", lambda batch: heard.append((batch.kind, list(batch.ids))),
                       batch=True)
    items = make_items(org, 3, START)
    with django_assert_max_num_queries(1):
        batch = events_insert_select("approvals.deemed_approved", "FROM clocktest_timeditem AS t WHERE t.id = ANY(%s)",
                                     [[i.pk for i in items]], subject_type="clocktest.timeditem", subject_id="t.id",
                                     unit_id="t.unit_id", owner_id="t.owner_id", message="t.title")
    assert heard == [("approvals.deemed_approved", batch.ids)] and len(batch.ids) == 3
    assert sorted((e.subject_id, e.unit_id, e.message) for e in batch) == sorted(
        (i.pk, org.unit_a.pk, i.title) for i in items)
