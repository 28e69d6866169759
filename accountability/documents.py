"""The accountability app's official documents: the 问责决定书 (issued by `case_decide` when the
case is decided, by the deciding body) and the 受理通知书 of a complaint (issued when it is
accepted)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efficiency.clocks import format_due
from efficiency.documents import DocumentKind, Draft, office_for, register_document_kind
from efficiency.models import Role

from .models import AccountabilityCase

DECIDED = (AccountabilityCase.Status.DECIDED, AccountabilityCase.Status.APPEALED, AccountabilityCase.Status.CLOSED)


def decision_draft(case, **_extra) -> Draft:
    """R69 问责主体明确: issued in the name of the body that decided (`case.decided_unit`, the
    任免机关's government or the office, numbered in its own series), naming it and its kind."""
    if case.status not in DECIDED or not case.decision:
        raise ValidationError(_("案件尚未作出处理决定，不能出具问责决定书。"))
    rows = [(_("案件编号"), case.number), (_("责任单位"), case.unit.name),
            (_("责任人"), str(case.person) if case.person else "—"), (_("问责事由"), case.reason),
            (_("调查事实"), case.facts or "—"), (_("处理决定"), case.get_decision_display())]
    if case.person_measures:
        rows.append((_("对责任人的问责方式"), "、".join(case.measure_labels(case.person_measures))))
    if case.head_measures:
        rows.append((_("对单位负责人的问责方式"), "、".join(case.measure_labels(case.head_measures))))
    rows += [(_("决定理由"), case.decision_reason or "—"), (_("问责主体"), case.accountability_body or "—"),
             (_("决定时间"), format_due(case.decided_at))]
    addressee = "、".join([case.unit.name] + ([str(case.person)] if case.person else []))
    body = [_("经调查核实，现将对下列问题的处理决定通知如下。")]
    notes = [_("当事人对本决定不服的，可以自收到本决定书之日起依照有关规定申请复核或者提出申诉；复核、申诉期间不停止本决定的执行。")]
    issuer = case.decided_unit if case.decided_unit_id else office_for(case.unit)
    return Draft(office=issuer, addressee=addressee, addressee_unit=case.unit, body=body, rows=rows,
                 closing=_("特此决定。"), notes=notes)


def complaint_acceptance_draft(complaint, *, issuer=None, **_extra) -> Draft:
    """Issued by the unit that accepted it (the office, or for a complaint about an office, the
    office or leader above), else the office supervising the unit complained about."""
    rows = [(_("投诉编号"), complaint.tracking_number), (_("投诉类别"), complaint.get_category_display()),
            (_("被投诉单位"), complaint.subject_unit.name), (_("投诉时间"), format_due(complaint.filed_at)),
            (_("受理时间"), format_due(complaint.accepted_at))]
    name = _("投诉人") if complaint.is_anonymous or not complaint.complainant_name else complaint.complainant_name
    body = [_("你反映的效能问题已收悉，经审查符合受理条件，本机关决定予以受理，将依规调查处理并答复。"
              "可凭投诉编号和查询码查询办理进度。")]
    return Draft(office=issuer or office_for(complaint.subject_unit), addressee=name, body=body, rows=rows,
                 closing=_("特此通知。"))


def register() -> None:
    register_document_kind(DocumentKind(
        code="accountability_decision", title=gettext_lazy("问责决定书"), prefix="问责",
        # Issued by `case_decide` only, once per decision: nobody issues a second one by hand.
        model="accountability.accountabilitycase", draft=decision_draft, roles=()))
    register_document_kind(DocumentKind(
        code="acceptance_notice", title=gettext_lazy("受理通知书"), prefix="受",
        model="accountability.complaint", draft=complaint_acceptance_draft, roles=()))
