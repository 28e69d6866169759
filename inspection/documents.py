"""The inspection app's official documents, issued by the supervising office by hand from the
item's page: the 整改通知书 (on a rectification: the problem, the goal, the owner and the
deadline, R13/R64) and the 监察建议书 (on a finding: what the unit should improve)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efficiency.clocks import format_due
from efficiency.documents import DocumentKind, Draft, office_for, register_document_kind
from efficiency.models import Role


def rectification_notice_draft(rect, **_extra) -> Draft:
    finding = rect.finding
    rows = [(_("问题"), finding.title), (_("问题描述"), finding.description or "—"),
            (_("整改目标"), rect.target), (_("整改责任人"), str(rect.owner) if rect.owner else "—"),
            (_("整改期限"), format_due(rect.due_at))]
    body = [_("在督查检查中发现你单位存在下列问题。请你单位按照整改目标、责任主体和整改时限的要求认真整改，"
              "于期限届满前通过平台报送整改情况报告，逾期未整改的将依规提出问责建议。")]
    return Draft(office=office_for(rect.unit), addressee=rect.unit.name, addressee_unit=rect.unit, body=body,
                 rows=rows, closing=_("特此通知。"))


def recommendation_draft(finding, **_extra) -> Draft:
    rows = [(_("检查发现的问题"), finding.title), (_("问题描述"), finding.description or "—"),
            (_("性质"), finding.get_severity_display()), (_("建议改进目标"), finding.rectify_target),
            (_("反馈日期"), finding.feedback_date.strftime("%Y-%m-%d"))]
    body = [_("根据督查检查情况，你单位在机关效能建设方面存在下列问题。为堵塞漏洞、健全制度、改进工作，"
              "特提出如下监察建议，请认真研究采纳，并于反馈日期前将采纳情况书面反馈。")]
    return Draft(office=office_for(finding.unit), addressee=finding.unit.name, addressee_unit=finding.unit,
                 body=body, rows=rows, closing=_("特此建议。"))


def register() -> None:
    register_document_kind(DocumentKind(
        code="rectification_notice", title=gettext_lazy("整改通知书"), prefix="整改",
        model="inspection.rectification", draft=rectification_notice_draft, roles=(Role.OFFICE,)))
    register_document_kind(DocumentKind(
        code="supervision_recommendation", title=gettext_lazy("监察建议书"), prefix="监建",
        model="inspection.finding", draft=recommendation_draft, roles=(Role.OFFICE,)))
