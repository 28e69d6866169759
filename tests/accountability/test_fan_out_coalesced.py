"""The fan-out nudge after a complaint POST is coalesced (issue #17): a process hands the broker
at most one fan-out task per `FAN_OUT_WINDOW_SECONDS`, counted down by the window, and the event
rows stay the outbox. The POSTs that skipped the send lose nothing: the one task (or the beat's
fan-out, the same function) delivers their events too (efficiency.events.request_fan_out)."""

import pytest

from efficiency import events
from efficiency.models import Event, Notification
from efficiency.notifications import notifications_fan_out

from .test_public_complaints import API, FORM, api_data, form_data

pytestmark = pytest.mark.django_db


class Broker:
    """Stands for `celery_app.signature(name)`: records what was sent, or fails like a broker down."""

    def __init__(self):
        self.sent: list[tuple[str, dict]] = []
        self.down = False

    def signature(self, name):
        broker = self

        class Signature:
            def apply_async(self, **options):
                if broker.down:
                    raise ConnectionError("broker down")
                broker.sent.append((name, options))

        return Signature()


@pytest.fixture
def broker(monkeypatch, settings):
    settings.FAN_OUT_WINDOW_SECONDS = 1.0
    fake = Broker()
    clock = {"now": 1000.0}
    monkeypatch.setattr(events.celery_app, "signature", fake.signature)
    monkeypatch.setattr(events, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(events, "_fan_out_asked_at", float("-inf"))
    fake.clock = clock
    eager = events.celery_app.conf.task_always_eager  # Celery's settings object: set back by hand
    events.celery_app.conf.task_always_eager = False
    try:
        yield fake
    finally:
        events.celery_app.conf.task_always_eager = eager


def _post(client, org, django_capture_on_commit_callbacks, n: int, *, form=False):
    for _ in range(n):
        with django_capture_on_commit_callbacks(execute=True):  # as after each request's commit
            if form:
                assert client.post(FORM, form_data(org.unit_a)).status_code == 303
            else:
                assert client.post(API, api_data(org.unit_a)).status_code == 201


def test_r26_posts_in_one_window_send_one_task_that_delivers_them_all(client, org, broker,
                                                                      django_capture_on_commit_callbacks):
    _post(client, org, django_capture_on_commit_callbacks, 3)
    _post(client, org, django_capture_on_commit_callbacks, 1, form=True)
    broker.clock["now"] += 0.9  # still the same window
    _post(client, org, django_capture_on_commit_callbacks, 1)
    # One task for five POSTs, counted down by the whole window: it starts after every POST that
    # skipped the send had committed (each skipped at a moment < sent + window ≤ its ETA).
    assert broker.sent == [("efficiency.notifications_fan_out", {"countdown": 1.0})]
    pending = Event.objects.filter(kind="complaints.filed", fanned_out=False)
    assert pending.count() == 5
    # What that one task (or the beat's fan-out every minute) runs: every POST's event is delivered.
    assert notifications_fan_out() == 5
    assert not pending.exists()
    assert Notification.objects.filter(user=org.office, event__kind="complaints.filed", channel="inbox").count() == 5

    broker.clock["now"] += 0.1  # the window is over: the next POST asks again
    _post(client, org, django_capture_on_commit_callbacks, 1)
    assert len(broker.sent) == 2


def test_r26_a_send_that_failed_opens_no_window(client, org, broker, django_capture_on_commit_callbacks):
    broker.down = True
    _post(client, org, django_capture_on_commit_callbacks, 1)  # accepted all the same
    broker.down = False
    _post(client, org, django_capture_on_commit_callbacks, 1)
    assert len(broker.sent) == 1  # the second POST did not wait for a window the first never opened
    assert notifications_fan_out() == 2


@pytest.mark.parametrize("eager, window", [(True, 1.0), (False, 0)])
def test_r26_without_a_countdown_every_commit_asks(client, org, broker, settings, eager, window,
                                                   django_capture_on_commit_callbacks):
    """Tasks run eagerly (no worker) ignore a countdown, and window 0 turns coalescing off:
    then each commit asks for its own fan-out, as before."""
    events.celery_app.conf.task_always_eager = eager  # the fixture sets it back
    settings.FAN_OUT_WINDOW_SECONDS = window
    _post(client, org, django_capture_on_commit_callbacks, 2)
    assert broker.sent == [("efficiency.notifications_fan_out", {"countdown": None})] * 2
