"""No accepted complaint is ever lost (DESIGN.md, Reliability): with Redis stopped — broker and
cache unreachable — the form still accepts, and the notifications go out when it is back."""

from contextlib import contextmanager

import pytest

from accountability.models import Complaint
from efficiency.celery import app
from efficiency.models import Event, Notification
from efficiency.notifications import notifications_fan_out

from .test_public_complaints import API, FORM, api_data, form_data

pytestmark = pytest.mark.django_db

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _reset_celery_connections():
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def redis_stopped(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED,
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    settings.CELERY_BROKER_URL = CLOSED
    old = {k: app.conf[k] for k in ("broker_url", "broker_write_url", "broker_read_url")}
    app.conf.update(broker_url=CLOSED, broker_write_url=CLOSED, broker_read_url=CLOSED)
    _reset_celery_connections()
    try:
        with pytest.raises(Exception):  # the broker really is down
            app.connection_for_write().ensure_connection(max_retries=1)
        yield
    finally:
        app.conf.update(old)
        _reset_celery_connections()


def test_with_redis_stopped_the_form_accepts_and_notifications_follow(client, org, settings,
                                                                       django_capture_on_commit_callbacks):
    with redis_stopped(settings):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            page = client.post(FORM, form_data(org.unit_a))
            api = client.post(API, api_data(org.unit_a))
        assert page.status_code == 303 and api.status_code == 201
        assert callbacks  # the fan-out was asked for and failed quietly
    assert Complaint.objects.count() == 2
    filed = Event.objects.filter(kind="complaints.filed")
    assert filed.count() == 2 and not filed.filter(fanned_out=True).exists()
    assert not Notification.objects.exists()
    # Redis is back: the periodic fan-out delivers what waited in the outbox.
    notifications_fan_out()
    assert Notification.objects.filter(user=org.office, event__kind="complaints.filed", channel="inbox").count() == 2
