"""Issue 17 (4), delivery: notifications go out in chunks, each chunk through one connection of
its backend (one SMTP session, one SMS batch call); a message the gateway refuses fails alone and
is retried, a backend that is down fails its chunk without losing a message; the rate of each
channel comes from the settings (the environment), not from the code. Counts and outcomes, no
timings (bench/fanout.py times 80,000 notices)."""

import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from efficiency.events import events_emit
from efficiency.models import Notification
from efficiency.notifications import LocmemSmsBackend, SmsBackend, notifications_fan_out, notifications_send, notify_rate
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem
from tests.embedded import ROOT

pytestmark = pytest.mark.django_db

NINE = datetime(2025, 9, 3, 9, tzinfo=SHANGHAI)  # a Wednesday: nothing deferred
PHONE = "1380000000{}"


class RefusingSms(SmsBackend):
    """A batch gateway that refuses the numbers in `refused` and takes the rest, in one call."""

    refused: set[str] = set()
    outbox: list[tuple[str, str]] = []
    calls = 0

    def send_many(self, messages):
        type(self).calls += 1
        outcomes = []
        for phone, text in messages:
            if phone in self.refused:
                outcomes.append(OSError(f"gateway: {phone} rejected"))
            else:
                type(self).outbox.append((phone, text))
                outcomes.append(None)
        return outcomes


class DownSms(SmsBackend):
    def send_many(self, messages):
        raise ConnectionError("gateway unreachable")


@pytest.fixture
def pending(org, settings):
    """Five items, each with one e-mail (its owner) and one SMS (its own number) pending."""
    settings.NOTIFY_RATE = {"email": "10000/min", "sms": "10000/min"}
    LocmemSmsBackend.outbox, LocmemSmsBackend.calls = [], 0
    RefusingSms.outbox, RefusingSms.calls, RefusingSms.refused = [], 0, set()
    with time_machine.travel(NINE, tick=False):
        items = [TimedItem.objects.create(unit=org.unit_a, owner=org.clerk_a, title=f"事项{i}") for i in range(5)]
        events_emit([dict(kind="test.notice", subject=item, message="请办理", recipients=["owner", f"phone:{PHONE.format(i)}"])
                     for i, item in enumerate(items)])
        notifications_fan_out()
    assert Notification.objects.filter(status="pending").count() == 10
    return org


@pytest.fixture
def connections_seen(monkeypatch):
    """Every e-mail connection opened, and which connection sent each message."""
    seen = {"opened": [], "closed": [], "sent_by": []}
    real_open, real_close, real_send = EmailBackend.open, EmailBackend.close, EmailBackend.send_messages

    def open_(self):
        seen["opened"].append(id(self))
        return real_open(self)

    def close(self):
        seen["closed"].append(id(self))
        return real_close(self)

    def send(self, messages):
        seen["sent_by"].extend(id(self) for _m in messages)
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "open", open_)
    monkeypatch.setattr(EmailBackend, "close", close)
    monkeypatch.setattr(EmailBackend, "send_messages", send)
    return seen


def test_each_chunk_goes_through_one_connection_of_each_backend(pending, settings, connections_seen):
    settings.SMS_BACKEND = "efficiency.notifications.LocmemSmsBackend"
    settings.NOTIFY_CHUNK = 2
    with time_machine.travel(NINE + timedelta(minutes=1), tick=False):
        assert notifications_send() == {"sent": 10, "failed": 0}
    # 5 e-mails in chunks of 2: three connections, each opened once and closed, none reused
    # across chunks, no message sent outside the connection of its chunk.
    assert len(connections_seen["opened"]) == 3 and sorted(connections_seen["closed"]) == sorted(connections_seen["opened"])
    per_connection = [connections_seen["sent_by"].count(c) for c in connections_seen["opened"]]
    assert sorted(per_connection) == [1, 2, 2] and len(mail.outbox) == 5
    # 5 SMS in chunks of 2: three batch calls of the gateway, not one call per message.
    assert LocmemSmsBackend.calls == 3 and len(LocmemSmsBackend.outbox) == 5
    assert not Notification.objects.filter(status="pending").exists()


def test_a_refused_sms_fails_alone_and_the_rest_of_its_batch_goes(pending, settings):
    settings.SMS_BACKEND = "tests.efficiency.test_notifications_batching.RefusingSms"
    RefusingSms.refused = {PHONE.format(2)}
    with time_machine.travel(NINE + timedelta(minutes=1), tick=False):
        assert notifications_send() == {"sent": 9, "failed": 1}
    assert RefusingSms.calls == 1  # the five SMS in one batch call
    assert sorted(p for p, _t in RefusingSms.outbox) == sorted(PHONE.format(i) for i in (0, 1, 3, 4))
    refused = Notification.objects.get(recipient=f"phone:{PHONE.format(2)}")
    assert (refused.status, refused.attempts) == ("pending", 1)
    assert "rejected" in refused.last_error
    assert refused.deliver_after == NINE + timedelta(minutes=3)  # back-off: 2 minutes
    assert Notification.objects.filter(channel="sms", status="sent").count() == 4
    # The gateway takes it later; nobody else hears twice.
    RefusingSms.refused = set()
    with time_machine.travel(NINE + timedelta(minutes=3), tick=False):
        assert notifications_send() == {"sent": 1, "failed": 0}
    assert sorted(p for p, _t in RefusingSms.outbox) == sorted(PHONE.format(i) for i in range(5))
    assert len(mail.outbox) == 5


