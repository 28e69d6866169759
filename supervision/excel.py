"""The key-task list in Excel (台账): the blank template, export with status colours, and an
all-or-nothing import that answers with a row-by-row error report in Chinese."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from efficiency.models import Role, Unit, User
from efficiency.workdays import local_date

from . import services
from .models import KeyTask, KeyTaskList, ReportCycle

HEADERS = ["编号", "任务名称", "目标任务", "工作标准", "牵头单位", "配合单位", "责任领导", "责任人", "完成时限",
           "报告周期", "完成进度（%）", "状态"]
REQUIRED = ["编号", "任务名称", "目标任务", "工作标准", "牵头单位", "完成时限"]
IMPORTED = HEADERS[:10]  # progress and status are written by the system, never imported
FILLS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE", "blue": "BDD7EE", "grey": "D9D9D9"}
COLOUR_NAMES = {"green": "正常", "yellow": "临期预警", "red": "超期", "blue": "已完成", "grey": "暂停"}
CYCLES = {str(label): value for value, label in ReportCycle.choices}
SPLIT = re.compile(r"[、,，;；/\s]+")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet_header(ws) -> None:
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for letter, width in zip("ABCDEFGHIJKL", (8, 28, 36, 30, 24, 30, 10, 10, 12, 10, 12, 12)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


def _save(wb) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def template_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "重点任务清单"
    _sheet_header(ws)
    notes = wb.create_sheet("填写说明")
    for line in [
        ["列", "说明"],
        ["编号", "必填，清单内唯一，如 1、1.2"],
        ["任务名称 / 目标任务 / 工作标准", "必填"],
        ["牵头单位", "必填，填写单位全称或单位代码"],
        ["配合单位", "可空，多个单位用顿号“、”分隔"],
        ["责任领导", "可空"],
        ["责任人", "可空，须为牵头单位人员，填写姓名或用户名"],
        ["完成时限", "必填，日期，如 2025-06-30"],
        ["报告周期", "可空（默认每月），可填：每周、每月、每季度"],
        ["完成进度、状态", "导出时由系统填写，导入时忽略"],
        ["规则", "任一行有错误时整张表不导入，系统逐行列出错误"],
    ]:
        notes.append(line)
    notes.column_dimensions["A"].width = 30
    notes.column_dimensions["B"].width = 60
    return _save(wb)


def status_label(task: KeyTask) -> str:
    label = COLOUR_NAMES[task.colour]
    if task.card == "yellow":
        label += "（黄牌）"
    elif task.card == "red":
        label += "（红牌）"
    return label


def export_xlsx(task_list: KeyTaskList, tasks) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "重点任务清单"
    _sheet_header(ws)
    for task in tasks:
        ws.append([
            task.number, task.title, task.goal, task.standard, task.unit.name,
            "、".join(u.name for u in task.co_units.all()), task.leader_name,
            task.owner.full_name if task.owner else "", task.deadline, task.get_report_cycle_display(),
            task.progress, status_label(task),
        ])
        row = ws.max_row
        ws.cell(row, 9).number_format = "yyyy-mm-dd"
        fill = PatternFill("solid", start_color=FILLS[task.colour], end_color=FILLS[task.colour])
        for col in (1, 12):
            ws.cell(row, col).fill = fill
    ws.title = "重点任务清单"
    wb.properties.title = task_list.title
    return _save(wb)


# --- import -----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    errors: list[tuple[int, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _unit(text: str) -> Unit | None:
    return Unit.objects.filter(Q(name=text) | Q(code=text), is_active=True).first()


def _person(text: str, unit: Unit) -> User | None:
    found = list(User.objects.filter(Q(full_name=text) | Q(username=text), unit=unit, is_active=True,
                                     role__in=[Role.CLERK, Role.HEAD])[:2])
    return found[0] if len(found) == 1 else None


def _parse_row(n: int, values: dict, seen: dict, existing: dict) -> tuple[list[str], dict]:
    problems = [f"缺少“{h}”" for h in REQUIRED if not _text(values.get(h))]
    number = _text(values.get("编号"))
    if number and number in seen:
        problems.append(f"编号“{number}”与第 {seen[number]} 行重复")
    seen.setdefault(number, n)
    row = {"number": number, "title": _text(values.get("任务名称")), "goal": _text(values.get("目标任务")),
           "standard": _text(values.get("工作标准")), "leader_name": _text(values.get("责任领导"))}
    unit_text = _text(values.get("牵头单位"))
    unit = _unit(unit_text) if unit_text else None
    if unit_text and unit is None:
        problems.append(f"牵头单位“{unit_text}”不存在")
    co_units = []
    for name in [t for t in SPLIT.split(_text(values.get("配合单位"))) if t]:
        u = _unit(name)
        problems.append(f"配合单位“{name}”不存在") if u is None else co_units.append(u)
    person_text = _text(values.get("责任人"))
    owner = _person(person_text, unit) if person_text and unit else None
    if person_text and unit and owner is None:
        problems.append(f"责任人“{person_text}”不是{unit.name}的人员（或重名）")
    raw_deadline = values.get("完成时限")
    deadline = _date(raw_deadline)
    if _text(raw_deadline) and deadline is None:
        problems.append(f"完成时限“{_text(raw_deadline)}”不是有效日期（应为 2025-06-30 格式）")
    cycle_text = _text(values.get("报告周期")) or "每月"
    if cycle_text not in CYCLES:
        problems.append(f"报告周期“{cycle_text}”无效（可填：每周、每月、每季度）")
    old = existing.get(number)
    if deadline and (old is None or old.deadline != deadline) and deadline <= local_date(timezone.now()):
        problems.append(f"完成时限 {deadline.isoformat()} 已过")
    row.update(unit=unit, co_units=co_units, owner=owner, deadline=deadline, report_cycle=CYCLES.get(cycle_text))
    return problems, row


def import_xlsx(*, actor, task_list: KeyTaskList, data) -> ImportResult:
    """Import a list: any bad row imports nothing (R14 清单 is issued whole, not half)."""
    result = ImportResult()
    try:
        wb = load_workbook(data, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload is the user's error, not ours
        result.errors.append((0, "文件无法读取，请上传由模板填写的 .xlsx 文件"))
        return result
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_text(h) for h in next(rows, [])]
    missing = [h for h in IMPORTED if h not in header]
    if missing:
        result.errors.append((1, f"表头缺少列：{'、'.join(missing)}（请使用下载的模板）"))
        return result
    existing = {t.number: t for t in task_list.tasks.prefetch_related("co_units")}
    seen: dict[str, int] = {}
    parsed = []
    for n, raw in enumerate(rows, start=2):
        values = dict(zip(header, raw))
        if not any(_text(values.get(h)) for h in IMPORTED):
            continue  # blank line
        problems, row = _parse_row(n, values, seen, existing)
        if problems:
            result.errors.append((n, "；".join(problems)))
        parsed.append((n, row))
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for n, row in parsed:
                _write(actor, task_list, existing.get(row["number"]), row, result)
    except ValidationError as e:
        result.errors.append((n, "；".join(e.messages)))
        result.created = result.updated = result.unchanged = 0
    return result


def _write(actor, task_list, task, row, result) -> None:
    if task is None:
        services.keytask_create(actor=actor, task_list=task_list, **row)
        result.created += 1
        return
    fields = {k: v for k, v in row.items() if k not in ("number", "co_units")}
    if services.keytask_update(actor=actor, task=task, co_units=row["co_units"], **fields):
        result.updated += 1
    else:
        result.unchanged += 1
