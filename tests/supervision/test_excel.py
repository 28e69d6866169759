"""Key-task list in Excel: template, export with colours, all-or-nothing import (R14)."""

from datetime import date
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from efficiency.models import AuditLog, Event
from supervision import excel, queries, services
from supervision.models import KeyTask

from .conftest import at

pytestmark = pytest.mark.django_db
JAN = at(2025, 1, 6, 9, 0)


@pytest.fixture
def task_list(org):
    with time_machine.travel(JAN, tick=False):
        tl = services.tasklist_create(actor=org.office, year=2025)
        for n, title in (("1", "优化营商环境"), ("2", "城区道路提档升级")):
            services.keytask_create(actor=org.office, task_list=tl, number=n, title=title, goal=f"{title}目标",
                                    standard="按期保质", unit=org.unit_a, co_units=[org.unit_b],
                                    owner=org.clerk_a, leader_name="刘市长", deadline=date(2025, 10, 31))
    return tl


def _export(org, tl) -> bytes:
    return excel.export_xlsx(tl, queries.tasks_of(org.office, tl))


def _rows(data: bytes):
    return list(load_workbook(BytesIO(data)).active.iter_rows(values_only=True))


def _state():
    return sorted((t.number, t.title, t.goal, t.standard, t.unit_id, t.owner_id, t.deadline, t.report_cycle,
                   tuple(sorted(t.co_units.values_list("pk", flat=True))), t.due_at) for t in KeyTask.objects.all())


def test_the_template_has_every_column(org):
    assert _rows(excel.template_xlsx())[0][:10] == tuple(excel.IMPORTED)


def test_export_colours_each_row_by_its_clock(org, task_list):
    data = _export(org, task_list)
    ws = load_workbook(BytesIO(data)).active
    assert ws.cell(2, 12).value == "正常" and ws.cell(2, 12).fill.start_color.rgb.endswith("C6EFCE")
    assert ws.cell(2, 6).value == org.unit_b.name


def test_export_then_import_of_the_same_list_changes_nothing(org, task_list):  # R14
    data = _export(org, task_list)
    before, events, audits = _state(), Event.objects.count(), AuditLog.objects.count()
    with time_machine.travel(at(2025, 3, 1, 9, 0), tick=False):
        result = excel.import_xlsx(actor=org.office, task_list=task_list, data=BytesIO(data))
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert _state() == before
    assert (Event.objects.count(), AuditLog.objects.count()) == (events, audits)


def _with_rows(org, rows) -> BytesIO:
    wb = load_workbook(BytesIO(excel.template_xlsx()))
    for r in rows:
        wb.active.append(r)
    out = BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _good(n, unit="鄂州市自然资源和规划局", goal="目标", deadline="2025-09-30"):
    return [n, f"任务{n}", goal, "标准", unit, "", "", "", deadline, "每月"]


def test_a_file_with_three_bad_rows_gets_three_errors_and_no_change(org, task_list):  # R14
    before = _state()
    data = _with_rows(org, [_good("3"), _good("4", unit="鄂州市不存在局"), _good("5", goal=""),
                            _good("6"), _good("7", deadline="2025-13-45")])
    with time_machine.travel(at(2025, 3, 1, 9, 0), tick=False):
        result = excel.import_xlsx(actor=org.office, task_list=task_list, data=data)
    assert [n for n, _ in result.errors] == [3, 4, 6]
    assert "牵头单位“鄂州市不存在局”不存在" in result.errors[0][1]
    assert "缺少“目标任务”" in result.errors[1][1]
    assert "不是有效日期" in result.errors[2][1]
    assert _state() == before


def test_a_duplicate_number_in_the_file_is_an_error(org, task_list):
    data = _with_rows(org, [_good("8"), _good("8")])
    with time_machine.travel(at(2025, 3, 1, 9, 0), tick=False):
        result = excel.import_xlsx(actor=org.office, task_list=task_list, data=data)
    assert result.errors == [(3, "编号“8”与第 2 行重复")]
    assert not KeyTask.objects.filter(number="8").exists()


def test_a_good_file_creates_and_updates_tasks(org, task_list):
    rows = _rows(_export(org, task_list))
    changed = list(rows[1][:10])
    changed[1] = "优化营商环境（修订）"
    data = _with_rows(org, [changed, _good("9")])
    with time_machine.travel(at(2025, 3, 1, 9, 0), tick=False):
        result = excel.import_xlsx(actor=org.office, task_list=task_list, data=data)
    assert result.ok and (result.created, result.updated) == (1, 1)
    assert KeyTask.objects.get(number="1").title == "优化营商环境（修订）"


def test_an_unreadable_file_is_refused_in_chinese(org, task_list):
    result = excel.import_xlsx(actor=org.office, task_list=task_list, data=BytesIO(b"not excel"))
    assert result.errors and "无法读取" in result.errors[0][1]
