"""A leader's instruction end to end in Chromium: the office hands it out on the Friday before
Mid-Autumn 2024; the unit signs the same day, the deploy step runs late (黄牌, then 红牌 by the
sweep), the unit deploys and feeds back, the office returns it once and then closes it; the
timeline shows every step."""

from datetime import datetime

import pytest
import time_machine

from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from supervision.models import Assignment

from .conftest import login_as as _as, shot

FRIDAY = datetime(2024, 9, 13, 9, 30, tzinfo=SHANGHAI)  # Mid-Autumn: Sep 15–17 off, Sat 14 works


def _act(page, action, **fields):
    form = page.locator(f"form[data-action={action}]").first
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_an_instruction_is_handed_out_urged_returned_and_closed(page, live_server, org):  # R03 R04 R39
    with time_machine.travel(FRIDAY, tick=True) as traveller:
        _as(page, live_server, "office")
        page.goto(f"{live_server.url}/supervision/assignments/new/")
        page.select_option("select[name=kind]", "instruction")
        page.fill("input[name=title]", "关于加快国庆前重点项目审批的批示")
        page.fill("textarea[name=source_text]", "请自然资源和规划局牵头，节前完成项目用地预审，确保项目按期开工。")
        page.fill("input[name=issuing_leader]", "刘市长")
        page.select_option("select[name=lead_unit]", str(org.unit_a.pk))
        page.click("#assignment-form button[type=submit]")
        page.wait_for_selector("#targets")
        item = Assignment.objects.get()
        url = f"{live_server.url}{item.get_absolute_url()}"
        row = page.locator(f"#targets tr[data-unit='{org.unit_a.code}']")
        assert "待签收" in row.inner_text() and "2024-09-13 23:59" in row.inner_text()  # R03: same day

        _as(page, live_server, "clerk_a")
        page.goto(url)
        _act(page, "acknowledge")
        assert "2024-09-19 23:59" in row.inner_text()  # R04: Sat 14, Wed 18, Thu 19

        sweep(now=datetime(2024, 9, 20, 9, 0, tzinfo=SHANGHAI))
        page.reload()
        assert row.locator(".card-yellow").count() == 1
        shot(page, "supervision_yellow")
        sweep(now=datetime(2024, 9, 25, 9, 0, tzinfo=SHANGHAI))
        page.reload()
        assert row.locator(".card-red").count() == 1

        traveller.move_to(datetime(2024, 9, 25, 10, 0, tzinfo=SHANGHAI))
        _as(page, live_server, "office")
        page.goto(url)
        _act(page, "urge", message="请立即布置落实")
        assert "1 / 0" in row.inner_text()

        _as(page, live_server, "clerk_a")
        page.goto(url)
        _act(page, "deploy", note="9月25日召开局长办公会专题部署，明确审批科牵头")
        _act(page, "feedback", text="已完成3个项目用地预审")

        _as(page, live_server, "office")
        page.goto(url)
        _act(page, "return", reason="缺少预审批复文件，请补充佐证材料")
        assert "办理中" in row.inner_text()

        _as(page, live_server, "clerk_a")
        page.goto(url)
        assert "缺少预审批复文件" in page.inner_text("#targets")
        _act(page, "feedback", text="已补充3份预审批复文件")

        _as(page, live_server, "office")
        page.goto(url)
        _act(page, "close", note="材料齐全，同意办结")
        assert page.inner_text("#assignment-status") == "已办结"
        timeline = page.inner_text("#timeline")
        for step in ("登记", "交办", "签收", "黄牌", "红牌", "督办", "布置落实", "反馈", "退回", "办结"):
            assert step in timeline, step
        shot(page, "supervision_flow")
