"""Every write of complaints, accountability cases and bulletins (R26–R29, R34).

Each service validates, writes in one transaction together with its events (the events are
the notification outbox: a complaint answered "accepted" is never lost, whatever Redis does),
and audits. The citizen acts without an account: `actor=None` with the citizen's secrets
checked by the caller.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efficiency import clocks
from efficiency.audit import audit_record
from efficiency.events import event_emit
from efficiency.models import Role, Unit, User
from efficiency.permissions import UNIT_ROLES, require_role

from .. import rules, security
from ..models import (AccountabilityCase, Bulletin, CaseStatement, Category, Complaint, ComplaintAssignment,
                     ComplaintAttachment, ComplaintReview, ExemptionGround, IntakeChannel, Measure, Rating)

ALLOWED_MIMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP",
                 "application/pdf": "PDF"}
MAX_ATTACHMENTS = 5
PROBLEM_ROUNDS = 3  # 驻政〔2014〕58号: re-handled 3 times or passed through 3 units → 问题工单, 提级督办
PROBLEM_UNITS = 3


# --- intake channels ----------------------------------------------------------------------------


@transaction.atomic
def channel_add(*, actor=None, name: str) -> tuple[IntakeChannel, str]:
    """Register an intake channel; returns the token, which is never stored or shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请填写渠道名称。"))
    if IntakeChannel.objects.filter(name=name).exists():
        raise ValidationError(_("渠道“%(name)s”已登记。") % {"name": name})
    token = secrets.token_urlsafe(32)
    channel = IntakeChannel.objects.create(name=name, token_hash=security.channel_token_hash(token))
    audit_record("create", actor=actor, obj=channel, summary=f"登记投诉受理渠道 {name}")
    return channel, token


def channel_for_token(token: str) -> IntakeChannel | None:
    if not token:
        return None
    return IntakeChannel.objects.filter(token_hash=security.channel_token_hash(token), is_active=True).first()


# --- filing ------------------------------------------------------------------------------------


