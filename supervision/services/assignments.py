"""Assignments (交办件, R03–R12, R39): register and dispatch, and each receiving unit's target through
its steps — acknowledge, deploy, feed back, return, close, urge, extend."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efficiency import clocks, permissions
from efficiency.audit import audit_record
from efficiency.documents import issue_document
from efficiency.events import event_emit, events_emit
from efficiency.models import LimitUnit, PauseReason, Role, Unit
from efficiency.permissions import UNIT_ROLES, has_role, require_role
from efficiency.uploads import upload_clean
from efficiency.workdays import CalendarRangeError, local_date

from ..documents import ASSIGNMENT_ORDER
from ..models import Assignment, AssignmentKind, AssignmentTarget, RequiredOutput
from .common import (
    ENDED, FLOWS, MEMBERS_ONLY, OFFICE_ONLY, PS, STEP_NAMES, TS, _audit, _deadline_limit, _lock_target, _require,
    _target_start, next_number,
)
from .pauses import _pause_requests_end, open_pause_request, pause_refusal


# --- assignments ------------------------------------------------------------------------------


def _next_number(now: datetime) -> str:
    return next_number(Assignment, f"JB{local_date(now).year}-")


# R66: the kinds that carry out a decision, whose decision-maker is recorded.
DECISION_KINDS = (AssignmentKind.INSTRUCTION, AssignmentKind.UPPER_DOC, AssignmentKind.MEETING,
                  AssignmentKind.NO_DEADLINE)


@transaction.atomic
def assignment_create(*, actor, kind: str, title: str, source_text: str, issuing_leader: str = "",
                      deadline: date | None = None, lead_unit: Unit | None = None,
                      co_units: list[Unit] | tuple = (), lead_owner=None, source_document: str = "",
                      required_output: str = "", deadline_clause: str = "", is_confidential: bool = False
                      ) -> Assignment:
    """The office registers an item (R39 网上交办); with a lead unit it is handed out at once."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    if kind not in FLOWS:
        raise ValidationError(_("来源类别无效。"))
    source_document, deadline_clause = source_document.strip(), deadline_clause.strip()
    _r56_document_time(kind=kind, source_document=source_document, required_output=required_output,
                       deadline=deadline, deadline_clause=deadline_clause)
    if kind in DECISION_KINDS and not issuing_leader.strip():
        # R66 (2008b 二(三)): 谁决策谁负责 — an item that carries out a decision names who decided.
        raise ValidationError({"issuing_leader": _("领导批示、上级文件/重大决策、会议决定和决策部署须记录决策人（批示/交办领导）。")})
    now = timezone.now()
    if deadline is not None:
        _deadline_limit(deadline, start=now)
    item = Assignment.objects.create(
        number=_next_number(now), kind=kind, title=_require(title, _("标题")),
        source_text=_require(source_text, _("来源内容")), issuing_leader=issuing_leader.strip(),
        deadline=deadline, unit=actor.unit, owner=actor, created_at=now, source_document=source_document,
        required_output=required_output, deadline_clause=deadline_clause, is_confidential=bool(is_confidential),
    )
    event_emit("assignment.created", subject=item, actor=actor,
               message=_("登记%(kind)s：%(title)s") % {"kind": item.get_kind_display(), "title": item.title})
    flow = FLOWS[kind]
    if flow.office:
        clocks.clock_start(item, actor=actor, rule=flow.office, message=_("效能办分解交办时限起算"))
    audit_record("create", actor=actor, obj=item, summary=f"登记交办件 {item.number}")
    if lead_unit is not None:
        assignment_dispatch(actor=actor, assignment=item, lead_unit=lead_unit, co_units=co_units,
                            lead_owner=lead_owner)
    return item


