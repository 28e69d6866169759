"""Excel ledger (台账) of a plan's findings and their rectification."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from efficiency.clocks import format_due

from .queries import plan_report

HEADERS = ["序号", "被检查单位", "检查日期", "方式", "问题", "性质", "整改目标", "整改措施", "责任人",
           "整改期限", "整改状态", "时限状态", "验收时间"]


def plan_workbook(plan) -> bytes:
    report = plan_report(plan)
    wb = Workbook()
    ws = wb.active
    ws.title = "督查问题整改台账"
    ws.append([f"{plan.topic}（{plan.get_method_display()}，{plan.start_date}—{plan.end_date}）"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for n, f in enumerate(report["findings"], start=1):
        rect = getattr(f, "rectification", None)
        ws.append([
            n, f.unit.name, f.visit.visited_on.isoformat(), f.visit.get_kind_display(), f.title,
            f.get_severity_display(), f.rectify_target, rect.measures if rect else "",
            (rect.owner.full_name if rect and rect.owner else ""),
            format_due(rect.due_at) if rect else "", rect.get_status_display() if rect else "待反馈",
            rect.get_clock_state_display() if rect else "",
            rect.verified_at.strftime("%Y-%m-%d %H:%M") if rect and rect.verified_at else "",
        ])
    c = report["counts"]
    ws.append([])
    ws.append(["合计", f"问题 {report['total']} 个", f"已验收 {c['verified']}", f"待验收 {c['reported']}",
               f"整改中 {c['open']}", f"超期 {c['late']}"])
    for col, width in zip("ABCDEFGHIJKLM", (6, 24, 12, 10, 30, 8, 30, 30, 10, 14, 10, 10, 16)):
        ws.column_dimensions[col].width = width
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
