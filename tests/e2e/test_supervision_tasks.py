"""The key-task list in Chromium: the office uploads a list with bad rows (row-by-row errors,
nothing imported), fixes it, and sees the tree with progress and a lagging warning."""

from datetime import date, datetime
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from supervision import excel, services
from supervision.models import KeyTask
from efficiency.workdays import SHANGHAI

from .conftest import login_as as _as, shot


def _file(tmp_path, rows, name):
    wb = load_workbook(BytesIO(excel.template_xlsx()))
    for r in rows:
        wb.active.append(r)
    path = tmp_path / name
    wb.save(path)
    return str(path)


@pytest.mark.django_db(transaction=True)
def test_the_office_imports_a_list_and_sees_progress(page, live_server, org, tmp_path):  # R14 R15
    a, b = org.unit_a.name, org.unit_b.name
    good = [["1", "工程建设项目审批提速", "审批时间压缩至80个工作日", "全流程网上办理", a, b, "刘市长", "张经办", "2025-12-31", "每月"],
            ["2", "企业开办一日办结", "1个工作日内办结", "一网通办", b, "", "刘市长", "", "2025-10-31", "每季度"]]
    bad = [*good, ["3", "任务三", "", "标准", a, "", "", "", "2025-12-31", ""],
           ["2", "重复编号", "目标", "标准", a, "", "", "", "2025-12-31", ""]]
    with time_machine.travel(datetime(2025, 1, 6, 9, 0, tzinfo=SHANGHAI), tick=True) as traveller:
        services.tasklist_create(actor=org.office, year=2025, title="鄂州市 2025 年度重点任务清单")
        _as(page, live_server, "office")
        page.goto(f"{live_server.url}/supervision/tasks/2025/import/")
        page.set_input_files("input[name=file]", _file(tmp_path, bad, "bad.xlsx"))
        page.click("form.form button")
        errors = page.inner_text("#import-errors")
        assert "缺少“目标任务”" in errors and "与第 3 行重复" in errors
        assert KeyTask.objects.count() == 0
        page.set_input_files("input[name=file]", _file(tmp_path, good, "good.xlsx"))
        page.click("form.form button")
        page.wait_for_selector("#task-list")
        task = KeyTask.objects.get(number="1")
        services.node_create(actor=org.office, task=task, title="“多规合一”平台升级", deadline=date(2025, 6, 30))

        traveller.move_to(datetime(2025, 7, 1, 9, 0, tzinfo=SHANGHAI))
        services.progress_report(actor=org.clerk_a, task=task, percent=15, narrative="平台升级招标完成")
        _as(page, live_server, "office")
        page.goto(f"{live_server.url}/supervision/tasks/2025/")
        row = page.locator("tr.task[data-number='1']")
        assert "15%" in row.inner_text() and row.locator(".lagging").count() == 1
        assert "“多规合一”平台升级" in page.inner_text("#task-list")
        shot(page, "supervision_key_tasks")
