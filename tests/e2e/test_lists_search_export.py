"""The office's morning (issue 15, 2–3): on the 交办件 list it finds the overdue assignment by
its number, sees the total, exports exactly that row to Excel and reads it back; on a 360 px
phone the search and the export stay on screen while the table scrolls inside its wrapper."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from efficiency.models import Rung
from supervision import services
from supervision.models import AssignmentKind, AssignmentTarget

from .conftest import login_as, shot


def _assignment(org, title, unit):
    return services.assignment_create(
        actor=org.office, kind=AssignmentKind.INSTRUCTION, title=title, source_text="请限期办结。",
        issuing_leader="刘市长", lead_unit=unit)


@pytest.mark.django_db(transaction=True)
def test_the_office_finds_an_overdue_assignment_by_search_and_exports_it(browser, page, live_server, org):
    late = _assignment(org, "关于整治不动产登记积压问题的批示", org.unit_a)
    AssignmentTarget.objects.filter(assignment=late).update(
        status="handling", due_at=timezone.now() - timedelta(days=3), breach_level=Rung.RED)
    for i in range(3):
        _assignment(org, f"关于优化营商环境的第{i + 1}项决定", org.unit_b)

    login_as(page, live_server, "office")
    page.goto(f"{live_server.url}/supervision/")
    assert page.locator(".list-total").get_attribute("data-total") == "4"
    page.fill("input[name=q]", late.number)
    page.select_option("select[name=window]", "overdue")
    page.click(".list-filters button[type=submit]")
    page.wait_for_url("**q=*")
    rows = page.locator("#work-list tbody tr")
    assert rows.count() == 1 and late.title in rows.first.inner_text()
    assert page.locator(".list-total").get_attribute("data-total") == "1"
    shot(page, "lists_office_search_overdue")

    with page.expect_download() as info:
        page.click("a[data-export]")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    ws = load_workbook(io.BytesIO(open(download.path(), "rb").read()), read_only=True).active
    sheet = [list(r) for r in ws.iter_rows(values_only=True)]
    assert sheet[0][:2] == ["交办编号", "交办事项"] and len(sheet) == 2
    assert sheet[1][0] == late.number and sheet[1][sheet[0].index("预警")] == "红牌"

    phone = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 360, "height": 740})
    small = phone.new_page()
    small.set_default_timeout(15000)
    small.context.add_cookies(page.context.cookies())
    small.goto(f"{live_server.url}/supervision/")
    for selector in (".list-filters button[type=submit]", "a[data-export]", "input[name=q]"):
        box = small.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, selector
    wrap = small.locator(".table-wrap").first
    # the table scrolls inside its wrapper, not the page
    assert wrap.evaluate("w => w.scrollWidth > w.clientWidth")
    assert wrap.evaluate("w => w.getBoundingClientRect().right") <= 360
    shot(small, "lists_office_phone")
    phone.close()