def _r56_document_time(*, kind: str, source_document: str, required_output: str, deadline: date | None,
                       deadline_clause: str) -> None:
    """R56 (2019 (七)): 要求制发实施意见、方案、配套措施的，必须在规定时间内完成 — an upper-level
    document that requires an implementing opinion, plan or measures is done within the time the
    document sets: the item records the document, what it requires, its time and the clause that
    sets it; no default rule stands in for the document's time."""
    if not required_output:
        if deadline is not None and source_document and not deadline_clause:
            raise ValidationError({"deadline_clause": _("请注明上级文件规定该时限的条款。")})
        return
    if required_output not in RequiredOutput.values:
        raise ValidationError({"required_output": _("要求制发的类别无效。")})
    if kind != AssignmentKind.UPPER_DOC:
        raise ValidationError({"required_output": _("只有上级文件/重大决策交办件才记录上级文件要求制发的实施意见、方案或配套措施。")})
    errors = {}
    if not source_document:
        errors["source_document"] = _("请填写上级文件名称及文号。")
    if deadline is None:
        errors["deadline"] = _("上级文件要求制发实施意见、方案或配套措施的，须按文件规定的时间完成：请填写文件规定的时限。")
    if not deadline_clause:
        errors["deadline_clause"] = _("请注明上级文件规定该时限的条款。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def assignment_dispatch(*, actor, assignment: Assignment, lead_unit: Unit, co_units=(), lead_owner=None
                        ) -> list[AssignmentTarget]:
    """交办: hand the item to a lead unit and co-units; each gets its own clock."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    item = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if item.status != Assignment.Status.REGISTERED:
        raise ValidationError(_("该交办件已交办，不能重复交办。"))
    co_units = [u for u in co_units if u.pk != lead_unit.pk]
    if lead_owner is not None and lead_owner.unit_id != lead_unit.pk:
        raise ValidationError(_("责任人必须是牵头单位的人员。"))
    now = timezone.now()
    flow = FLOWS[item.kind]
    first = flow.steps[0] if flow.steps else flow.feedback[0]
    rule = None  # the step's rule, read for the first target and reused for the others
    # Set-based: the targets with their started clocks in one INSERT, the units' shares in one,
    # every event in one — a constant number of statements whatever the number of units.
    targets, started = [], []
    for unit, is_lead in [(lead_unit, True), *[(u, False) for u in co_units]]:
        target = AssignmentTarget(assignment=item, unit=unit, is_lead=is_lead, assigned_at=now,
                                  owner=lead_owner if is_lead else None)
        started.append(_target_start(target, actor=actor, step=first, start=now, save=False, rule=rule))
        rule = rule or target.time_rule
        targets.append(target)
    AssignmentTarget.objects.bulk_create(targets)
    permissions.share_with_units([(item, t.unit) for t in targets])
    specs = []
    for target, clock_started in zip(targets, started):
        specs.append(dict(kind="assignment.dispatched", subject=target, actor=actor, recipients=["head", "owner"],
                          message=_("交办给 %(unit)s（%(role)s）") % {
                              "unit": target.unit.name, "role": _("牵头") if target.is_lead else _("配合")}))
        specs.append(clock_started)
    events_emit(specs)
    item.status = Assignment.Status.IN_PROGRESS
    item.save(update_fields=["status"])
    if item.clock_start and item.closed_at is None:
        clocks.clock_close(item, actor=actor, message=_("已分解交办到单位"))
    doc = issue_document(kind=ASSIGNMENT_ORDER, item=item, actor=actor)
    _audit(actor, item, f"交办 {item.number}（{doc.number}）给 {', '.join(t.unit.name for t in targets)}")
    return targets


def _document_time(target: AssignmentTarget) -> bool:
    """R56: the target's step runs to the time an upper-level document set (not extendable here)."""
    return target.step == "deadline" and bool(target.assignment.required_output)


def target_actions(user, target: AssignmentTarget) -> list[str]:
    """The actions `user` may take on `target` now (the item page shows only these)."""
    actions = []
    if target.status in ENDED:
        return actions
    request = open_pause_request(target)
    held = request is not None and request.status == PS.APPROVED  # paused on the unit's request
    role = getattr(user, "role", None)
    if has_role(user, *UNIT_ROLES, unit=target.unit_id):
        if target.status == TS.ASSIGNED:
            actions.append("acknowledge")
        elif held:
            # The unit's steps wait for the office to resume; it may say the reason is gone.
            if request.gone_reported_at is None:
                actions.append("pause-gone")
        elif target.step == "instruction.deploy" and target.status == TS.HANDLING:
            actions.append("deploy")
        elif target.status in (TS.HANDLING, TS.DEPLOYED):
            actions.append("feedback")
        if pause_refusal(target, request) is None:
            actions.append("pause-request")
        actions.append("dispute")
    if role in (Role.OFFICE, Role.LEADER):
        if target.status != TS.FED_BACK:
            actions.append("urge")
    if role == Role.OFFICE and target.status != TS.FED_BACK and not target.extension_value \
            and not _document_time(target) and target.paused_at is None and target.due_at is not None and timezone.now() <= target.due_at:
        actions.append("extend")
    if role == Role.OFFICE and target.status == TS.FED_BACK:
        actions += ["close", "return"]
    if role == Role.OFFICE and request is not None:
        actions += ["pause-approve", "pause-refuse"] if request.status == PS.PENDING else ["pause-resume"]
    return actions


