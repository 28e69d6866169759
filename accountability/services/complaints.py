"""Handling a complaint (R26): the office accepts or declines and assigns it, the unit returns it
or replies, the office reviews the reply on its own clock and sends it or asks for rework, the
citizen rates it or asks for re-examination, and it is closed. Re-handled 3 times or passed
through 3 units, it becomes a problem case (问题工单)."""

from __future__ import annotations


from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efficiency import clocks
from efficiency.audit import audit_record
from efficiency.documents import issue_document
from efficiency.events import event_emit
from efficiency.gaming_evidence import device_hash, keyed_hash
from efficiency.models import Role, Unit, User
from efficiency.permissions import UNIT_ROLES, refuse, require_role

from .. import rules
from ..models import Complaint, ComplaintAssignment, ComplaintReview, Rating


PROBLEM_ROUNDS = 3  # 本地默认 (种子未规定), RULES.md "Local defaults": re-handled 3 times or passed through 3 units → 问题工单, 提级督办
PROBLEM_UNITS = 3


# --- the step's due time ------------------------------------------------------------------------


def complaint_review_due_sync(model, review_ids) -> None:
    """Copy the due time of each complaint's open review (none: NULL) onto the complaints whose
    reviews `review_ids` just had their clock written — the `on_change` hook of the review's
    clock (handlers.register), so it runs in the clock's transaction, for every writer of it
    (open, close, pause, resume, extension, a calendar recompute). One UPDATE; the complaint's
    `step_due` (a generated column) follows in the same statement."""
    open_due = ComplaintReview.objects.open().filter(complaint=OuterRef("pk")).order_by("pk").values("due_at")[:1]
    touched = ComplaintReview.objects.filter(pk__in=review_ids).values("complaint_id")
    Complaint.objects.filter(pk__in=Subquery(touched)).update(review_due=Subquery(open_due))


# --- handling ------------------------------------------------------------------------------------


HANDLERS_ONLY = gettext_lazy("只有效能办可以办理此操作；投诉对象为效能办本身的，由上一级效能办或领导办理。")
UNIT_ONLY = gettext_lazy("只有承办单位可以办理此操作。")
FINDING_OFFICE_ONLY = gettext_lazy("投诉是否属实由效能办认定；承办单位只报告调查核实情况和处理结果。")


def complaint_handler_roles(complaint: Complaint) -> tuple[str, ...]:
    """The office takes complaints in (or a leader). One about an office is not handled by that
    office (回避, `require_role(item=…)`): the office of the level above takes it, or a leader."""
    return (Role.OFFICE, Role.LEADER)


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
    require_role(actor, *complaint_handler_roles(complaint), item=complaint, message=HANDLERS_ONLY)
    _require_status(complaint, Complaint.Status.RECEIVED)
    complaint.status, complaint.accepted_at, complaint.owner = Complaint.Status.ACCEPTED, timezone.now(), actor
    complaint.save(update_fields=["status", "accepted_at", "owner"])
    clocks.clock_close(complaint, actor=actor, message=_("已受理"))
    event_emit("complaints.accepted", subject=complaint, actor=actor, recipients=_citizen(complaint),
               message=_("您的投诉 %(no)s 已受理。") % {"no": complaint.tracking_number})
    doc = issue_document(kind="acceptance_notice", item=complaint, actor=actor, issuer=actor.unit)
    audit_record("accept", actor=actor, obj=complaint, summary=f"受理投诉 {complaint.tracking_number}（{doc.number}）")
    return complaint


@transaction.atomic
def complaint_decline(*, complaint: Complaint, actor, reason: str) -> Complaint:
    complaint = _lock(complaint)
    require_role(actor, *complaint_handler_roles(complaint), item=complaint, message=HANDLERS_ONLY)
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
    require_role(actor, *complaint_handler_roles(complaint), item=complaint, message=HANDLERS_ONLY)
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
    event_emit("complaints.returned", subject=complaint, actor=actor, unit=unit, recipients=complaint.handler_recipients,
               message=reason.strip(), payload={"unit_id": unit.pk})
    audit_record("return", actor=actor, obj=complaint, summary=f"{unit.name} 退回投诉 {complaint.tracking_number}")
    return complaint


