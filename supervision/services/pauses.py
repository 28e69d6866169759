"""Pausing a target's clock on the unit's request (暂停计时): request, approve or refuse, the reason
gone, resume."""

from __future__ import annotations


from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efficiency import clocks
from efficiency.audit import audit_record
from efficiency.clocks import credit_unit, format_due
from efficiency.events import event_emit
from efficiency.models import PauseReason, Role
from efficiency.permissions import UNIT_ROLES, require_role

from ..models import AssignmentTarget, PauseRequest
from .common import ENDED, MEMBERS_ONLY, OFFICE_ONLY, PS, TS, _audit, _lock_target, _require


def open_pause_request(target: AssignmentTarget) -> PauseRequest | None:
    """The target's pending or approved pause request (at most one). The item page prefetches
    it into `open_pause_requests`; services read it under the target's row lock."""
    cached = getattr(target, "open_pause_requests", None)
    if cached is not None:
        return cached[0] if cached else None
    return target.pause_requests.filter(status__in=PauseRequest.OPEN).first()


def pause_refusal(target: AssignmentTarget, request: PauseRequest | None) -> str | None:
    """Why the unit may not ask for a pause now, or None."""
    if target.status in ENDED:
        return _("已办结或已转办的承办不能暂停计时。")
    if request is not None:
        return _("已有一个暂停计时申请尚未办结（%(s)s）。") % {"s": request.get_status_display()}
    if target.paused_at is not None:
        return _("该承办已在暂停计时中（%(s)s）。") % {"s": target.get_status_display()}
    if target.status == TS.ASSIGNED or target.clock_start is None:
        return _("请先签收，再申请暂停计时。")
    return None


# --- pausing a target's clock on the unit's request ------------------------------------------


def _open_request(target: AssignmentTarget, *status: str) -> PauseRequest:
    request = (PauseRequest.objects.select_for_update().filter(target=target, status__in=status or PauseRequest.OPEN)
               .first())
    if request is None:
        raise ValidationError(_("没有待审批的暂停计时申请。") if status == (PS.PENDING,)
                              else _("该承办没有暂停中的计时。"))
    return request


def _not_ended(target: AssignmentTarget) -> None:
    if target.status in ENDED:
        raise ValidationError(_("已办结或已转办的承办不能暂停计时。"))


@transaction.atomic
def pause_request(*, actor, target: AssignmentTarget, reason: str, explanation: str) -> PauseRequest:
    """The unit asks the office to pause its clock, for one of the core's pause reasons (R23; 其他
    for e.g. waiting for another authority's decision), with an explanation. The office is told."""
    target = _lock_target(target)
    require_role(actor, *UNIT_ROLES, unit=target.unit_id, message=MEMBERS_ONLY)
    if reason not in PauseReason.values:
        raise ValidationError(_("请选择暂停事由。"))
    explanation = _require(explanation, _("暂停说明"))
    refusal = pause_refusal(target, open_pause_request(target))
    if refusal:
        raise ValidationError(refusal)
    request = PauseRequest.objects.create(target=target, reason=reason, explanation=explanation,
                                          requested_by=actor, requested_at=timezone.now())
    event_emit("assignment.pause_requested", subject=target, actor=actor, recipients=["office"],
               message=_("申请暂停计时（%(r)s）：%(e)s") % {"r": request.get_reason_display(), "e": explanation},
               payload={"pause_request_id": request.pk, "reason": reason})
    audit_record("create", actor=actor, obj=request, summary=f"申请暂停计时 {target}：{request.get_reason_display()}")
    return request


