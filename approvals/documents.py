"""The approvals app's official documents: 受理通知书, 不予受理决定书 (行政许可法 §32), 一次性告知书
(R20, R21). Issued by the unit handling the application (`Application.unit`), through
`efficiency.documents.issue_document` — one call each, e.g.
`issue_document(kind="acceptance_notice", item=app, actor=clerk)`, which the 综合窗口 calls too."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efficiency.clocks import format_due
from efficiency.documents import DocumentKind, Draft, format_date, register_document_kind
from efficiency.models import Role

ACCEPTANCE_NOTICE = "acceptance_notice"
REFUSAL_DECISION = "refusal_decision"
ONE_TIME_NOTICE = "one_time_notice"
LABEL = "approvals.application"
UNIT_ROLES = (Role.CLERK, Role.HEAD)


def _applicant_rows(app) -> list[tuple[str, str]]:
    return [(_("申请人"), app.applicant_name), (_("申请事项"), app.item.name),
            (_("申请事由/项目"), app.project or "—"), (_("收件时间"), format_due(app.received_at))]


def acceptance_draft(app, **_extra) -> Draft:
    rows = [(_("受理编号"), app.receipt_number or "—"), *_applicant_rows(app),
            (_("受理时间"), format_due(app.accepted_at)), (_("承诺办结期限"), format_due(app.due_at)),
            (_("法定期限"), format_due(app.legal_due_at))]
    body = [_("你（单位）提交的“%(item)s”申请，申请材料齐全、符合法定形式，根据《中华人民共和国行政许可法》"
              "第三十二条第一款第（五）项的规定，本机关决定予以受理。") % {"item": app.item.name}]
    if app.accepted_by_default:
        body.append(_("本机关未在收到申请材料之日起五日内一次性告知需要补正的全部内容，依法自收到申请材料之日起即为受理。"))
    body.append(_("可凭受理编号和查询码查询办理进度。"))
    return Draft(office=app.unit, addressee=app.applicant_name, body=body, rows=rows, closing=_("特此通知。"))


def refusal_draft(app, **_extra) -> Draft:
    """不予受理决定书 (§32 第一款第（一）、（二）项): the reasons, and the applicant's remedies."""
    body = [_("你（单位）于 %(date)s 提交的“%(item)s”申请，经审查，%(reason)s") % {
                "date": format_date(app.received_at), "item": app.item.name, "reason": app.decision_reason},
            _("根据《中华人民共和国行政许可法》第三十二条第一款的规定，本机关决定不予受理。")]
    if app.refer_to:
        body.append(_("该申请事项依法不属于本机关职权范围，请向%(to)s申请。") % {"to": app.refer_to})
    notes = [_("如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者自收到本决定书之日起六个月内依法"
               "向人民法院提起行政诉讼。")]
    return Draft(office=app.unit, addressee=app.applicant_name, body=body, rows=_applicant_rows(app),
                 closing=_("特此决定。"), notes=notes)


def one_time_notice_draft(app, **_extra) -> Draft:
    """一次性告知书 (R20, §32 第一款第（四）项): every missing material, at once."""
    rows = [*_applicant_rows(app)]
    for i, m in enumerate(app.missing_materials, 1):
        rows.append((_("需补正材料 %(i)s") % {"i": i}, m["name"]))
    body = [_("你（单位）提交的“%(item)s”申请，申请材料不齐全。根据《中华人民共和国行政许可法》第三十二条第一款第（四）项"
              "的规定，现一次性告知需要补正的全部内容如下，请补齐后再次提交；补齐后本机关即予受理。") % {"item": app.item.name}]
    return Draft(office=app.unit, addressee=app.applicant_name, body=body, rows=rows, closing=_("特此告知。"))


def register() -> None:
    for code, title, prefix, draft in (
        (ACCEPTANCE_NOTICE, gettext_lazy("受理通知书"), "受", acceptance_draft),
        (REFUSAL_DECISION, gettext_lazy("不予受理决定书"), "不受", refusal_draft),
        (ONE_TIME_NOTICE, gettext_lazy("一次性告知书"), "告", one_time_notice_draft),
    ):
        # Issued by the services (acceptance, 不予受理, the notice), never by hand from a page.
        register_document_kind(DocumentKind(code=code, title=title, prefix=prefix, model=LABEL, draft=draft,
                                            roles=()))