def test_a_mail_server_that_refuses_the_connection_retries_the_whole_chunk_and_loses_none(
        pending, settings, monkeypatch):
    settings.SMS_BACKEND = "efficiency.notifications.LocmemSmsBackend"

    def refused(self):
        raise ConnectionRefusedError("smtp: connection refused")

    with monkeypatch.context() as m:
        m.setattr(EmailBackend, "open", refused)
        with time_machine.travel(NINE + timedelta(minutes=1), tick=False):
            assert notifications_send() == {"sent": 5, "failed": 5}  # the SMS channel is not held up
    emails = Notification.objects.filter(channel="email")
    assert {(n.status, n.attempts) for n in emails} == {("pending", 1)} and len(mail.outbox) == 0
    assert all("connection refused" in n.last_error for n in emails)
    with time_machine.travel(NINE + timedelta(minutes=3), tick=False):
        assert notifications_send() == {"sent": 5, "failed": 0}
    assert sorted(m.to[0] for m in mail.outbox) == [pending.clerk_a.email] * 5
    assert len(LocmemSmsBackend.outbox) == 5  # sent once, not again with the e-mails' retry


def test_a_gateway_that_is_down_fails_its_chunk_and_it_is_retried(pending, settings):
    settings.SMS_BACKEND = "tests.efficiency.test_notifications_batching.DownSms"
    with time_machine.travel(NINE + timedelta(minutes=1), tick=False):
        assert notifications_send() == {"sent": 5, "failed": 5}
    assert {(n.status, n.attempts) for n in Notification.objects.filter(channel="sms")} == {("pending", 1)}
    settings.SMS_BACKEND = "efficiency.notifications.LocmemSmsBackend"
    with time_machine.travel(NINE + timedelta(minutes=3), tick=False):
        assert notifications_send() == {"sent": 5, "failed": 0}
    assert LocmemSmsBackend.calls == 1 and len(LocmemSmsBackend.outbox) == 5


def test_the_rate_caps_a_run_below_the_chunk_and_the_next_run_sends_the_rest(pending, settings):
    settings.SMS_BACKEND = "efficiency.notifications.LocmemSmsBackend"
    settings.NOTIFY_RATE = {"email": "2/min", "sms": "3/min"}
    settings.NOTIFY_CHUNK = 500
    with time_machine.travel(NINE + timedelta(minutes=1), tick=False):
        assert notifications_send(window=60) == {"sent": 5, "failed": 0}
    assert (len(mail.outbox), len(LocmemSmsBackend.outbox)) == (2, 3)
    with time_machine.travel(NINE + timedelta(minutes=2), tick=False):
        assert notifications_send(window=60) == {"sent": 4, "failed": 0}
        assert notifications_send(window=60) == {"sent": 1, "failed": 0}
        assert notifications_send(window=60) == {"sent": 0, "failed": 0}
    assert (len(mail.outbox), len(LocmemSmsBackend.outbox)) == (5, 5)


@pytest.mark.parametrize("spec, per_second", [
    ("600/min", 10.0), ("200/min", 200 / 60), ("30/s", 30.0), ("7200/h", 2.0), ("5/second", 5.0),
    ("12/ MIN", 0.2), ("4", 4.0),
])
def test_a_rate_is_given_per_second_minute_or_hour(settings, spec, per_second):
    settings.NOTIFY_RATE = {"sms": spec}
    assert notify_rate("sms") == pytest.approx(per_second)


def test_a_channel_without_its_own_rate_takes_the_default_entry(settings):
    settings.NOTIFY_RATE = {"email": "60/min", "default": "120/min"}
    assert (notify_rate("email"), notify_rate("sms")) == (1.0, 2.0)


@pytest.mark.parametrize("spec", ["often", "10/day", "/min", "ten/min"])
def test_a_malformed_rate_is_refused_by_name(settings, spec):
    settings.NOTIFY_RATE = {"sms": spec}
    with pytest.raises(ValueError, match=r"NOTIFY_RATE\['sms'\]"):
        notify_rate("sms")


def test_the_rates_and_chunk_come_from_the_environment():
    """The deployment sets each gateway's limit (NOTIFY_RATE_EMAIL, NOTIFY_RATE_SMS) and the chunk;
    nothing in the code fixes 200 a minute."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "NOTIFY_RATE_EMAIL": "30/s",
           "NOTIFY_RATE_SMS": "5000/h", "NOTIFY_CHUNK": "250"}
    code = ("import django; django.setup(); from django.conf import settings; "
            "from efficiency.notifications import notify_rate; "
            "print(notify_rate('email'), round(notify_rate('sms') * 3600), settings.NOTIFY_CHUNK)")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["30.0", "5000", "250"]