@transaction.atomic
def pause_approve(*, actor, target: AssignmentTarget, note: str = "") -> PauseRequest:
    """The office approves: the clock pauses from now (not from the request) through the core."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    target = _lock_target(target)
    request = _open_request(target, PS.PENDING)
    _not_ended(target)
    clocks.clock_pause(target, actor=actor, reason=request.reason, note=request.explanation)
    request.status, request.decided_by, request.decided_at = PS.APPROVED, actor, target.paused_at
    request.decision_note = note.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    event_emit("assignment.pause_approved", subject=target, actor=actor, recipients=["owner", "head"],
               message=_("同意暂停计时（%(r)s），自 %(at)s 起暂停。%(n)s")
               % {"r": request.get_reason_display(), "at": format_due(target.paused_at), "n": request.decision_note},
               payload={"pause_request_id": request.pk})
    _audit(actor, target, f"批准暂停计时 {target}")
    return request


@transaction.atomic
def pause_refuse(*, actor, target: AssignmentTarget, reason: str) -> PauseRequest:
    """The office refuses, with its reason; the clock never stopped."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    target = _lock_target(target)
    request = _open_request(target, PS.PENDING)
    reason = _require(reason, _("不予批准的理由"))
    request.status, request.decided_by, request.decided_at, request.decision_note = (
        PS.REFUSED, actor, timezone.now(), reason)
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    event_emit("assignment.pause_refused", subject=target, actor=actor, recipients=["owner", "head"],
               message=_("不同意暂停计时：%(r)s") % {"r": reason}, payload={"pause_request_id": request.pk})
    _audit(actor, target, f"不予批准暂停计时 {target}：{reason}")
    return request


@transaction.atomic
def pause_report_gone(*, actor, target: AssignmentTarget, note: str = "") -> PauseRequest:
    """The unit reports that the reason is gone; the office is asked to resume the clock."""
    target = _lock_target(target)
    require_role(actor, *UNIT_ROLES, unit=target.unit_id, message=MEMBERS_ONLY)
    request = _open_request(target, PS.APPROVED)
    if request.gone_reported_at:
        raise ValidationError(_("已报告暂停事由消除，等待效能办恢复计时。"))
    request.gone_reported_by, request.gone_reported_at, request.gone_note = actor, timezone.now(), note.strip()
    request.save(update_fields=["gone_reported_by", "gone_reported_at", "gone_note"])
    event_emit("assignment.pause_reason_gone", subject=target, actor=actor, recipients=["office"],
               message=_("暂停事由已消除，请恢复计时。%(n)s") % {"n": request.gone_note},
               payload={"pause_request_id": request.pk})
    _audit(actor, target, f"报告暂停事由消除 {target}")
    return request


def _resume(target: AssignmentTarget, request: PauseRequest, *, actor, note: str) -> None:
    clocks.clock_resume(target, actor=actor, note=note)
    last = target.pauses[-1]
    request.status, request.resumed_by, request.resumed_at = PS.RESUMED, actor, timezone.now()
    request.credit, request.credit_unit = last.get("credit", 0), last.get("unit", credit_unit(target.limit_unit))
    request.save(update_fields=["status", "resumed_by", "resumed_at", "credit", "credit_unit"])
    event_emit("assignment.pause_resumed", subject=target, actor=actor, recipients=["owner", "head"],
               message=_("恢复计时：暂停期间 %(n)s%(u)s不计入时限，期限顺延至 %(due)s。%(note)s")
               % {"n": request.credit, "u": request.get_credit_unit_display(),
                  "due": format_due(target.due_at), "note": note},
               payload={"pause_request_id": request.pk, "credit": request.credit})


@transaction.atomic
def pause_resume(*, actor, target: AssignmentTarget, note: str = "") -> PauseRequest:
    """The office resumes the clock (whether or not the unit reported the reason gone). The core
    moves every deadline of the step by the paused working time (R23)."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    target = _lock_target(target)
    request = _open_request(target, PS.APPROVED)
    _resume(target, request, actor=actor, note=note.strip())
    _audit(actor, target, f"恢复计时 {target}（核减 {request.credit}）")
    return request


def _pause_requests_end(target: AssignmentTarget, *, actor, why: str) -> None:
    """The unit's part ends or moves on (feedback, transfer): a pending request lapses (the office
    is told), an approved pause is resumed first so its time is credited."""
    for request in PauseRequest.objects.select_for_update().filter(target=target, status__in=PauseRequest.OPEN):
        if request.status == PS.APPROVED:
            _resume(target, request, actor=actor, note=why)
            continue
        request.status, request.decision_note = PS.CANCELLED, why
        request.save(update_fields=["status", "decision_note"])
        event_emit("assignment.pause_cancelled", subject=target, actor=actor, recipients=["office"], message=why,
                   payload={"pause_request_id": request.pk})
