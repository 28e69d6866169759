"""Each role's day in Chromium (issue 15, "Must show"), end to end in one journey each:

- the office finds an overdue assignment by search on the list, opens it, issues a 督办单 with
  the leader's sign-off and prints it (the PDF, read back);
- a clerk signs for an assignment, works it (布置落实) and feeds back, each time starting from the
  home page's to-do, which moves from 待签收 to 待办理 to nothing, and the office's 待审核反馈 appears.

(The window's intake and receipt: test_window_intake.py; the leader's red card on the home page and
in the inbox: test_home_todo.py; the citizen from `/` to the complaint form and its tracking:
test_public_portal.py.)"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from efficiency.models import Document, Rung
from efficiency.workdays import local_date
from supervision import services
from supervision.models import AssignmentKind, AssignmentTarget
from tests.pdf import pdf_text

from .conftest import login_as, shot


def _instruction(org, title, unit):
    return services.assignment_create(
        actor=org.office, kind=AssignmentKind.INSTRUCTION, title=title, source_text="请牵头办理，按期反馈。",
        issuing_leader="刘市长", lead_unit=unit)


def _count(page, key) -> int:
    return int(page.locator(f"a[data-todo='{key}'] .todo-count").inner_text())


@pytest.mark.django_db(transaction=True)
def test_the_office_finds_an_overdue_assignment_by_search_issues_a_supervision_order_and_prints_it(
        page, live_server, org, tmp_path):
    late = _instruction(org, "关于整治不动产登记积压问题的批示", org.unit_a)
    AssignmentTarget.objects.filter(assignment=late).update(
        status="handling", due_at=timezone.now() - timedelta(days=3), breach_level=Rung.RED)
    for i in range(3):
        _instruction(org, f"关于优化营商环境的第{i + 1}项批示", org.unit_b)
    target = late.targets.get()

    login_as(page, live_server, "office")
    page.goto(f"{live_server.url}/supervision/")
    page.fill("input[name=q]", "积压")
    page.select_option("select[name=window]", "overdue")
    page.click(".list-filters button[type=submit]")
    page.wait_for_url("**q=*")
    rows = page.locator("#work-list tbody tr")
    assert rows.count() == 1 and page.locator(".list-total").get_attribute("data-total") == "1"
    rows.first.locator(f"a:has-text('{late.title}')").click()
    page.wait_for_selector("#documents")

    page.select_option("#document-choice", f"supervision.assignmenttarget:{target.pk}|supervision_order")
    page.select_option("#document-signer", str(org.leader.pk))  # a leader's instruction: signed off (R45)
    page.fill("#document-issue input[name=note]", "请于三个工作日内办结并书面报告")
    page.click("#document-issue button[type=submit]")
    page.locator("#document-list tr[data-kind=supervision_order]").wait_for()
    doc = Document.objects.get(kind="supervision_order", subject_id=target.pk)
    row = page.locator(f"#document-list tr[data-number='{doc.number}']")
    assert doc.number in row.inner_text() and "刘市长" in row.inner_text()
    shot(page, "role_day_office_supervision_order")

    with page.expect_download() as download:
        row.locator("a.document-download").click()
    path = Path(tmp_path) / "order.pdf"
    download.value.save_as(path)
    text = pdf_text(path.read_bytes())
    issued = local_date(doc.issued_at)
    for expected in (doc.number, "督办单", f"{issued.year}年{issued.month}月{issued.day}日", org.unit_a.name,
                     late.number, "请于三个工作日内办结并书面报告"):
        assert expected in text, expected


@pytest.mark.django_db(transaction=True)
def test_a_clerk_signs_for_works_and_feeds_back_from_the_home_to_do(page, live_server, org):
    item = _instruction(org, "关于推进不动产登记“交房即交证”的批示", org.unit_a)
    _instruction(org, "关于市场主体年报的批示", org.unit_b)  # another unit's: never on clerk_a's list
    target = item.targets.get()

    login_as(page, live_server, "clerk_a")
    page.goto(f"{live_server.url}/")
    assert _count(page, "supervision.targets.sign") == 1 and _count(page, "supervision.targets.work") == 0
    page.click("a[data-todo='supervision.targets.sign']")
    page.locator("#work-list tbody tr").first.locator(f"a:has-text('{item.title}')").click()
    page.locator("form[data-action=acknowledge] button[type=submit]").click()
    page.wait_for_load_state()

    def from_the_to_do():
        page.goto(f"{live_server.url}/")
        assert _count(page, "supervision.targets.sign") == 0 and _count(page, "supervision.targets.work") == 1
        page.click("a[data-todo='supervision.targets.work']")
        rows = page.locator("#work-list tbody tr")
        assert rows.count() == 1
        rows.first.locator(f"a:has-text('{item.title}')").click()
        page.wait_for_selector("#targets")

    from_the_to_do()  # 签收 closed the same-day report step; now 布置落实
    page.fill("form[data-action=deploy] textarea[name=note]", "已召开局务会专题部署，明确不动产登记中心牵头落实。")
    page.locator("form[data-action=deploy] button[type=submit]").click()
    page.wait_for_load_state()
    target.refresh_from_db()
    assert target.status == AssignmentTarget.Status.DEPLOYED

    from_the_to_do()
    page.fill("form[data-action=feedback] textarea[name=text]", "新建商品房项目已全部实现“交房即交证”，共办证 1260 件。")
    page.locator("form[data-action=feedback] button[type=submit]").click()
    page.wait_for_load_state()
    target.refresh_from_db()
    assert target.status == AssignmentTarget.Status.FED_BACK and "1260" in target.feedback
    assert "1260" in page.locator(f"#target-{target.pk}").inner_text()
    shot(page, "role_day_clerk_fed_back")

    page.goto(f"{live_server.url}/")
    assert _count(page, "supervision.targets.work") == 0
    login_as(page, live_server, "office")
    page.goto(f"{live_server.url}/")
    assert _count(page, "supervision.targets.review") == 1