def attachment_check(f) -> str:
    """The file's real type, judged by its content (never its name); raises with a clear message."""
    name = getattr(f, "name", "附件")
    limit = settings.UPLOAD_MAX_BYTES
    if f.size > limit:
        raise ValidationError(_("附件“%(name)s”有 %(size).1f MB，超过 %(limit)d MB 的上限，请压缩后再上传。")
                              % {"name": name, "size": f.size / 1048576, "limit": limit // 1048576})
    import filetype

    f.seek(0)
    kind = filetype.guess(f.read(2048))
    f.seek(0)
    if kind is None or kind.mime not in ALLOWED_MIMES:
        raise ValidationError(_("附件“%(name)s”不是图片或 PDF 文件（按文件内容识别），只能上传 JPG、PNG、GIF、WEBP 图片或 PDF。")
                              % {"name": name})
    return kind.mime


@dataclass
class Filed:
    complaint: Complaint
    check_code: str
    link_token: str


def _new_tracking_number() -> str:
    today = timezone.localdate()
    return f"TS{today:%Y%m%d}{secrets.randbelow(10**6):06d}"


def complaint_file(*, category: str, subject_unit: Unit, description: str, occurred_on=None, place: str = "",
                   is_anonymous: bool = True, name: str = "", phone: str = "", files=(), channel=None,
                   ip: str | None = None, actor=None) -> Filed:
    """R26: take a citizen's complaint in. The row, its attachments, its clock and its events
    are one transaction; notifications follow from the events (the outbox)."""
    description = (description or "").strip()
    errors = {}
    if category not in Category.values:
        errors["category"] = _("请选择投诉类别。")
    if not description:
        errors["description"] = _("请填写投诉内容。")
    elif len(description) > 5000:
        errors["description"] = _("投诉内容不能超过 5000 字。")
    if not is_anonymous and (not name.strip() or not phone.strip()):
        errors["name"] = _("实名投诉请填写姓名和联系电话；不愿留名可选择匿名。")
    if phone and not phone.strip().replace("-", "").isdigit():
        errors["phone"] = _("联系电话只能包含数字。")
    if subject_unit is None or not subject_unit.is_active:
        errors["subject_unit"] = _("请选择被投诉单位。")
    files = list(files)
    if len(files) > MAX_ATTACHMENTS:
        errors["attachments"] = _("附件最多 %(n)d 个。") % {"n": MAX_ATTACHMENTS}
    else:
        for f in files:
            try:
                attachment_check(f)
            except ValidationError as exc:
                errors["attachments"] = exc.messages[0]
                break
    if errors:
        raise ValidationError(errors)
    code, token = security.new_check_code(), security.new_link_token()
    for attempt in range(5):
        try:
            with transaction.atomic():
                complaint = _complaint_create(
                    category=category, subject_unit=subject_unit, description=description, occurred_on=occurred_on,
                    place=place, is_anonymous=is_anonymous, name=name, phone=phone, files=files, channel=channel,
                    ip=ip, code=code, token=token, actor=actor)
            return Filed(complaint, code, token)
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _complaint_create(*, category, subject_unit, description, occurred_on, place, is_anonymous, name, phone,
                      files, channel, ip, code, token, actor) -> Complaint:
    complaint = Complaint(
        tracking_number=_new_tracking_number(), check_code_hash=security.digest(code),
        link_token_hash=security.token_digest(token), category=category, subject_unit=subject_unit,
        description=description, occurred_on=occurred_on, place=place.strip()[:200], is_anonymous=is_anonymous,
        complainant_name="" if is_anonymous else name.strip()[:64],
        complainant_phone="" if is_anonymous else phone.strip()[:20],
        channel=channel, submitted_ip=ip, about_office=subject_unit.kind == Unit.Kind.OFFICE,
    )
    complaint.save()
    for f in files:
        mime = attachment_check(f)
        ComplaintAttachment.objects.create(complaint=complaint, file=f, original_name=f.name[:200],
                                           content_type=mime, size=f.size)
    clocks.clock_start(complaint, actor=actor, rule="complaint.accept", message=_("收到投诉，开始受理计时"))
    via = channel.name if channel else _("网上投诉")
    event_emit("complaints.filed", subject=complaint, actor=actor, recipients=[complaint.handler_role],
               message=_("收到效能投诉 %(no)s（%(cat)s，%(via)s）") % {
                   "no": complaint.tracking_number, "cat": complaint.get_category_display(), "via": via},
               payload={"category": category, "channel": channel.name if channel else "web",
                        "subject_unit_id": subject_unit.pk})
    audit_record("create", actor=actor, obj=complaint, summary=f"效能投诉 {complaint.tracking_number}",
                 actor_name=channel.name if channel else "公众")
    return complaint


def complaint_by_code(tracking_number: str, code: str) -> Complaint | None:
    c = Complaint.objects.filter(tracking_number=(tracking_number or "").strip().upper()).first()
    if c is None or not code or not secrets.compare_digest(c.check_code_hash, security.digest(code)):
        return None
    return c


def complaint_by_token(token: str) -> Complaint | None:
    if not token:
        return None
    return Complaint.objects.filter(link_token_hash=security.token_digest(token)).first()


# --- handling ------------------------------------------------------------------------------------


HANDLERS_ONLY = gettext_lazy("只有效能办可以办理此操作；投诉对象为效能办本身的，由领导办理。")
UNIT_ONLY = gettext_lazy("只有承办单位可以办理此操作。")
CASE_OFFICERS = (Role.OFFICE, Role.LEADER)
CASE_OFFICERS_ONLY = gettext_lazy("只有效能办可以办理问责案件。")


def complaint_handler_roles(complaint: Complaint) -> tuple[str, ...]:
    """The office takes complaints in; one about the office itself goes to the leader (回避)."""
    return (Role.LEADER,) if complaint.about_office else (Role.OFFICE, Role.LEADER)


def _require_status(complaint: Complaint, *allowed: str) -> None:
    if complaint.status not in allowed:
        raise ValidationError(_("投诉当前状态为“%(s)s”，不能进行此操作。") % {"s": complaint.get_status_display()})


def _citizen(complaint: Complaint) -> list[str]:
    return [f"phone:{complaint.complainant_phone}"] if complaint.complainant_phone else []


def _lock(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


@transaction.atomic
def complaint_accept(*, complaint: Complaint, actor) -> Complaint:
    complaint = _lock(complaint)
    require_role(actor, *complaint_handler_roles(complaint), message=HANDLERS_ONLY)
    _require_status(complaint, Complaint.Status.RECEIVED)
    complaint.status, complaint.accepted_at, complaint.owner = Complaint.Status.ACCEPTED, timezone.now(), actor
    complaint.save(update_fields=["status", "accepted_at", "owner"])
    clocks.clock_close(complaint, actor=actor, message=_("已受理"))
    event_emit("complaints.accepted", subject=complaint, actor=actor, recipients=_citizen(complaint),
               message=_("您的投诉 %(no)s 已受理。") % {"no": complaint.tracking_number})
    audit_record("accept", actor=actor, obj=complaint, summary=f"受理投诉 {complaint.tracking_number}")
    return complaint


@transaction.atomic
def complaint_decline(*, complaint: Complaint, actor, reason: str) -> Complaint:
    complaint = _lock(complaint)
    require_role(actor, *complaint_handler_roles(complaint), message=HANDLERS_ONLY)
    _require_status(complaint, Complaint.Status.RECEIVED)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("不予受理须说明理由（投诉人可见）。")})
    complaint.status, complaint.decline_reason = Complaint.Status.DECLINED, reason.strip()
    complaint.save(update_fields=["status", "decline_reason"])
    clocks.clock_close(complaint, actor=actor, message=_("不予受理"))
    event_emit("complaints.declined", subject=complaint, actor=actor, recipients=_citizen(complaint),
               message=reason.strip())
    audit_record("decline", actor=actor, obj=complaint, summary=f"不予受理投诉 {complaint.tracking_number}")
    return complaint


def _unit_handler(unit: Unit) -> User | None:
    return (User.objects.filter(unit=unit, role=Role.HEAD, is_active=True).order_by("pk").first()
            or User.objects.filter(unit=unit, is_active=True).order_by("pk").first())


@transaction.atomic
def complaint_assign(*, complaint: Complaint, actor, unit: Unit, owner: User | None = None) -> Complaint:
    """交办: the unit has 2 working days to send it back and 10 to reply (complaint.return / .reply)."""
    complaint = _lock(complaint)
    require_role(actor, *complaint_handler_roles(complaint), message=HANDLERS_ONLY)
    _require_status(complaint, Complaint.Status.ACCEPTED, Complaint.Status.RETURNED, Complaint.Status.REEXAMINING)
    if unit is None or not unit.is_active or unit.kind == Unit.Kind.OFFICE:
        raise ValidationError({"unit": _("请选择承办单位（效能办不能作为承办单位）。")})
    if owner is not None and owner.unit_id != unit.pk:
        raise ValidationError({"owner": _("承办人须是承办单位的工作人员。")})
    now = timezone.now()
    rule = clocks.rule_get("complaint.return")
    ComplaintAssignment.objects.create(
        complaint=complaint, unit=unit, assigned_at=now, assigned_by=actor if getattr(actor, "pk", None) else None,
        return_due_at=clocks.limit_end(now, rule.limit_value, rule.limit_unit))
    if complaint.is_open:
        clocks.clock_close(complaint, actor=actor, message=_("已交办"))
    complaint.status, complaint.unit = Complaint.Status.ASSIGNED, unit
    complaint.owner = owner or _unit_handler(unit)
    complaint.handling_rounds += 1
    complaint.save(update_fields=["status", "unit", "owner", "handling_rounds"])
    clocks.clock_start(complaint, actor=actor, rule="complaint.reply", message=_("交办 %(u)s 办理") % {"u": unit.name})
    event_emit("complaints.assigned", subject=complaint, actor=actor, unit=unit, recipients=["head", "owner"],
               message=_("效能投诉 %(no)s 交由你单位办理，请于 %(due)s 前答复；如不属你单位职责，请在 2 个工作日内退回并说明理由。")
               % {"no": complaint.tracking_number, "due": clocks.format_due(complaint.due_at)},
               payload={"unit_id": unit.pk, "round": complaint.handling_rounds})
    _escalate_if_problem(complaint, actor=actor)
    audit_record("assign", actor=actor, obj=complaint, summary=f"交办投诉 {complaint.tracking_number} 至 {unit.name}")
    return complaint


def _escalate_if_problem(complaint: Complaint, *, actor) -> None:
    units = complaint.assignments.values("unit").distinct().count()
    if complaint.is_problem or (complaint.handling_rounds < PROBLEM_ROUNDS and units < PROBLEM_UNITS):
        return
    complaint.is_problem = True
    complaint.save(update_fields=["is_problem"])
    event_emit("complaints.escalated", subject=complaint, actor=actor, recipients=["leader", "office"],
               message=_("投诉 %(no)s 已办理 %(n)d 次、经 %(u)d 个单位，列为问题工单，提级督办。")
               % {"no": complaint.tracking_number, "n": complaint.handling_rounds, "u": units},
               payload={"rounds": complaint.handling_rounds, "units": units})


def _current_assignment(complaint: Complaint) -> ComplaintAssignment:
    return complaint.assignments.filter(unit=complaint.unit, returned_at__isnull=True).order_by("-assigned_at").first()


@transaction.atomic
def complaint_return(*, complaint: Complaint, actor, reason: str) -> Complaint:
    """A unit that is not responsible sends it back within 2 working days, with reasons."""
    complaint = _lock(complaint)
    require_role(actor, *UNIT_ROLES, unit=complaint.unit_id, message=UNIT_ONLY)
    _require_status(complaint, Complaint.Status.ASSIGNED)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("退回须说明理由。")})
    assignment = _current_assignment(complaint)
    now = timezone.now()
    if assignment and now > assignment.return_due_at:
        raise ValidationError(_("已超过退回期限（%(due)s），请按期办理答复。") % {
            "due": clocks.format_due(assignment.return_due_at)})
    if assignment:
        assignment.returned_at, assignment.return_reason = now, reason.strip()
        assignment.save(update_fields=["returned_at", "return_reason"])
    unit = complaint.unit
    clocks.clock_close(complaint, actor=actor, message=_("承办单位退回"))
    complaint.status, complaint.unit, complaint.owner = Complaint.Status.RETURNED, None, None
    complaint.save(update_fields=["status", "unit", "owner"])
    clocks.clock_start(complaint, actor=actor, rule="complaint.accept", message=_("退回效能办，重新交办"))
    event_emit("complaints.returned", subject=complaint, actor=actor, unit=unit, recipients=[complaint.handler_role],
               message=reason.strip(), payload={"unit_id": unit.pk})
    audit_record("return", actor=actor, obj=complaint, summary=f"{unit.name} 退回投诉 {complaint.tracking_number}")
    return complaint


