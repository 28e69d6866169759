"""The office issues a 督办单 from an overdue assignment's page and downloads its PDF (Chromium):
a leader's instruction, so the 督办单 carries the leader's sign-off (R45); the unit's clerk
downloads it too, another unit's clerk cannot."""

from datetime import datetime
from pathlib import Path

import pytest
import time_machine

from efficiency.models import Document
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from supervision import services
from supervision.models import AssignmentKind
from tests.pdf import pdf_text

from .conftest import login_as, shot

MONDAY = datetime(2025, 11, 3, 9, 30, tzinfo=SHANGHAI)


@pytest.mark.django_db(transaction=True)
def test_the_office_issues_a_supervision_order_from_an_overdue_assignment_and_downloads_it(page, live_server, org,
                                                                                           tmp_path):
    with time_machine.travel(MONDAY, tick=False):
        item = services.assignment_create(
            actor=org.office, kind=AssignmentKind.INSTRUCTION, title="关于加快滨湖项目用地预审的批示",
            source_text="请市自然资源和规划局牵头，本周内完成。", issuing_leader="刘市长", lead_unit=org.unit_a)
    target = item.targets.get()
    sweep(now=datetime(2025, 11, 6, 9, 0, tzinfo=SHANGHAI))  # the same-day report is overdue
    target.refresh_from_db()
    assert target.breach_level >= 2 and target.due_at < datetime(2025, 11, 6, tzinfo=SHANGHAI)

    with time_machine.travel(datetime(2025, 11, 6, 10, 0, tzinfo=SHANGHAI), tick=True):
        login_as(page, live_server, "office")
        url = f"{live_server.url}{item.get_absolute_url()}"
        page.goto(url)
        panel = page.locator("#documents")
        assert "交办单" in panel.inner_text()  # issued when it was handed out
        page.select_option("#document-choice", f"supervision.assignmenttarget:{target.pk}|supervision_order")
        # A leader's instruction: without the leader's sign-off it is refused, with the reason shown.
        page.click("#document-issue button[type=submit]")
        assert "须经领导签批" in page.inner_text("#document-errors")
        page.goto(url)
        page.select_option("#document-choice", f"supervision.assignmenttarget:{target.pk}|supervision_order")
        page.select_option("#document-signer", str(org.leader.pk))
        page.fill("#document-issue input[name=note]", "请于11月10日前办结")
        page.click("#document-issue button[type=submit]")
        page.locator("#document-list tr[data-kind=supervision_order]", has_text="刘市长").wait_for()
        doc = Document.objects.get(kind="supervision_order", signed_by=org.leader)
        row = page.locator(f"#document-list tr[data-number='{doc.number}']")
        row.wait_for()
        assert doc.number in row.inner_text() and "2025年11月6日" in row.inner_text() and "刘市长" in row.inner_text()
        shot(page, "documents_supervision_order")
        with page.expect_download() as download:
            row.locator("a.document-download").click()
        path = Path(tmp_path) / "order.pdf"
        download.value.save_as(path)
        text = pdf_text(path.read_bytes())
        for expected in (doc.number, "督办单", "2025年11月6日", org.unit_a.name, org.office_unit.name, "刘市长",
                         "请于11月10日前办结"):
            assert expected in text, expected

        login_as(page, live_server, "clerk_a")
        page.goto(url)
        assert doc.number in page.inner_text("#document-list")
        assert page.locator("#document-issue").count() == 0
        login_as(page, live_server, "clerk_b")
        response = page.goto(f"{live_server.url}/documents/{doc.pk}.pdf")
        assert response.status == 404