def _check(actor, target, action: str) -> None:
    if action not in target_actions(actor, target):
        raise ValidationError(_("当前状态（%(s)s）下不能进行此操作。") % {"s": target.get_status_display()})


@transaction.atomic
def target_acknowledge(*, actor, target: AssignmentTarget, note: str = "") -> AssignmentTarget:
    """签收. For instructions and upper-level documents, signing is the same-day report to the
    unit's principal (R03); the deploy clock (R04, 3 wd) starts."""
    target = _lock_target(target)
    require_role(actor, *UNIT_ROLES, unit=target.unit_id, message=MEMBERS_ONLY)
    _check(actor, target, "acknowledge")
    target.status = TS.HANDLING
    if target.owner_id is None:
        target.owner = actor
    target.save(update_fields=["status", "owner"])
    event_emit("assignment.acknowledged", subject=target, actor=actor,
               message=note or _("%(unit)s 已签收") % {"unit": target.unit.name})
    flow = FLOWS[target.assignment.kind]
    if target.step in flow.steps:
        clocks.clock_close(target, actor=actor, message=_("已当日报告主要负责人"))
        _target_start(target, actor=actor, step=flow.steps[1])
    _audit(actor, target, f"签收 {target}")
    return target


@transaction.atomic
def target_deploy(*, actor, target: AssignmentTarget, note: str) -> AssignmentTarget:
    """布置落实 (R04); the feedback clock starts (the set deadline, or R10's first report)."""
    target = _lock_target(target)
    require_role(actor, *UNIT_ROLES, unit=target.unit_id, message=MEMBERS_ONLY)
    _check(actor, target, "deploy")
    note = _require(note, _("部署情况"))
    target.status = TS.DEPLOYED
    target.save(update_fields=["status"])
    event_emit("assignment.deployed", subject=target, actor=actor, message=note)
    clocks.clock_close(target, actor=actor, message=_("已布置落实"))
    _target_start(target, actor=actor, step=FLOWS[target.assignment.kind].feedback[0])
    _audit(actor, target, f"布置落实 {target}")
    return target


@transaction.atomic
def target_feedback(*, actor, target: AssignmentTarget, text: str, evidence=None) -> AssignmentTarget:
    """反馈 with evidence. An intermediate report (R10 first report) starts the next report's
    clock (R11, counted from the hand-out); the final one holds the clock while the office checks."""
    target = _lock_target(target)
    require_role(actor, *UNIT_ROLES, unit=target.unit_id, message=MEMBERS_ONLY)
    _check(actor, target, "feedback")
    text = _require(text, _("反馈意见"))
    flow = FLOWS[target.assignment.kind]
    target.feedback = text
    if evidence:
        cleaned = upload_clean(evidence, what=_("佐证材料"))  # parsed; stored under a random name
        target.evidence, target.evidence_name = cleaned.file, cleaned.original_name
    target.reports_done += 1
    fields = ["feedback", "evidence", "evidence_name", "reports_done", "status"]
    position = flow.feedback.index(target.step) if target.step in flow.feedback else len(flow.feedback) - 1
    if position < len(flow.feedback) - 1:
        target.save(update_fields=fields)
        event_emit("assignment.reported", subject=target, actor=actor, recipients=["office"], message=text,
                   payload={"step": target.step})
        clocks.clock_close(target, actor=actor, message=_("已报告：%(s)s") % {"s": STEP_NAMES.get(target.step)})
        _target_start(target, actor=actor, step=flow.feedback[position + 1], start=target.assigned_at)
        _audit(actor, target, f"报告 {target}")
        return target
    target.status = TS.FED_BACK
    target.save(update_fields=fields)
    _pause_requests_end(target, actor=actor, why=_("单位已反馈，暂停计时申请自动撤销"))
    event_emit("assignment.fed_back", subject=target, actor=actor, recipients=["office"], message=text,
               payload={"evidence": target.evidence.name if target.evidence else ""})
    clocks.clock_pause(target, actor=actor, reason=PauseReason.OTHER, note=_("已反馈，待效能办审核"))
    item = target.assignment
    if flow.reply and target.is_lead and item.clock_start is None:
        clocks.clock_start(item, actor=actor, rule=flow.reply, message=_("效能办答复时限起算"))
    _audit(actor, target, f"反馈 {target}")
    return target