@transaction.atomic
def complaint_unit_reply(*, complaint: Complaint, actor, reply: str, substantiated: bool | None = None) -> Complaint:
    complaint = _lock(complaint)
    require_role(actor, *UNIT_ROLES, unit=complaint.unit_id, message=UNIT_ONLY)
    _require_status(complaint, Complaint.Status.ASSIGNED)
    if not (reply or "").strip():
        raise ValidationError({"reply": _("请填写调查核实情况和处理结果。")})
    now = timezone.now()
    complaint.status, complaint.unit_reply, complaint.unit_replied_at = Complaint.Status.REPLIED, reply.strip(), now
    if substantiated is not None:
        complaint.substantiated = substantiated
    complaint.save(update_fields=["status", "unit_reply", "unit_replied_at", "substantiated"])
    assignment = _current_assignment(complaint)
    ComplaintAssignment.objects.filter(pk=getattr(assignment, "pk", None)).update(replied_at=now)
    clocks.clock_close(complaint, actor=actor, message=_("承办单位已答复"))
    review = _review_start(complaint, assignment, actor=actor)
    event_emit("complaints.unit_replied", subject=complaint, actor=actor, recipients=[complaint.handler_role],
               message=_("%(u)s 已答复投诉 %(no)s，请于 %(due)s 前审核。") % {
                   "u": complaint.unit.name, "no": complaint.tracking_number, "due": clocks.format_due(review.due_at)},
               payload={"late": complaint.clock_state == "done_late", "review_due_at": clocks.iso(review.due_at)})
    audit_record("reply", actor=actor, obj=complaint, summary=f"答复投诉 {complaint.tracking_number}")
    return complaint


