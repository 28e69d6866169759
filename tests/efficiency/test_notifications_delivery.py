"""Notifications: fan-out once, retries with back-off, 09:00 of a working day, reminders, SMS,
and the broker being down."""

import logging
import smtplib
from datetime import datetime
from unittest import mock

import pytest
import time_machine
from django.core import mail

from efficiency import clocks
from efficiency.celery import app as celery_app
from efficiency.clocks import Limit
from efficiency.events import event_emit
from efficiency.models import Event, Notification, Rung
from efficiency.notifications import (
    MAX_ATTEMPTS, LoggingSmsBackend, notifications_fan_out, notifications_send, reminders_emit,
)
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem

pytestmark = pytest.mark.django_db


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def started(org, when, limit=Limit(3)):
    with time_machine.travel(when, tick=False):
        item = TimedItem.objects.create(unit=org.unit_a, owner=org.clerk_a, title="一件交办件")
        return clocks.clock_start(item, actor=org.head_a, limit=limit)


def test_fan_out_writes_each_delivery_once_however_often_it_runs(org):
    item = started(org, at(2025, 9, 30, 10))
    event = event_emit("test.notice", subject=item, message="请办理", recipients=["owner", "head", "owner"])
    assert notifications_fan_out() == 1
    Event.objects.filter(pk=event.pk).update(fanned_out=False)  # as if the first run died before its commit
    notifications_fan_out()
    got = sorted(Notification.objects.filter(event=event).values_list("recipient", "channel"))
    assert got == sorted((f"user:{u.pk}", c) for u in (org.clerk_a, org.head_a) for c in ("email", "inbox"))


def test_an_event_without_recipients_is_not_waiting_for_fan_out(org):
    item = started(org, at(2025, 9, 30, 10))
    assert Event.objects.get(kind="clock.started", subject_id=item.pk).fanned_out


def test_a_failing_mail_server_is_retried_with_back_off_then_delivered(org):
    item = started(org, at(2025, 9, 30, 10))
    with time_machine.travel(at(2025, 9, 30, 11), tick=False):
        event_emit("test.notice", subject=item, message="请办理", recipients=["owner"])
        notifications_fan_out()
        with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages",
                        side_effect=smtplib.SMTPServerDisconnected("mail server down")):
            assert notifications_send() == {"sent": 0, "failed": 1}
        email = Notification.objects.get(channel="email")
        assert (email.status, email.attempts) == ("pending", 1)
        assert email.deliver_after == at(2025, 9, 30, 11, 2)  # 2 minutes, then 4, 8 …
        assert "mail server down" in email.last_error
        assert notifications_send() == {"sent": 0, "failed": 0}  # not before its time
    with time_machine.travel(at(2025, 9, 30, 11, 2), tick=False):
        assert notifications_send() == {"sent": 1, "failed": 0}
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [org.clerk_a.email]
    assert notifications_send() == {"sent": 0, "failed": 0}  # never twice


def test_a_delivery_that_keeps_failing_is_marked_failed(org):
    item = started(org, at(2025, 9, 30, 10))
    event_emit("test.notice", subject=item, recipients=["owner"])
    notifications_fan_out()
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages",
                    side_effect=smtplib.SMTPException("refused")):
        for _ in range(MAX_ATTEMPTS):
            Notification.objects.filter(channel="email").update(deliver_after=at(2025, 1, 1))
            notifications_send()
    email = Notification.objects.get(channel="email")
    assert (email.status, email.attempts) == ("failed", MAX_ATTEMPTS)


def test_a_breach_at_night_before_a_holiday_is_mailed_at_0900_of_the_next_working_day(org):
    item = started(org, at(2025, 9, 25, 10))  # due end of Sun Sep 28 (调休上班)
    with time_machine.travel(at(2025, 9, 30, 22, 30), tick=False):
        sweep(now=at(2025, 9, 30, 22, 30))
        notifications_fan_out()
    email = Notification.objects.get(event__kind="clock.breach", channel="email", user=org.clerk_a)
    assert email.deliver_after == at(2025, 10, 9, 9, 0)  # Oct 1–8 is the National Day holiday
    inbox = Notification.objects.get(event__kind="clock.breach", channel="inbox", user=org.clerk_a)
    assert inbox.status == "sent"  # the inbox is not a push; it waits to be read
    with time_machine.travel(at(2025, 10, 8, 12), tick=False):
        assert notifications_send()["sent"] == 0
    with time_machine.travel(at(2025, 10, 9, 9), tick=False):
        assert notifications_send()["sent"] >= 1
    assert any(m.to == [org.clerk_a.email] for m in mail.outbox)


def test_reminders_go_at_0900_on_working_days_once_per_item_per_day(org):
    warned = started(org, at(2025, 9, 30, 10))  # warn from the end of Oct 10, due end of Oct 11
    on_track = started(org, at(2025, 10, 9, 10), Limit(10))
    sweep(now=at(2025, 10, 11, 8, 59))
    warned.refresh_from_db()
    assert warned.breach_level == Rung.HINT
    assert reminders_emit(now=at(2025, 10, 11, 9)) == 1  # Saturday Oct 11 is a working day (调休)
    assert reminders_emit(now=at(2025, 10, 11, 9, 5)) == 0  # the same day: nothing more
    assert reminders_emit(now=at(2025, 10, 12, 9)) == 0  # Sunday
    reminders = Event.objects.filter(kind="clock.reminder")
    assert list(reminders.values_list("subject_id", flat=True)) == [warned.pk]
    assert on_track.pk not in reminders.values_list("subject_id", flat=True)
    notifications_fan_out()
    assert Notification.objects.filter(event__kind="clock.reminder", user=org.clerk_a, channel="inbox").count() == 1


def test_sms_goes_through_the_configured_backend(org, caplog, settings):
    item = started(org, at(2025, 9, 30, 10))
    settings.SMS_BACKEND = "efficiency.notifications.LoggingSmsBackend"
    event_emit("test.notice", subject=item, message="请办理", recipients=["phone:13800000000"])
    notifications_fan_out()
    with caplog.at_level(logging.INFO, logger="efficiency.notifications"):
        assert notifications_send() == {"sent": 1, "failed": 0}
    assert "SMS to 13800000000" in caplog.text
    sms = Notification.objects.get(channel="sms")
    assert (sms.status, sms.recipient) == ("sent", "phone:13800000000")
    assert isinstance(LoggingSmsBackend(), __import__("efficiency.notifications", fromlist=["x"]).SmsBackend)


def test_with_the_broker_down_the_write_succeeds_and_the_periodic_fan_out_delivers(
        org, django_capture_on_commit_callbacks):
    item = started(org, at(2025, 9, 30, 10))
    old_url, old_pool = celery_app.conf.broker_url, celery_app._pool
    celery_app.conf.broker_url, celery_app._pool = "redis://127.0.0.1:1/0", None  # a closed port
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            event = event_emit("test.notice", subject=item, message="请办理", recipients=["owner"])
        assert len(callbacks) == 1  # the fan-out request ran after commit and did not raise
    finally:
        celery_app.conf.broker_url, celery_app._pool = old_url, old_pool
    event.refresh_from_db()
    assert not event.fanned_out
    notifications_fan_out()  # what beat's "notifications fan-out" runs every minute
    assert Notification.objects.filter(event=event, user=org.clerk_a).count() == 2
