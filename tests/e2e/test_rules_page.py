"""The office opens the rules page from the menu: every rule of RULES.md is a row, each row shows
where it is enforced and the test that proves it, a click opens that line of source, and the
local defaults appear as 本地默认 (种子未规定) with their current values (issue 16, 4 and 6)."""

import pytest

from efficiency import rules_catalog
from efficiency.models import TimeLimitRule

from .conftest import login_as, shot


@pytest.mark.django_db(transaction=True)
def test_the_office_reads_the_rules_page_and_opens_an_enforcing_place(page, live_server, org):
    index = rules_catalog.load()
    login_as(page, live_server, "office")
    page.goto(f"{live_server.url}/")
    page.click("nav a[data-nav='rules']")
    page.wait_for_selector("#rules")
    rows = page.locator("#rules tbody tr")
    assert rows.count() == len(index["rules"]) == 69
    for rule in index["rules"]:
        row = page.locator(f"#rules tr[data-rule='{rule['id']}']")
        if rule["tests"]:  # a proved rule shows its enforcing place and its test
            assert row.locator("a.rules-test").count() == len(rule["tests"]), rule["id"]
            assert row.locator("a.rules-code").count() == len(rule["code"]), rule["id"]
        else:
            assert "尚未落实" in row.inner_text(), rule["id"]
    node = page.locator("#local-limit-table tr[data-limit='task.node']")
    assert "本地默认 (种子未规定)" in node.inner_text() and "20" in node.inner_text()
    assert page.locator("#local-default-table .local-default-row").count() == len(index["local_defaults"])
    r14 = page.locator("#rules tr[data-rule='R14'] .rules-limit[data-limit='task.node']")
    assert "本地默认 (种子未规定)" in r14.inner_text()
    assert TimeLimitRule.objects.filter(local_default=True).count() == \
        page.locator("#local-limit-table tbody tr").count()
    shot(page, "rules_page")

    first = page.locator("#rules tr[data-rule='R07'] a.rules-code").first
    where = first.inner_text()
    first.click()
    page.wait_for_selector(".rules-source-hit")
    assert page.locator("h1").inner_text() == where
    assert "R07" in page.locator(".rules-source-hit").inner_text() or "R07" in page.locator(".rules-source").inner_text()
    shot(page, "rules_source")


@pytest.mark.django_db(transaction=True)
def test_a_clerk_has_no_rules_page(page, live_server, org):
    login_as(page, live_server, "clerk_a")
    page.goto(f"{live_server.url}/")
    assert page.locator("nav a[data-nav='rules']").count() == 0
    assert page.goto(f"{live_server.url}/rules/").status == 404