def _review_start(complaint: Complaint, assignment: ComplaintAssignment | None, *, actor) -> ComplaintReview:
    """The office's review of the reply, on its own clock (complaint.review), owned by whoever
    handed the complaint to the unit: an office member, or the leader for one about the office."""
    reviewer = assignment.assigned_by if assignment else None
    review = ComplaintReview.objects.create(complaint=complaint, owner=reviewer, unit=getattr(reviewer, "unit", None))
    clocks.clock_start(review, actor=actor, rule=rules.rule("complaint.review"), message=_("单位已答复，审核计时"))
    return review


def _review_close(complaint: Complaint, *, actor, outcome: str, message: str) -> None:
    review = complaint.reviews.select_for_update().open().first()
    if review is None:  # a reply put before reviews were timed (migration 0003)
        return
    review.outcome = outcome
    review.save(update_fields=["outcome"])
    clocks.clock_close(review, actor=actor, message=message)


@transaction.atomic
def complaint_send_reply(*, complaint: Complaint, actor, reply: str = "", substantiated: bool | None = None) -> Complaint:
    """The office reviews the unit's reply and sends it to the citizen; a substantiated complaint
    becomes an accountability proposal against the unit complained about."""
    complaint = _lock(complaint)
    require_role(actor, *complaint_handler_roles(complaint), message=HANDLERS_ONLY)
    _require_status(complaint, Complaint.Status.REPLIED)
    text = (reply or "").strip() or complaint.unit_reply
    if substantiated is not None:
        complaint.substantiated = substantiated
    complaint.status, complaint.reply, complaint.answered_at = Complaint.Status.ANSWERED, text, timezone.now()
    complaint.save(update_fields=["status", "reply", "answered_at", "substantiated"])
    _review_close(complaint, actor=actor, outcome=ComplaintReview.Outcome.SENT, message=_("审核通过，答复投诉人"))
    event_emit("complaints.replied", subject=complaint, actor=actor, recipients=_citizen(complaint),
               message=_("您的投诉 %(no)s 已有答复，请凭投诉编号和查询码查看并评价。") % {"no": complaint.tracking_number},
               payload={"substantiated": complaint.substantiated})
    if complaint.substantiated:
        event_emit("complaints.substantiated", subject=complaint, actor=actor, unit=complaint.subject_unit,
                   payload={"category": complaint.category})
        event_emit("accountability.propose", subject=complaint, actor=actor, unit=complaint.subject_unit,
                   payload={"person_id": None, "unit_id": complaint.subject_unit_id, "source": "complaint",
                            "reason": _("效能投诉 %(no)s（%(cat)s）经核查属实") % {
                                "no": complaint.tracking_number, "cat": complaint.get_category_display()}})
    audit_record("answer", actor=actor, obj=complaint, summary=f"答复投诉人 {complaint.tracking_number}")
    return complaint


