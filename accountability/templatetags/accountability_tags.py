from django import template
from django.utils.translation import gettext_lazy as _

from efficiency.models import Rung

register = template.Library()

LABELS = {
    "clock.started": _("开始计时"), "clock.closed": _("停止计时"), "clock.paused": _("暂停计时"),
    "clock.resumed": _("恢复计时"), "clock.extended": _("延期"), "clock.reminder": _("临期提醒"),
    "complaints.filed": _("收到投诉"), "complaints.accepted": _("受理"), "complaints.declined": _("不予受理"),
    "complaints.assigned": _("交办"), "complaints.returned": _("单位退回"), "complaints.unit_replied": _("单位答复"),
    "complaints.replied": _("答复投诉人"), "complaints.substantiated": _("认定属实"), "complaints.rework": _("退回重办"),
    "complaints.rated": _("投诉人评价"), "complaints.reexamination": _("申请复查"), "complaints.escalated": _("提级督办"),
    "complaints.closed": _("办结"), "accountability.propose": _("问责建议"), "cases.opened": _("问责建议"),
    "cases.facts": _("调查事实"), "cases.statement": _("陈述申辩"), "cases.decided": _("处理决定"),
    "cases.dismissed": _("不予立案"), "cases.appealed": _("申诉"), "cases.appeal_decided": _("申诉复核"),
    "complaints.review_overdue": _("审核超期"), "cases.statement_requested": _("告知陈述申辩"),
    "cases.statement_due": _("陈述申辩临期"), "cases.statement_lapsed": _("陈述申辩逾期"),
}


@register.filter
def event_label(event) -> str:
    if event.kind == "clock.breach" and event.level_to is not None:
        return str(Rung(event.level_to).label)
    return str(LABELS.get(event.kind, event.kind))