@transaction.atomic
def complaint_unit_reply(*, complaint: Complaint, actor, reply: str, substantiated: bool | None = None) -> Complaint:
    """The handling unit reports what it found and did; whether the complaint is substantiated
    is the office's finding, never the unit's (it may be the unit complained about)."""
    complaint = _lock(complaint)
    require_role(actor, *UNIT_ROLES, unit=complaint.unit_id, message=UNIT_ONLY)
    if substantiated is not None:
        refuse(FINDING_OFFICE_ONLY)
    _require_status(complaint, Complaint.Status.ASSIGNED)
    if not (reply or "").strip():
        raise ValidationError({"reply": _("请填写调查核实情况和处理结果。")})
    now = timezone.now()
    complaint.status, complaint.unit_reply, complaint.unit_replied_at = Complaint.Status.REPLIED, reply.strip(), now
    complaint.save(update_fields=["status", "unit_reply", "unit_replied_at"])
    assignment = _current_assignment(complaint)
    ComplaintAssignment.objects.filter(pk=getattr(assignment, "pk", None)).update(replied_at=now)
    clocks.clock_close(complaint, actor=actor, message=_("承办单位已答复"))
    review = _review_start(complaint, assignment, actor=actor)
    event_emit("complaints.unit_replied", subject=complaint, actor=actor, recipients=complaint.handler_recipients,
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
    require_role(actor, *complaint_handler_roles(complaint), item=complaint, message=HANDLERS_ONLY)
    _require_status(complaint, Complaint.Status.REPLIED)
    text = (reply or "").strip() or complaint.unit_reply
    now = timezone.now()
    if substantiated is not None:  # the office's finding (属实/不属实), with who and when
        complaint.substantiated, complaint.finding_by, complaint.finding_at = substantiated, actor, now
    complaint.status, complaint.reply, complaint.answered_at = Complaint.Status.ANSWERED, text, now
    complaint.save(update_fields=["status", "reply", "answered_at", "substantiated", "finding_by", "finding_at"])
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
    require_role(actor, *complaint_handler_roles(complaint), item=complaint, message=HANDLERS_ONLY)
    _require_status(complaint, Complaint.Status.REPLIED)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请说明重新办理的要求。")})
    complaint.status = Complaint.Status.ACCEPTED
    complaint.save(update_fields=["status"])
    _review_close(complaint, actor=actor, outcome=ComplaintReview.Outcome.REWORK, message=_("退回重办"))
    event_emit("complaints.rework", subject=complaint, actor=actor, recipients=["head"], message=reason.strip())
    return complaint_assign(complaint=complaint, actor=actor, unit=complaint.unit, owner=complaint.owner)


@transaction.atomic
def complaint_rate(*, complaint: Complaint, rating: str, comment: str = "", actor=None, request=None) -> Complaint:
    """The citizen rates the answer (满意 / 基本满意 / 不满意). Kept for the gaming detectors:
    keyed hashes of the complainant's phone and of the device (`request`), and `actor`, a
    signed-in staff user who entered it."""
    complaint = _lock(complaint)
    _require_status(complaint, Complaint.Status.ANSWERED)
    if rating not in Rating.values:
        raise ValidationError({"rating": _("请选择满意、基本满意或不满意。")})
    if complaint.rated_at and complaint.rated_at > complaint.answered_at:
        raise ValidationError(_("您已评价过本次答复。"))
    complaint.rating, complaint.rating_comment, complaint.rated_at = rating, (comment or "").strip()[:1000], timezone.now()
    complaint.rating_phone_hash = keyed_hash("phone", complaint.complainant_phone)
    complaint.rating_device_hash = device_hash(request)
    complaint.rating_entered_by = actor if actor is not None and actor.is_authenticated else None
    fields = ["rating", "rating_comment", "rated_at", "rating_phone_hash", "rating_device_hash", "rating_entered_by"]
    if rating != Rating.DISSATISFIED or complaint.reexamine_requested_at:
        complaint.status = Complaint.Status.CLOSED
        fields.append("status")
    complaint.save(update_fields=fields)
    event_emit("complaints.rated", subject=complaint, payload={"rating": rating},
               recipients=complaint.handler_recipients if rating == Rating.DISSATISFIED else [],
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
    event_emit("complaints.reexamination", subject=complaint, recipients=complaint.handler_recipients,
               message=reason.strip()[:2000])
    return complaint


@transaction.atomic
def complaint_close(*, complaint: Complaint, actor, note: str = "") -> Complaint:
    complaint = _lock(complaint)
    require_role(actor, *complaint_handler_roles(complaint), item=complaint, message=HANDLERS_ONLY)
    _require_status(complaint, Complaint.Status.ANSWERED)
    complaint.status = Complaint.Status.CLOSED
    complaint.save(update_fields=["status"])
    event_emit("complaints.closed", subject=complaint, actor=actor, message=note)
    return complaint