@transaction.atomic
def complaint_rework(*, complaint: Complaint, actor, reason: str) -> Complaint:
    """The office finds the unit's reply wanting and sends it back to the same unit (a re-handling)."""
    complaint = _lock(complaint)
    require_role(actor, *complaint_handler_roles(complaint), message=HANDLERS_ONLY)
    _require_status(complaint, Complaint.Status.REPLIED)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请说明重新办理的要求。")})
    complaint.status = Complaint.Status.ACCEPTED
    complaint.save(update_fields=["status"])
    _review_close(complaint, actor=actor, outcome=ComplaintReview.Outcome.REWORK, message=_("退回重办"))
    event_emit("complaints.rework", subject=complaint, actor=actor, recipients=["head"], message=reason.strip())
    return complaint_assign(complaint=complaint, actor=actor, unit=complaint.unit, owner=complaint.owner)


@transaction.atomic
def complaint_rate(*, complaint: Complaint, rating: str, comment: str = "") -> Complaint:
    """The citizen rates the answer (满意 / 基本满意 / 不满意)."""
    complaint = _lock(complaint)
    _require_status(complaint, Complaint.Status.ANSWERED)
    if rating not in Rating.values:
        raise ValidationError({"rating": _("请选择满意、基本满意或不满意。")})
    if complaint.rated_at and complaint.rated_at > complaint.answered_at:
        raise ValidationError(_("您已评价过本次答复。"))
    complaint.rating, complaint.rating_comment, complaint.rated_at = rating, (comment or "").strip()[:1000], timezone.now()
    fields = ["rating", "rating_comment", "rated_at"]
    if rating != Rating.DISSATISFIED or complaint.reexamine_requested_at:
        complaint.status = Complaint.Status.CLOSED
        fields.append("status")
    complaint.save(update_fields=fields)
    event_emit("complaints.rated", subject=complaint, payload={"rating": rating},
               recipients=[complaint.handler_role] if rating == Rating.DISSATISFIED else [],
               message=_("投诉人评价：%(r)s") % {"r": Rating(rating).label})
    return complaint


@transaction.atomic
def complaint_reexamine(*, complaint: Complaint, reason: str) -> Complaint:
    """The citizen may ask once for a re-examination; it goes back to the office."""
    complaint = _lock(complaint)
    if complaint.reexamine_requested_at:
        raise ValidationError(_("每件投诉只能申请一次复查。"))
    _require_status(complaint, Complaint.Status.ANSWERED)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请说明申请复查的理由。")})
    complaint.status = Complaint.Status.REEXAMINING
    complaint.reexamine_reason, complaint.reexamine_requested_at = reason.strip()[:2000], timezone.now()
    complaint.save(update_fields=["status", "reexamine_reason", "reexamine_requested_at"])
    clocks.clock_start(complaint, actor=None, rule="complaint.accept", message=_("投诉人申请复查"))
    event_emit("complaints.reexamination", subject=complaint, recipients=[complaint.handler_role],
               message=reason.strip()[:2000])
    return complaint


@transaction.atomic
def complaint_close(*, complaint: Complaint, actor, note: str = "") -> Complaint:
    complaint = _lock(complaint)
    require_role(actor, *complaint_handler_roles(complaint), message=HANDLERS_ONLY)
    _require_status(complaint, Complaint.Status.ANSWERED)
    complaint.status = Complaint.Status.CLOSED
    complaint.save(update_fields=["status"])
    event_emit("complaints.closed", subject=complaint, actor=actor, message=note)
    return complaint


# --- accountability cases ------------------------------------------------------------------------


def _case_number(case: AccountabilityCase) -> str:
    return f"WZ{timezone.localdate():%Y}{case.pk:06d}"


