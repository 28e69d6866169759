"""The efficiency office finds a gaming lead on its list, reads the evidence and confirms it; a
dismissal without a reason is refused on the page (issue 18)."""

import pytest

from efficiency import gaming
from efficiency.models import GamingFinding
from tests.efficiency.test_gaming import END, START, close_reopen, late_pauses

from .conftest import login_as, shot


@pytest.mark.django_db(transaction=True)
def test_the_office_reads_the_evidence_and_confirms_a_finding(page, live_server, org):
    late_pauses(org, 3)
    close_reopen(org)
    gaming.detect(START, END)
    finding = GamingFinding.objects.get(pattern="close_reopen")
    login_as(page, live_server, "office")
    page.goto(f"{live_server.url}/")
    page.click("nav a[data-nav='gaming']")
    page.wait_for_selector("#gaming-list")
    assert page.locator("#gaming-list tbody tr").count() == 4
    page.select_option("select[name='pattern']", "close_reopen")
    page.click("form.list-filters button[type='submit']")
    page.wait_for_selector("#gaming-list")
    assert page.locator("#gaming-list tbody tr").count() == 1
    shot(page, "gaming_list")
    page.click("#gaming-list tbody tr a")
    page.wait_for_selector("#gaming-figures")
    assert "时限被重置增加天数" in page.locator("#gaming-figures").inner_text()
    assert page.locator("#gaming-events tbody tr").count() == 2
    # dismissing without a reason is refused, the finding stays open
    page.click("#gaming-decide button[value='dismiss']")
    page.wait_for_selector(".messages")
    assert "必须说明理由" in page.locator(".messages").inner_text()
    assert page.locator("#gaming-status").get_attribute("data-status") == "open"
    page.fill("#gaming-decide textarea[name='reason']", "临期办结后重新起算，确属规避")
    page.click("#gaming-decide button[value='confirm']")
    page.wait_for_selector("#gaming-status[data-status='confirmed']")
    assert page.locator("#gaming-decide").count() == 0
    shot(page, "gaming_confirmed")
    finding.refresh_from_db()
    assert finding.status == "confirmed" and finding.decided_by == org.office


@pytest.mark.django_db(transaction=True)
def test_a_clerk_has_no_gaming_list(page, live_server, org):
    login_as(page, live_server, "clerk_a")
    page.goto(f"{live_server.url}/")
    assert page.locator("nav a[data-nav='gaming']").count() == 0
    assert page.goto(f"{live_server.url}/gaming/").status == 404