@transaction.atomic
def target_return(*, actor, target: AssignmentTarget, reason: str) -> AssignmentTarget:
    """退回 for rework, with reason; the clock resumes (the office's checking time is credited)."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    target = _lock_target(target)
    _check(actor, target, "return")
    reason = _require(reason, _("退回理由"))
    target.status = TS.HANDLING
    target.return_reason = reason
    target.return_count += 1
    target.save(update_fields=["status", "return_reason", "return_count"])
    event_emit("assignment.returned", subject=target, actor=actor, recipients=["owner", "head"], message=reason)
    clocks.clock_resume(target, actor=actor, note=_("退回重办，恢复计时"))
    _audit(actor, target, f"退回 {target}：{reason}")
    return target


@transaction.atomic
def target_close(*, actor, target: AssignmentTarget, note: str = "", reply: str = "") -> AssignmentTarget:
    """办结 (件件有落实、事事有回音). A policy difficulty needs the office's reply (R08)."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    target = _lock_target(target)
    _check(actor, target, "close")
    item = Assignment.objects.select_for_update().get(pk=target.assignment_id)
    if FLOWS[item.kind].reply and target.is_lead:
        if reply not in Assignment.Reply.values:
            raise ValidationError(_("请选择答复意见：继续执行、暂缓执行或按新的方法执行。"))
        item.reply, item.reply_text = reply, note
        item.save(update_fields=["reply", "reply_text"])
        event_emit("assignment.replied", subject=item, actor=actor,
                   message=f"{item.get_reply_display()}。{note}".strip("。") + "。")
        if item.clock_start and item.closed_at is None:
            clocks.clock_close(item, actor=actor, message=_("已答复"))
    target.status = TS.CLOSED
    target.save(update_fields=["status"])
    event_emit("assignment.closed", subject=target, actor=actor, recipients=["owner", "head"],
               message=note or _("审核通过，办结"))
    clocks.clock_close(target, actor=actor)
    if not item.targets.exclude(status__in=ENDED).exists():
        item.status = Assignment.Status.CLOSED
        item.save(update_fields=["status"])
        event_emit("assignment.completed", subject=item, actor=actor, message=_("全部承办单位已办结"))
    _audit(actor, target, f"办结 {target}")
    return target


@transaction.atomic
def target_urge(*, actor, target: AssignmentTarget, message: str = "") -> AssignmentTarget:
    """督办/催办: a notice to the unit's responsible person and head, counted."""
    require_role(actor, Role.OFFICE, Role.LEADER, message=OFFICE_ONLY)
    target = _lock_target(target)
    _check(actor, target, "urge")
    target.urge_count += 1
    target.save(update_fields=["urge_count"])
    event_emit("assignment.urged", subject=target, actor=actor, recipients=["owner", "head"],
               message=message.strip() or _("请抓紧办理并按时反馈（第 %(n)s 次督办）") % {"n": target.urge_count},
               payload={"count": target.urge_count})
    _audit(actor, target, f"督办 {target}（第 {target.urge_count} 次）")
    return target


@transaction.atomic
def target_extend(*, actor, target: AssignmentTarget, value: int, reason: str) -> AssignmentTarget:
    """延期: the office grants one extension of the current step, asked before its due time
    (the core refuses a late request; the item then counts as late)."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    target = _lock_target(target)
    if _document_time(target):
        # R56: the upper-level document set this time; only its issuer can change it.
        raise ValidationError(_("该时限由上级文件规定（%(doc)s %(clause)s），不能延期。")
                              % {"doc": target.assignment.source_document, "clause": target.assignment.deadline_clause})
    _check(actor, target, "extend")
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("延期天数须为正整数。")) from None
    unit = LimitUnit.HOURS if target.limit_unit == LimitUnit.HOURS else LimitUnit.WORKDAYS
    try:
        clocks.clock_extend(target, actor=actor, value=value, unit=unit, reason=reason)
    except CalendarRangeError:  # e.g. 99999999 days: past the end of the work calendar (was a 500)
        raise ValidationError(_("延期后的期限超出工作日历范围，请缩短延期时长。")) from None
    _audit(actor, target, f"延期 {target} {value}{LimitUnit(unit).label}")
    return target