def case_propose(*, actor=None, source: str, unit: Unit, person: User | None = None, reason: str,
                 subject_type: str = "", subject_id: int | None = None) -> AccountabilityCase:
    """Open a proposed case; one per (source item, source) — a repeat returns the first."""
    if source not in AccountabilityCase.Source.values:
        raise ValidationError({"source": _("未知的问责来源。")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写问责事由。")})
    if subject_id is not None:
        found = AccountabilityCase.objects.filter(subject_type=subject_type, subject_id=subject_id, source=source).first()
        if found:
            return found
    try:
        with transaction.atomic():
            case = AccountabilityCase.objects.create(
                number=f"tmp-{secrets.token_hex(8)}", source=source, unit=unit, person=person, reason=reason.strip(),
                subject_type=subject_type, subject_id=subject_id)
            case.number = _case_number(case)
            case.save(update_fields=["number"])
    except IntegrityError:
        return AccountabilityCase.objects.get(subject_type=subject_type, subject_id=subject_id, source=source)
    event_emit("cases.opened", subject=case, actor=actor, unit=unit, recipients=["office"],
               message=_("问责建议：%(r)s") % {"r": case.reason}, payload={"source": source})
    audit_record("create", actor=actor, obj=case, summary=f"问责建议 {case.number}")
    return case


def _lock_case(case) -> AccountabilityCase:
    return AccountabilityCase.objects.select_for_update().get(pk=case.pk)


def _case_require(case, *allowed) -> None:
    if case.status not in allowed:
        raise ValidationError(_("案件当前状态为“%(s)s”，不能进行此操作。") % {"s": case.get_status_display()})


@transaction.atomic
def case_open(*, actor, unit: Unit, person: User | None = None, reason: str) -> AccountabilityCase:
    """效能办 opens a case by hand and starts investigating at once."""
    require_role(actor, *CASE_OFFICERS, message=CASE_OFFICERS_ONLY)
    if person is not None and person.unit_id != unit.pk:
        raise ValidationError({"person": _("责任人须是责任单位的工作人员。")})
    case = case_propose(actor=actor, source=AccountabilityCase.Source.MANUAL, unit=unit, person=person, reason=reason)
    return case_investigate(case=case, actor=actor)


@transaction.atomic
def case_investigate(*, case: AccountabilityCase, actor) -> AccountabilityCase:
    """立案调查, on the clock (case.investigation)."""
    require_role(actor, *CASE_OFFICERS, message=CASE_OFFICERS_ONLY)
    case = _lock_case(case)
    _case_require(case, AccountabilityCase.Status.PROPOSED)
    case.status, case.owner = AccountabilityCase.Status.INVESTIGATING, actor
    case.save(update_fields=["status", "owner"])
    clocks.clock_start(case, actor=actor, rule="case.investigation", message=_("立案调查"))
    audit_record("investigate", actor=actor, obj=case, summary=f"立案调查 {case.number}")
    return case


@transaction.atomic
def case_dismiss(*, case: AccountabilityCase, actor, reason: str) -> AccountabilityCase:
    require_role(actor, *CASE_OFFICERS, message=CASE_OFFICERS_ONLY)
    case = _lock_case(case)
    _case_require(case, AccountabilityCase.Status.PROPOSED)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("不予立案须说明理由。")})
    case.status, case.decision_reason = AccountabilityCase.Status.DISMISSED, reason.strip()
    case.save(update_fields=["status", "decision_reason"])
    event_emit("cases.dismissed", subject=case, actor=actor, message=reason.strip())
    return case


@transaction.atomic
def case_record_facts(*, case: AccountabilityCase, actor, facts: str, evidence: str = "") -> AccountabilityCase:
    require_role(actor, *CASE_OFFICERS, message=CASE_OFFICERS_ONLY)
    case = _lock_case(case)
    _case_require(case, AccountabilityCase.Status.INVESTIGATING)
    if not (facts or "").strip():
        raise ValidationError({"facts": _("请填写调查认定的事实。")})
    case.facts, case.evidence = facts.strip(), (evidence or "").strip()
    case.save(update_fields=["facts", "evidence"])
    event_emit("cases.facts", subject=case, actor=actor, message=_("记录调查事实和证据"))
    if not case.statement and not CaseStatement.objects.filter(case=case).exists():
        _statement_start(case, actor=actor)
    return case


def defendants(case: AccountabilityCase) -> list[str]:
    """Who states the defence: the person, or the unit's head for a case against the unit only."""
    return [f"user:{case.person_id}"] if case.person_id else ["head"]


def _statement_start(case: AccountabilityCase, *, actor) -> CaseStatement:
    """告知: once the facts are found, the person has case.statement (5 wd) to state a defence."""
    clock = CaseStatement.objects.create(case=case)
    clocks.clock_start(clock, actor=actor, rule=rules.rule("case.statement"), message=_("告知调查事实，陈述申辩期限起算"))
    event_emit("cases.statement_requested", subject=case, actor=actor, recipients=defendants(case),
               message=_("问责案件 %(no)s 已查明事实，请登录查看，并于 %(due)s 前提出陈述申辩；逾期未提出的，视为放弃。")
               % {"no": case.number, "due": clocks.format_due(clock.due_at)},
               payload={"due_at": clocks.iso(clock.due_at)})
    return clock


def _statement_clock(case: AccountabilityCase) -> CaseStatement | None:
    return CaseStatement.objects.select_for_update().filter(case=case).first()


@transaction.atomic
def case_record_statement(*, case: AccountabilityCase, actor, statement: str) -> AccountabilityCase:
    """陈述申辩: the person states their case (themselves, or recorded by the office)."""
    case = _lock_case(case)
    if getattr(actor, "pk", None) != case.person_id:
        require_role(actor, *CASE_OFFICERS, message=CASE_OFFICERS_ONLY)
    _case_require(case, AccountabilityCase.Status.INVESTIGATING)
    if not (statement or "").strip():
        raise ValidationError({"statement": _("请填写陈述申辩的内容。")})
    case.statement, case.statement_at = statement.strip(), timezone.now()
    case.save(update_fields=["statement", "statement_at"])
    event_emit("cases.statement", subject=case, actor=actor, message=_("听取陈述申辩"))
    clock = _statement_clock(case)
    if clock is not None and clock.is_open:  # a late statement is still heard while undecided
        clocks.clock_close(clock, actor=actor, message=_("已提出陈述申辩"))
    return case


