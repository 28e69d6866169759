"""The efficiency office publishes last month's scorecards; the system administrator re-opens
the month with a reason (Chromium)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboards import rollups, services
from dashboards.models import PublishJob, ScorecardPublication
from efficiency.models import ClockState
from efficiency.workdays import local_date
from tests.clocktest.models import TimedItem

from .conftest import login, login_as, shot


@pytest.mark.django_db(transaction=True)
def test_the_office_publishes_last_month_and_the_administrator_reopens_it(page, live_server, org, monkeypatch):
    now = timezone.now()
    last_day = local_date(now).replace(day=1) - timedelta(days=1)
    month = f"{last_day:%Y-%m}"
    closed = now.replace(year=last_day.year, month=last_day.month, day=10)
    for i, unit in enumerate((org.unit_a, org.unit_a, org.unit_b)):
        TimedItem.objects.create(title=f"上月事项{i}", unit=unit, clock_start=closed - timedelta(days=3),
                                 limit_value=5, due_at=closed - timedelta(days=i), closed_at=closed,
                                 clock_state=ClockState.DONE if i == 0 else ClockState.DONE_LATE)
    rollups.rollup_days(last_day.replace(day=1), local_date(now))

    # This test is the worker: the queued job goes nowhere else (the suite's real-worker tests share
    # the broker, and one of them stops Redis), so the page's progress is the test's to move.
    queued = []
    monkeypatch.setattr(services, "_enqueue", queued.append)
    login(page, live_server, "office")
    page.goto(f"{live_server.url}/dashboards/scorecards/?month={month}")
    assert "未发布" in page.text_content("#publication")
    page.click("#publish-form button[type=submit]")
    # The request only queues the job; the page shows its progress and polls (htmx) ...
    page.wait_for_selector("#publish-progress[data-state=queued]")
    assert not ScorecardPublication.objects.exists()
    assert queued == [PublishJob.objects.get().pk]
    services.publish_run(PublishJob.objects.get().pk)  # ... while the worker publishes
    page.wait_for_selector("#publish-progress[data-state=done]", timeout=10_000)
    assert "100%" in page.text_content("#publish-progress")
    page.click("#publish-progress a.btn-primary")
    assert "已发布" in page.text_content("#publication") and "陈督查" in page.text_content("#publication")
    assert page.locator("#publish-form").count() == 0
    shot(page, "dashboards_published_month")

    login_as(page, live_server, "sysadmin")
    page.goto(f"{live_server.url}/dashboards/scorecards/publications/")
    row = page.locator(f"#month-{month}")
    assert "已发布" in row.text_content()
    row.locator("input[name=reason]").fill("上月办件数据补录")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(".messages .success")
    assert "上月办件数据补录" in page.text_content("#publication-history")
    assert "未发布" in page.locator(f"#month-{month}").text_content()
    shot(page, "dashboards_publications")
