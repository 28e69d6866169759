"""How inspection's events read in timelines and notifications."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "inspection.plan_filed": _("填报计划"),
    "inspection.plan_submitted": _("报领导审批"),
    "inspection.plan_approved": _("领导批准"),
    "inspection.plan_rejected": _("领导退回"),
    "inspection.plan_updated": _("修改计划"),
    "inspection.plan_closed": _("计划完成"),
    "inspection.assessment": _("登记第三方评估"),
    "inspection.results_published": _("结果公开"),
    "inspection.draw": _("双随机抽取"),
    "inspection.draw_published": _("抽取结果公开"),
    "inspection.visit": _("明查暗访"),
    "inspection.visit_closed": _("检查反馈"),
    "inspection.finding": _("发现问题"),
    "rectification.opened": _("交办整改"),
    "rectification.measures": _("报送整改方案"),
    "rectification.reported": _("报告整改情况"),
    "rectification.verified": _("验收通过"),
    "rectification.returned": _("退回整改"),
    "accountability.propose": _("移送问责"),
    "clock.started": _("开始计时"),
    "clock.paused": _("暂停计时"),
    "clock.resumed": _("恢复计时"),
    "clock.closed": _("办结"),
    "clock.breach": _("预警升级"),
    "clock.extended": _("延期"),
}


def label(kind: str) -> str:
    return str(LABELS.get(kind, kind))


def format_event(event, subject):
    """(title, body, link) of a notification about an inspection item."""
    name = str(subject) if subject is not None else f"{event.subject_type}#{event.subject_id}"
    link = subject.get_absolute_url() if hasattr(subject, "get_absolute_url") else ""
    return f"【{label(event.kind)}】{name}", event.message, link