@transaction.atomic
def case_decide(*, case: AccountabilityCase, actor, decision: str, reason: str, grounds=(), person_measures=(),
                head_measures=()) -> AccountabilityCase:
    """R27 部门首长问责, R28 过错责任追究, R29 容错纠错 (三个区分开来)."""
    require_role(actor, *CASE_OFFICERS, message=CASE_OFFICERS_ONLY)
    case = _lock_case(case)
    _case_require(case, AccountabilityCase.Status.INVESTIGATING)
    grounds, person_measures, head_measures = list(grounds), list(person_measures), list(head_measures)
    statement_clock = _statement_clock(case)
    # Past the 陈述申辩 period with nothing said, the right has lapsed (视为放弃).
    waived = bool(statement_clock and not case.statement and statement_clock.is_open
                  and statement_clock.is_late())
    errors = {}
    if decision not in AccountabilityCase.Decision.values:
        errors["decision"] = _("请选择处理决定。")
    if not (reason or "").strip():
        errors["reason"] = _("请写明决定理由。")
    if not case.facts:
        errors["facts"] = _("作出决定前须记录调查事实。")
    if any(g not in ExemptionGround.values for g in grounds):
        errors["grounds"] = _("容错依据不在“三个区分开来”之列。")
    if any(m not in Measure.values for m in person_measures + head_measures):
        errors["measures"] = _("未知的问责方式。")
    if decision == AccountabilityCase.Decision.EXEMPT and not grounds:
        # R29: an exemption names which of the 三个区分开来 applies.
        errors["grounds"] = _("容错免责须选择适用“三个区分开来”的哪一项。")
    head = None
    if decision == AccountabilityCase.Decision.MEASURE:
        if not person_measures and not head_measures:
            errors["measures"] = _("请选择对责任人或单位负责人的问责方式。")
        if person_measures and case.person_id is None:
            errors["measures"] = _("本案没有具体责任人，只能对单位负责人问责。")
        if head_measures:
            head = User.objects.filter(unit=case.unit, role=Role.HEAD, is_active=True).order_by("pk").first()
            if head is None:
                errors["measures"] = _("责任单位没有登记单位负责人。")
        if not case.statement and not waived:
            errors["statement"] = (
                _("作出问责决定前须听取被问责人的陈述申辩。") if statement_clock is None
                else _("作出问责决定前须听取被问责人的陈述申辩（期限至 %(due)s，逾期未提出的视为放弃）。")
                % {"due": clocks.format_due(statement_clock.due_at)})
    if errors:
        raise ValidationError(errors)
    case.status, case.decision, case.decision_reason = AccountabilityCase.Status.DECIDED, decision, reason.strip()
    case.exemption_grounds = grounds if decision == AccountabilityCase.Decision.EXEMPT else []
    case.person_measures = person_measures if decision == AccountabilityCase.Decision.MEASURE else []
    case.head_measures = head_measures if decision == AccountabilityCase.Decision.MEASURE else []
    case.head, case.decided_at = head, timezone.now()
    case.save(update_fields=["status", "decision", "decision_reason", "exemption_grounds", "person_measures",
                             "head_measures", "head", "decided_at"])
    clocks.clock_close(case, actor=actor, message=_("作出处理决定"))
    if statement_clock is not None and statement_clock.is_open:
        clocks.clock_close(statement_clock, actor=actor, message=_("作出处理决定，陈述申辩期限终止"))
    recipients = [f"user:{case.person_id}"] if case.person_id else []
    recipients += [f"user:{head.pk}"] if head else ["head"]
    event_emit("cases.decided", subject=case, actor=actor, recipients=recipients,
               message=_("问责案件 %(no)s 处理决定：%(d)s") % {"no": case.number, "d": case.get_decision_display()},
               payload={"decision": decision, "grounds": case.exemption_grounds, "statement_waived": waived,
                        "person_measures": case.person_measures, "head_measures": case.head_measures})
    audit_record("decide", actor=actor, obj=case, summary=f"问责决定 {case.number}：{case.get_decision_display()}")
    return case


