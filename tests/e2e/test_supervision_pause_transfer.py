"""A unit's clock paused on request, and a co-unit's part transferred after a dispute, in Chromium.

A field-research item (R06: 10 wd) goes to unit A (lead) and unit B on Fri 2024-09-13, due Sun
09-29. Unit A asks to pause while it waits for the province's opinion; the office approves on
Thu 09-26; the sweep of Mon 10-07 (past the old due time) gives no card; unit A reports the
reason gone and the office resumes on Tue 10-08: the due time is Thu 10-10 (4 working days
credited, the National Day holiday not). Unit B, which has not signed and is past its due time,
disputes its part; the office records its opinion and transfers the part to unit C in one step:
B's part ends as 已转办, counted late (the dispute came after the due time); unit C's own clock
starts from the transfer."""

from datetime import datetime

import pytest
import time_machine

from efficiency.models import Role
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from supervision.models import Assignment, AssignmentTarget
from tests.factories import make_unit, make_user

from .conftest import login_as as _as, shot


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def _act(page, scope, action, **fields):
    form = page.locator(f"{scope} form[data-action={action}]").first
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator("button[type=submit], button").first.click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_a_pause_on_request_and_a_transfer_after_a_dispute(page, live_server, org):  # R23 R06 R39
    unit_c = make_unit("鄂州市住房和城乡建设局", region=org.region, code="C")
    make_user(Role.CLERK, unit=unit_c, username="clerk_c", full_name="孙经办")
    with time_machine.travel(at(2024, 9, 13, 9, 30), tick=True) as traveller:
        _as(page, live_server, "office")
        page.goto(f"{live_server.url}/supervision/assignments/new/")
        page.select_option("select[name=kind]", "field_research")
        page.fill("input[name=title]", "关于解决城东片区道路积水问题的调研交办")
        page.fill("textarea[name=source_text]", "请自然资源和规划局牵头，市场监管局配合，解决城东片区道路积水问题。")
        page.select_option("select[name=lead_unit]", str(org.unit_a.pk))
        page.select_option("select[name=co_units]", [str(org.unit_b.pk)])
        page.click("#assignment-form button[type=submit]")
        page.wait_for_selector("#targets")
        item = Assignment.objects.get()
        url = f"{live_server.url}{item.get_absolute_url()}"
        row_a = f"#targets tr[data-unit='{org.unit_a.code}']"
        row_b = f"#targets tr[data-unit='{org.unit_b.code}']"
        assert "2024-09-29 23:59" in page.inner_text(row_a)

        traveller.move_to(at(2024, 9, 18, 10, 0))
        _as(page, live_server, "clerk_a")
        page.goto(url)
        _act(page, row_a, "acknowledge")
        _act(page, row_a, "pause-request", pause_reason="other", explanation="等待省自然资源厅用地预审意见")
        assert "待审批" in page.inner_text(row_a)

        traveller.move_to(at(2024, 9, 26, 10, 0))
        _as(page, live_server, "office")
        page.goto(url)
        assert "等待省自然资源厅用地预审意见" in page.inner_text(row_a)
        _act(page, row_a, "pause-approve", note="同意，预审意见到达后及时报告")
        assert "暂停计时" in page.inner_text(row_a)

        sweep(now=at(2024, 10, 7, 9, 0))  # past the old due time and its red-card date
        traveller.move_to(at(2024, 10, 8, 9, 0))
        _as(page, live_server, "clerk_a")
        page.goto(url)
        assert page.locator(f"{row_a} [data-card]").count() == 0
        _act(page, row_a, "pause-gone", note="已收到省厅预审意见")

        traveller.move_to(at(2024, 10, 8, 10, 0))
        _as(page, live_server, "office")
        page.goto(url)
        assert "单位已报告事由消除" in page.inner_text(row_a)
        _act(page, row_a, "pause-resume")
        assert "2024-10-10 23:59" in page.inner_text(row_a)  # 09-29 + 4 wd: 30, Oct 8, 9, 10

        _as(page, live_server, "clerk_b")
        page.goto(url)
        _act(page, row_b, "dispute", reason="道路排水设施养护属住建局职责，不属本局")

        # R43: the lead unit coordinates first; only what it cannot settle goes to the office.
        _as(page, live_server, "head_a")
        page.goto(url)
        _act(page, "#coordinations", "escalate", note="已召集市场监管局、住建局会商，职责分歧未能解决")
        assert "已召集市场监管局" in page.inner_text("#coordinations")

        _as(page, live_server, "office")
        page.goto(url)
        _act(page, "#coordinations", "coordinate", opinion="配合部分转住建局办理", to_unit=str(unit_c.pk),
             mode="transfer")
        assert "已转办" in page.inner_text(row_b) and "鄂州市住房和城乡建设局" in page.inner_text(row_b)
        assert "超期办结" in page.inner_text(row_b)
        row_c = f"#targets tr[data-unit='{unit_c.code}']"
        assert "由 鄂州市市场监督管理局 转来" in page.inner_text(row_c)
        assert "2024-10-21 23:59" in page.inner_text(row_c)  # 10 wd from Tue 10-08 (Sat 10-12 works)
        timeline = page.inner_text("#timeline")
        for step in ("申请暂停计时", "批准暂停计时", "暂停事由消除", "恢复计时", "争议", "协调意见", "转办"):
            assert step in timeline, step
        shot(page, "supervision_pause_transfer")

        _as(page, live_server, "clerk_c")
        page.goto(url)
        _act(page, row_c, "acknowledge")
    target_c = AssignmentTarget.objects.get(unit=unit_c)
    assert target_c.status == "handling" and target_c.transferred_from.unit == org.unit_b
