"""The supervision app's official documents: the 交办单 (issued by the office when it hands an
assignment to its units), (the 督办单's sign-off rule is
`AssignmentTarget.supervision_order_needs_signoff`)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efficiency.clocks import format_due
from efficiency.documents import DocumentKind, Draft, register_document_kind
from efficiency.models import Role

ASSIGNMENT_ORDER = "assignment_order"

def assignment_order_draft(item, **_extra) -> Draft:
    targets = list(item.targets.select_related("unit").order_by("-is_lead", "pk"))
    lead = [t.unit.name for t in targets if t.is_lead]
    co = [t.unit.name for t in targets if not t.is_lead]
    rows = [(_("交办编号"), item.number), (_("来源类别"), item.get_kind_display()),
            (_("交办领导"), item.issuing_leader or "—"), (_("牵头单位"), "、".join(lead) or "—"),
            (_("配合单位"), "、".join(co) or "—")]
    due = [t.due_at for t in targets if t.is_lead and t.due_at]
    rows.append((_("办理时限"), item.deadline.strftime("%Y-%m-%d") if item.deadline else format_due(due[0] if due else None)))
    body = [_("现将“%(title)s”交你单位办理，请按时限要求签收、落实，并通过平台反馈办理情况（网上交办、网上监督、网上反馈）。")
            % {"title": item.title}, _("来源内容：%(s)s") % {"s": item.source_text}]
    return Draft(office=item.unit, addressee="、".join(lead + co) or _("各承办单位"),
                 addressee_unit=targets[0].unit if targets else None, body=body, rows=rows, closing=_("特此交办。"))


def register() -> None:
    register_document_kind(DocumentKind(
        code=ASSIGNMENT_ORDER, title=gettext_lazy("交办单"), prefix="交", model="supervision.assignment",
        draft=assignment_order_draft, roles=(Role.OFFICE,)))
