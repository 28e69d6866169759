"""The 政务服务中心 window's day in Chromium (issue 15, point 6): the window officer logs in, takes
in an application for a department's item (综合窗口, R19 R25), lands on the printable 受理回执
(number, department, committed limit, due date in China time, tracking code), and the print
layout hides the page's chrome. The department's clerk then finds it on the home to-do."""

import pytest
from django.utils import timezone

from approvals import services
from approvals.models import Application, Material
from efficiency.models import Role, Unit
from efficiency.workdays import SHANGHAI, is_workday
from tests.factories import make_unit, make_user

from .conftest import login_as, shot


@pytest.mark.django_db(transaction=True)
def test_the_window_takes_in_for_a_department_and_prints_the_receipt(page, live_server, org):
    centre = make_unit("鄂州市政务服务中心", region=org.region, code="ZWZX", kind=Unit.Kind.SERVICE_CENTER)
    section = centre.sections.create(name="综合受理窗口")
    make_user(Role.CLERK, unit=centre, username="window", full_name="孙窗口", section=section)
    item = services.item_save(
        actor=org.head_b, unit=org.unit_b, code="SCJG-E2E", name="个体工商户设立登记", legal_basis="《促进个体工商户发展条例》",
        legal_limit=15, committed_limit=3, deemed_approval=True,
        materials=["个体工商户登记（备案）申请书", "经营者身份证明", "经营场所使用证明"])

    login_as(page, live_server, "window")
    page.goto(f"{live_server.url}/")
    assert page.locator("a[data-todo='approvals.applications.intake'] .todo-count").inner_text() == "0"
    page.goto(f"{live_server.url}/approvals/new/")
    page.select_option("select[name=item]", str(item.pk))  # data-autosubmit reloads with the item's form
    page.wait_for_selector("#intake-form")
    assert org.unit_b.name in page.inner_text("#intake-unit")
    page.select_option("#intake-form select[name=applicant_kind]", "person")
    page.fill("#intake-form input[name=applicant_name]", "周建华")
    page.fill("#intake-form input[name=applicant_id_number]", "11010519491231002X")
    page.fill("#intake-form input[name=applicant_phone]", "13871100011")
    page.fill("#intake-form input[name=project]", "建华便利店")
    for m in Material.objects.filter(item=item):
        page.check(f"#intake-form input[name=materials][value='{m.pk}']")
    page.click("#intake-form button[type=submit]")

    page.wait_for_selector("#slip")
    app = Application.objects.get()
    assert app.unit == org.unit_b and app.intake_unit == centre and app.owner == org.clerk_b
    due = timezone.localtime(app.due_at, SHANGHAI).date()
    assert is_workday(due)
    assert page.inner_text("#slip-number").strip() == app.receipt_number
    assert page.inner_text("#slip-due").strip() == due.isoformat()
    assert page.inner_text("#slip-unit").strip() == org.unit_b.name
    assert "3 个工作日" in page.inner_text("#slip-limit") and "周建华" in page.inner_text("#slip-applicant")
    assert len(page.inner_text("#slip-code").strip()) == 8
    assert page.locator("link[href$='css/slip.css']").count() == 1
    shot(page, "window_slip")
    page.emulate_media(media="print")  # what the printer gets: the receipt, no menus or buttons
    assert page.locator("#print-slip").is_hidden() and page.locator("nav.nav, .nav").first.is_hidden()
    assert page.locator("#slip").is_visible()
    shot(page, "window_slip_print")
    page.emulate_media(media="screen")

    login_as(page, live_server, "clerk_b")  # the department finds it on its to-do and opens it
    page.goto(f"{live_server.url}/")
    page.click("a[data-todo='approvals.applications.work']")
    page.click(f"text={app.receipt_number}")
    assert "鄂州市政务服务中心" in page.inner_text("#app-window")
