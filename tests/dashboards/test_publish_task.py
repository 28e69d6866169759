"""Issue 17 (5): publishing a month runs as a Celery task, not in the request. The request names
the task by its name (the task module sits above the service); this checks that the name it
sends is the registered task and that the task publishes, recording each step on the job the
page polls (its progress bar)."""

from datetime import date
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from dashboards import rollups, scoring, services
from dashboards.models import PublishJob
from efficiency.celery import app as celery_app

from .conftest import FIRST, NOW

pytestmark = pytest.mark.django_db
OCTOBER = date(2026, 10, 1)


@pytest.fixture
def rolled(data):
    rollups.rollup_days(FIRST, NOW.date())
    return data


def test_the_task_the_request_names_publishes_the_month_and_the_page_sees_each_step(
        rolled, client, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(celery_app, "signature",
                        lambda name, args: SimpleNamespace(delay=lambda: sent.append((name, args))))
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        job = services.publish_request(actor=rolled.office, month=OCTOBER, now=NOW)
    assert sent == [("dashboards.publish_month", (job.pk,))]  # after the commit, by name
    assert scoring.publication_of(OCTOBER) is None  # nothing published inside the request

    client.force_login(rolled.office)
    progress = reverse("dashboards:publish_job_progress", args=[job.pk])
    polled = []
    real = rollups.rollup_days

    def rolling(*args, **kwargs):  # the worker on its first step: what the page's poll shows then
        polled.append(client.get(progress).content.decode())
        return real(*args, **kwargs)

    monkeypatch.setattr(rollups, "rollup_days", rolling)
    name, args = sent[0]
    with time_machine.travel(NOW, tick=False):
        celery_app.tasks[name].apply(args=args).get()  # the registered task, run as a worker would
        done = client.get(progress).content.decode()
    assert len(polled) == 1 and 'data-state="running"' in polled[0] and 'value="0"' in polled[0]
    assert "正在重算 2026-10 月末汇总" in polled[0] and 'hx-trigger="every 1s"' in polled[0]  # still polling
    job.refresh_from_db()
    assert (job.state, job.percent, job.step) == ("done", 100, 3)
    assert job.publication == scoring.publication_of(OCTOBER) and job.publication.published_by == rolled.office
    assert 'data-state="done"' in done and 'value="100"' in done and "hx-trigger" not in done
    # Delivered twice (a broker's at-least-once): the second run does nothing.
    celery_app.tasks[name].apply(args=args).get()
    assert PublishJob.objects.get().publication == job.publication