@transaction.atomic
def case_appeal(*, case: AccountabilityCase, actor, reason: str) -> AccountabilityCase:
    """The person (or the head, for the unit) appeals once."""
    case = _lock_case(case)
    allowed = {case.person_id, case.head_id} - {None}
    if getattr(actor, "pk", None) not in allowed:
        require_role(actor, Role.OFFICE, message=_("只有被问责人可以申诉。"))
    if case.appealed_at:
        raise ValidationError(_("每个问责决定只能申诉一次。"))
    _case_require(case, AccountabilityCase.Status.DECIDED)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请写明申诉理由。")})
    case.status, case.appeal_reason, case.appealed_at = AccountabilityCase.Status.APPEALED, reason.strip(), timezone.now()
    case.save(update_fields=["status", "appeal_reason", "appealed_at"])
    event_emit("cases.appealed", subject=case, actor=actor, recipients=["office"], message=reason.strip())
    return case


@transaction.atomic
def case_appeal_decide(*, case: AccountabilityCase, actor, result: str) -> AccountabilityCase:
    require_role(actor, *CASE_OFFICERS, message=CASE_OFFICERS_ONLY)
    case = _lock_case(case)
    _case_require(case, AccountabilityCase.Status.APPEALED)
    if not (result or "").strip():
        raise ValidationError({"result": _("请写明复核结果。")})
    case.status, case.appeal_result = AccountabilityCase.Status.CLOSED, result.strip()
    case.save(update_fields=["status", "appeal_result"])
    event_emit("cases.appeal_decided", subject=case, actor=actor, message=result.strip(),
               recipients=[f"user:{u}" for u in {case.person_id, case.head_id} - {None}])
    return case


# --- bulletins ------------------------------------------------------------------------------------


def bulletin_draft_text(*, cases=(), complaints=()) -> str:
    """A first draft from cases and complaints; citizens are never named."""
    lines = []
    for i, c in enumerate(cases, 1):
        who = c.person.full_name if c.person_id else c.unit.name
        outcome = c.get_decision_display() or c.get_status_display()
        measures = "、".join(c.measure_labels(c.person_measures + c.head_measures))
        lines.append(f"{i}. {c.unit.name}{who if c.person_id else ''}：{c.reason}。处理结果：{outcome}"
                     + (f"（{measures}）" if measures else "") + "。")
    for j, p in enumerate(complaints, len(lines) + 1):
        lines.append(f"{j}. 群众反映{p.subject_unit.name}存在“{p.get_category_display()}”问题，"
                     f"经核查{'属实' if p.substantiated else '已办理'}：{(p.reply or '')[:200]}")
    return "\n".join(lines)


@transaction.atomic
def bulletin_create(*, actor, title: str, body: str = "", kind: str = Bulletin.Kind.MIXED, cases=(),
                    complaints=()) -> Bulletin:
    require_role(actor, *CASE_OFFICERS, message=CASE_OFFICERS_ONLY)
    cases, complaints = list(cases), list(complaints)
    body = (body or "").strip() or bulletin_draft_text(cases=cases, complaints=complaints)
    if not (title or "").strip() or not body:
        raise ValidationError(_("请填写通报标题，并填写正文或选择案件、投诉。"))
    bulletin = Bulletin.objects.create(title=title.strip(), body=body, kind=kind, author=actor)
    bulletin.cases.set(cases)
    bulletin.complaints.set(complaints)
    audit_record("create", actor=actor, obj=bulletin, summary=f"起草通报 {bulletin.title}")
    return bulletin


@transaction.atomic
def bulletin_approve(*, bulletin: Bulletin, actor) -> Bulletin:
    """Reviewed by someone other than its author (a leader, or another office member)."""
    require_role(actor, *CASE_OFFICERS, message=CASE_OFFICERS_ONLY)
    if bulletin.status != Bulletin.Status.DRAFT:
        raise ValidationError(_("只有草稿可以审核。"))
    if actor.pk == bulletin.author_id:
        raise ValidationError(_("通报须由起草人以外的人审核。"))
    bulletin.status, bulletin.approved_by, bulletin.approved_at = Bulletin.Status.APPROVED, actor, timezone.now()
    bulletin.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record("approve", actor=actor, obj=bulletin, summary=f"审核通报 {bulletin.title}")
    return bulletin


@transaction.atomic
def bulletin_publish(*, bulletin: Bulletin, actor) -> Bulletin:
    """R34: typical cases, good and bad, published on the public site."""
    require_role(actor, *CASE_OFFICERS, message=CASE_OFFICERS_ONLY)
    if bulletin.status != Bulletin.Status.APPROVED:
        raise ValidationError(_("通报须先经审核才能发布。"))
    now = timezone.now()
    year = timezone.localdate().year
    n = Bulletin.objects.filter(published_at__year=year).count() + 1
    bulletin.status, bulletin.published_at = Bulletin.Status.PUBLISHED, now
    bulletin.number = bulletin.number or f"效能通报〔{year}〕{n}号"
    bulletin.save(update_fields=["status", "published_at", "number"])
    event_emit("bulletins.published", subject=bulletin, actor=actor, message=bulletin.title)
    audit_record("publish", actor=actor, obj=bulletin, summary=f"发布通报 {bulletin.title}")
    return bulletin
