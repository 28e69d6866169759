"""A large export in the browser (issue 15 §3): the clerk exports an inbox above the threshold;
the page shows the job's progress, polled by htmx (no inline script, CSP), while the worker
builds the file, then offers the download — the clerk's only (Chromium, axe-core on each page)."""

import io

import pytest
from openpyxl import load_workbook

from efficiency import exports
from efficiency.models import ExportJob

from ..efficiency.test_inbox_list import _message
from .conftest import login, login_as, shot


@pytest.mark.django_db(transaction=True)
def test_the_clerk_follows_a_large_export_and_downloads_it(page, live_server, org, settings, tmp_path, monkeypatch):
    settings.EXPORT_ASYNC_ROWS = 2
    settings.MEDIA_ROOT = tmp_path / "media"
    for title in ("【红牌】交办件超期", "【督办单】请于 3 日内办结", "【提示】投诉即将到期"):
        _message(org.clerk_a, title)
    # This test is the worker: the queued job goes nowhere else, so its progress is the test's to move.
    queued = []
    monkeypatch.setattr(exports, "_enqueue", queued.append)
    login(page, live_server, "clerk_a")
    page.goto(f"{live_server.url}/inbox/")
    page.click("a[data-export]")
    page.wait_for_selector("#export-progress[data-state=queued]")
    job = ExportJob.objects.get()
    assert queued == [job.pk] and "共 3 行" in page.text_content("main")
    shot(page, "export_job_queued")
    exports.export_run(job.pk)
    page.wait_for_selector("#export-progress[data-state=done]", timeout=10_000)
    assert "100%" in page.text_content("#export-progress")
    with page.expect_download() as info:
        page.click("#export-download")
    sheet = [list(r) for r in load_workbook(io.BytesIO(open(info.value.path(), "rb").read()),
                                            read_only=True).active.iter_rows(values_only=True)]
    assert len(sheet) == 4 and "【督办单】请于 3 日内办结" in str(sheet)
    shot(page, "export_job_done")

    login_as(page, live_server, "clerk_b")
    response = page.goto(f"{live_server.url}/exports/{job.pk}/")
    assert response.status == 404
