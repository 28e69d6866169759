"""Every write of key tasks and assignments: validated, in one transaction, with an event on the
item's timeline and an audit row. Clock fields change only through `efficiency.clocks`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efficiency import clocks, permissions
from efficiency.audit import audit_record
from efficiency.clocks import Limit, credit_unit, format_due
from efficiency.events import event_emit
from efficiency.models import LimitUnit, PauseReason, Role, Unit
from efficiency.permissions import UNIT_ROLES, has_role, require_role
from efficiency.uploads import upload_check
from efficiency.workdays import CalendarRangeError, local_date

from ..models import (
    Assignment, AssignmentKind, AssignmentTarget, Coordination, KeyTask, KeyTaskList, PauseRequest, ProgressDue,
    ProgressReport, ReportCycle, TaskNode,
)

K = AssignmentKind
TS = AssignmentTarget.Status
PS = PauseRequest.Status
ENDED = AssignmentTarget.ENDED


@dataclass(frozen=True)
class Flow:
    """Which seeded rules (efficiency/rules_seed.py) an assignment kind runs.

    office: the office's own step before it hands the item out; steps: the unit's steps before
    its feedback (签收 = report to the principal, then deploy); feedback: the unit's report
    rules in order (all but the last are intermediate reports); reply: the office's step after
    the unit's feedback."""

    feedback: tuple[str, ...]
    steps: tuple[str, ...] = ()
    office: str | None = None
    reply: str | None = None


FLOWS = {
    # 2019 意见（七）: reported to the principal the same day (R03), deployed within 3 wd (R04).
    K.INSTRUCTION: Flow(steps=("instruction.report", "instruction.deploy"), feedback=("decision.first_report",)),
    K.UPPER_DOC: Flow(steps=("instruction.report", "instruction.deploy"), feedback=("decision.first_report",)),
    # 2019 意见（七）: the office splits it out in 3 wd (R05); units feed back in 10 wd (R06).
    K.MEETING: Flow(office="field_research.split", feedback=("field_research.feedback",)),
    K.FIELD_RESEARCH: Flow(office="field_research.split", feedback=("field_research.feedback",)),
    # 2019 意见（六）: reported in 5 wd (R07); the office replies in 3 wd (R08).
    K.POLICY_DIFFICULTY: Flow(feedback=("policy_difficulty.report",), reply="policy_difficulty.reply"),
    # 2019 意见（十三）: interpretation within 5 wd (R09).
    K.POLICY_INTERPRETATION: Flow(feedback=("policy.interpretation",)),
    # 2019 意见（十）: first report in 1 month (R10), first month's execution in 2 months (R11).
    K.NO_DEADLINE: Flow(feedback=("decision.first_report", "decision.month_report")),
    # 2019 意见（十二）: press conference within 24 hours (R12).
    K.EMERGENCY: Flow(feedback=("emergency.press",)),
}

STEP_NAMES = {
    "instruction.report": gettext_lazy("当日报告主要负责人"),
    "instruction.deploy": gettext_lazy("布置落实"),
    "deadline": gettext_lazy("按交办时限办理反馈"),
    "decision.first_report": gettext_lazy("首次报告"),
    "decision.month_report": gettext_lazy("首月执行情况报告"),
    "field_research.feedback": gettext_lazy("反馈办理意见"),
    "policy_difficulty.report": gettext_lazy("报告政策执行困难"),
    "policy.interpretation": gettext_lazy("政策解读"),
    "emergency.press": gettext_lazy("新闻发布"),
}


OFFICE_ONLY = gettext_lazy("只有效能办可以进行此操作。")
MEMBERS_ONLY = gettext_lazy("只有承办单位的人员可以进行此操作。")


def _require(text: str | None, label: str) -> str:
    if not text or not str(text).strip():
        raise ValidationError(_("请填写%(f)s。") % {"f": label})
    return str(text).strip()


def _audit(actor, obj, summary: str) -> None:
    audit_record("update", actor=actor, obj=obj, summary=summary)


def _deadline_limit(deadline: date, *, start: datetime) -> Limit:
    days = (deadline - local_date(start)).days
    if days <= 0:
        raise ValidationError(_("时限 %(d)s 已过或就是今天，请设定今后的日期。") % {"d": deadline.isoformat()})
    return Limit(days, LimitUnit.DAYS)


# --- assignments ------------------------------------------------------------------------------


def _next_number(now: datetime) -> str:
    year = local_date(now).year
    prefix = f"JB{year}-"
    # The year's newest item has its highest number (numbers are given here only, in id order).
    # Not `order_by("-number")`: after 9999 items "JB2026-10000" sorts before "JB2026-9999", and
    # that number would be given twice. The primary key read backwards stops at the first row.
    last = (Assignment.objects.select_for_update().filter(number__startswith=prefix)
            .order_by("-id").values_list("number", flat=True).first())
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:04d}"


@transaction.atomic
def assignment_create(*, actor, kind: str, title: str, source_text: str, issuing_leader: str = "",
                      deadline: date | None = None, lead_unit: Unit | None = None,
                      co_units: list[Unit] | tuple = (), lead_owner=None) -> Assignment:
    """The office registers an item (R39 网上交办); with a lead unit it is handed out at once."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    if kind not in FLOWS:
        raise ValidationError(_("来源类别无效。"))
    now = timezone.now()
    if deadline is not None:
        _deadline_limit(deadline, start=now)
    item = Assignment.objects.create(
        number=_next_number(now), kind=kind, title=_require(title, _("标题")),
        source_text=_require(source_text, _("来源内容")), issuing_leader=issuing_leader.strip(),
        deadline=deadline, unit=actor.unit, owner=actor, created_at=now,
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
    targets = []
    for unit, is_lead in [(lead_unit, True), *[(u, False) for u in co_units]]:
        target = AssignmentTarget.objects.create(assignment=item, unit=unit, is_lead=is_lead, assigned_at=now,
                                                 owner=lead_owner if is_lead else None)
        permissions.share_with_unit(item, unit)
        first = flow.steps[0] if flow.steps else flow.feedback[0]
        event_emit("assignment.dispatched", subject=target, actor=actor, recipients=["head", "owner"],
                   message=_("交办给 %(unit)s（%(role)s）") % {"unit": unit.name,
                                                           "role": _("牵头") if is_lead else _("配合")})
        _target_start(target, actor=actor, step=first, start=now)
        targets.append(target)
    item.status = Assignment.Status.IN_PROGRESS
    item.save(update_fields=["status"])
    if item.clock_start and item.closed_at is None:
        clocks.clock_close(item, actor=actor, message=_("已分解交办到单位"))
    _audit(actor, item, f"交办 {item.number} 给 {', '.join(t.unit.name for t in targets)}")
    return targets


def _target_start(target: AssignmentTarget, *, actor, step: str, start: datetime | None = None) -> None:
    """Start the target's clock for one step. A set deadline replaces the default feedback rule."""
    item = target.assignment
    feedback = FLOWS[item.kind].feedback
    deadline = target.deadline or item.deadline  # a transferred-in unit has its own (_target_transfer)
    target.step = step
    target.save(update_fields=["step"])
    name = STEP_NAMES.get(step, step)
    if step in feedback and deadline is not None and len(feedback) == 1:
        target.step = "deadline"
        target.save(update_fields=["step"])
        clocks.clock_start(target, actor=actor, limit=_deadline_limit(deadline, start=start or timezone.now()),
                           start=start, message=_("环节：%(s)s，时限 %(d)s") % {"s": STEP_NAMES["deadline"],
                                                                          "d": deadline.isoformat()})
        return
    clocks.clock_start(target, actor=actor, rule=step, start=start, message=_("环节：%(s)s") % {"s": name})


def _lock_target(target: AssignmentTarget) -> AssignmentTarget:
    return AssignmentTarget.objects.select_for_update().select_related("assignment", "unit").get(pk=target.pk)


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
            and target.paused_at is None and target.due_at is not None and timezone.now() <= target.due_at:
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
        upload_check(evidence, what=_("佐证材料"))
        target.evidence = evidence
    target.reports_done += 1
    fields = ["feedback", "evidence", "reports_done", "status"]
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
            raise ValidationError(_("请选择答复意见：继续执行、暂停执行或研究新办法。"))
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
def dispute_raise(*, actor, target: AssignmentTarget, reason: str) -> Coordination:
    """A unit disputes the hand-out (推诿扯皮 is settled by the office, not between units)."""
    target = _lock_target(target)
    require_role(actor, *UNIT_ROLES, unit=target.unit_id, message=MEMBERS_ONLY)
    _check(actor, target, "dispute")
    c = Coordination.objects.create(assignment=target.assignment, raised_by=actor, unit=target.unit,
                                    reason=_require(reason, _("争议事由")), raised_at=timezone.now())
    event_emit("assignment.disputed", subject=target.assignment, actor=actor, unit=target.unit,
               recipients=["office"], message=c.reason, payload={"coordination_id": c.pk})
    _audit(actor, target, f"提出争议 {target}")
    return c


@transaction.atomic
def dispute_coordinate(*, actor, coordination: Coordination, opinion: str, reassign_to: Unit | None = None,
                       mode: str = Coordination.Reassign.TRANSFER) -> Coordination:
    """The office records its coordination opinion (协调意见), binding on the units; with
    `reassign_to` it acts on it at once (`coordination_reassign`) — both or neither."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    c = Coordination.objects.select_for_update().get(pk=coordination.pk)
    if c.decided_at:
        raise ValidationError(_("该争议已协调。"))
    c.opinion, c.decided_by, c.decided_at = _require(opinion, _("协调意见")), actor, timezone.now()
    c.save(update_fields=["opinion", "decided_by", "decided_at"])
    event_emit("assignment.coordinated", subject=c.assignment, actor=actor, message=c.opinion,
               payload={"coordination_id": c.pk, "unit_id": c.unit_id})
    _audit(actor, c.assignment, f"协调争议 {c.assignment.number}")
    if reassign_to is not None:
        c = coordination_reassign(actor=actor, coordination=c, to_unit=reassign_to, mode=mode)
    return c


@transaction.atomic
def coordination_reassign(*, actor, coordination: Coordination, to_unit: Unit,
                          mode: str = Coordination.Reassign.TRANSFER) -> Coordination:
    """Act on a recorded coordination opinion, once: 转办 (`_target_transfer`) moves the disputing
    unit's part to `to_unit`; 调整牵头 (`_target_make_lead`) makes the co-unit `to_unit` the lead.
    The history stays on the one item; both units are told."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    c = Coordination.objects.select_for_update().select_related("unit").get(pk=coordination.pk)
    if c.decided_at is None:
        raise ValidationError(_("请先记录协调意见，再按协调意见调整承办单位。"))
    if c.reassign_mode:
        raise ValidationError(_("该争议已按协调意见调整过承办单位。"))
    if to_unit is None or not to_unit.is_active:
        raise ValidationError(_("请选择承办单位。"))
    item = Assignment.objects.select_for_update().get(pk=c.assignment_id)
    targets = {t.unit_id: t for t in AssignmentTarget.objects.select_for_update().select_related("assignment", "unit")
               .filter(assignment=item).order_by("pk")}
    now = timezone.now()
    if mode == Coordination.Reassign.TRANSFER:
        _target_transfer(actor=actor, coordination=c, targets=targets, to_unit=to_unit, now=now)
    elif mode == Coordination.Reassign.LEAD:
        _target_make_lead(actor=actor, coordination=c, targets=targets, to_unit=to_unit)
    else:
        raise ValidationError(_("调整方式无效。"))
    c.reassign_mode, c.reassigned_to, c.reassigned_at = mode, to_unit, now
    c.save(update_fields=["reassign_mode", "reassigned_to", "reassigned_at"])
    _audit(actor, item, f"按协调意见{Coordination.Reassign(mode).label}：{c.unit.name} → {to_unit.name}")
    return c


def _target_transfer(*, actor, coordination: Coordination, targets: dict, to_unit: Unit,
                    now: datetime) -> AssignmentTarget:
    """转办 (inside `coordination_reassign`'s transaction, rows locked). The disputing unit's
    target ends as 已转办. Its clock is judged fairly: a dispute raised at or before the step's
    due time closes it as on time (done, closed at the due time at the latest) — the office's
    coordination time is not the unit's delay; a dispute raised after the due time closes it
    late (done_late), as any late step. The new unit gets a target of its own whose clock starts
    now at the flow's first step, like a hand-out (a set deadline: as many calendar days as the
    unit it replaces had). A unit already on the item keeps its own target and clock (and
    becomes the lead if the transferred target was)."""
    old = targets.get(coordination.unit_id)
    if old is None or old.status in ENDED:
        raise ValidationError(_("提出争议的单位在本件中的承办已结束，无需转办。"))
    if to_unit.pk == old.unit_id:
        raise ValidationError(_("不能转给提出争议的单位本身。"))
    existing = targets.get(to_unit.pk)
    if existing is not None and existing.status in ENDED:
        raise ValidationError(_("%(unit)s 在本件中的承办已结束（%(s)s），不能再转给该单位。")
                              % {"unit": to_unit.name, "s": existing.get_status_display()})
    item = old.assignment
    _pause_requests_end(old, actor=actor, why=_("已转办，暂停计时申请撤销"))
    if old.paused_at:  # the review hold after feedback
        clocks.clock_resume(old, actor=actor, note=_("已转办，结束暂停"))
    in_time = old.due_at is None or coordination.raised_at <= old.due_at
    clocks.clock_close(old, actor=actor, at=min(now, old.due_at) if in_time and old.due_at else now,
                       message=_("争议按时提出，转办不计超期") if in_time else _("争议提出时已超期，按超期计"))
    was_lead = old.is_lead
    old.status, old.transferred_to, old.is_lead = TS.TRANSFERRED, to_unit, False
    old.save(update_fields=["status", "transferred_to", "is_lead"])
    event_emit("assignment.transferred", subject=old, actor=actor, recipients=["owner", "head"],
               message=_("按协调意见转由 %(unit)s 办理：%(opinion)s") % {"unit": to_unit.name,
                                                                "opinion": coordination.opinion},
               payload={"coordination_id": coordination.pk, "to_unit_id": to_unit.pk, "in_time": in_time})
    role = _("牵头") if was_lead else _("配合")
    if existing is not None:
        if was_lead:
            existing.is_lead = True
            existing.save(update_fields=["is_lead"])
        event_emit("assignment.transferred_in", subject=existing, actor=actor, recipients=["owner", "head"],
                   message=_("按协调意见，原由 %(old)s 承办的事项转由本单位办理（%(role)s）：%(opinion)s")
                   % {"old": old.unit.name, "role": role, "opinion": coordination.opinion},
                   payload={"coordination_id": coordination.pk, "transferred_from": old.pk})
        return existing
    deadline = None
    if item.deadline is not None:
        span = ((old.deadline or item.deadline) - local_date(old.assigned_at)).days
        deadline = local_date(now) + timedelta(days=max(span, 1))
    new = AssignmentTarget.objects.create(assignment=item, unit=to_unit, is_lead=was_lead, assigned_at=now,
                                          transferred_from=old, deadline=deadline)
    permissions.share_with_unit(item, to_unit)
    event_emit("assignment.dispatched", subject=new, actor=actor, recipients=["head", "owner"],
               message=_("按协调意见转办给 %(unit)s（%(role)s），原承办单位 %(old)s")
               % {"unit": to_unit.name, "role": role, "old": old.unit.name},
               payload={"coordination_id": coordination.pk, "transferred_from": old.pk})
    flow = FLOWS[item.kind]
    _target_start(new, actor=actor, step=flow.steps[0] if flow.steps else flow.feedback[0], start=now)
    return new


def _target_make_lead(*, actor, coordination: Coordination, targets: dict, to_unit: Unit) -> AssignmentTarget:
    """调整牵头 (inside `coordination_reassign`): the co-unit becomes the lead, the lead a
    co-unit. Nobody's part ends, so both clocks run on unchanged."""
    new_lead = targets.get(to_unit.pk)
    if new_lead is None or new_lead.status in ENDED or new_lead.is_lead:
        raise ValidationError(_("只能把本件尚未办结的配合单位调整为牵头单位。"))
    old_lead = next((t for t in targets.values() if t.is_lead), None)
    if old_lead is None or old_lead.status in ENDED:
        raise ValidationError(_("原牵头单位的承办已结束，不能调整牵头。"))
    old_lead.is_lead, new_lead.is_lead = False, True
    old_lead.save(update_fields=["is_lead"])
    new_lead.save(update_fields=["is_lead"])
    payload = {"coordination_id": coordination.pk, "lead_unit_id": to_unit.pk}
    event_emit("assignment.lead_changed", subject=new_lead, actor=actor, recipients=["owner", "head"],
               message=_("按协调意见改由本单位牵头（原牵头单位 %(old)s）：%(opinion)s")
               % {"old": old_lead.unit.name, "opinion": coordination.opinion}, payload=payload)
    event_emit("assignment.lead_changed", subject=old_lead, actor=actor, recipients=["owner", "head"],
               message=_("按协调意见改由 %(new)s 牵头，本单位改为配合：%(opinion)s")
               % {"new": to_unit.name, "opinion": coordination.opinion}, payload=payload)
    return new_lead


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


# --- key tasks (R14, R15) ---------------------------------------------------------------------

REPORT_LIMITS = {
    ReportCycle.WEEK: Limit(7, LimitUnit.DAYS),
    ReportCycle.MONTH: None,  # the rule's own limit: one month
    ReportCycle.QUARTER: Limit(3, LimitUnit.MONTHS),
}


@transaction.atomic
def tasklist_create(*, actor, year: int, title: str = "", lag_margin: int = 20) -> KeyTaskList:
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    if KeyTaskList.objects.filter(year=year).exists():
        raise ValidationError(_("%(y)s 年度的重点任务清单已存在。") % {"y": year})
    tl = KeyTaskList.objects.create(year=year, title=title or _("%(y)s 年度重点任务清单") % {"y": year},
                                    issued_at=timezone.now(), lag_margin=lag_margin, created_by=actor)
    audit_record("create", actor=actor, obj=tl, summary=f"新建 {tl.title}")
    return tl


def _task_clock(task: KeyTask, *, actor, start: datetime | None = None) -> None:
    start = start or timezone.now()
    if task.deadline:
        clocks.clock_start(task, actor=actor, limit=_deadline_limit(task.deadline, start=start), start=start,
                           message=_("完成时限 %(d)s") % {"d": task.deadline.isoformat()})
    else:
        clocks.clock_start(task, actor=actor, rule="task.node", start=start)


@transaction.atomic
def keytask_create(*, actor, task_list: KeyTaskList, number: str, title: str, goal: str, standard: str,
                   unit: Unit, co_units=(), leader_name: str = "", owner=None, deadline: date | None = None,
                   report_cycle: str = ReportCycle.MONTH) -> KeyTask:
    """One task of the list (R14: responsible party, goal, standard, time limit)."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    number = _require(number, _("编号"))
    if KeyTask.objects.filter(task_list=task_list, number=number).exists():
        raise ValidationError(_("编号 %(n)s 已存在。") % {"n": number})
    if owner is not None and owner.unit_id != unit.pk:
        raise ValidationError(_("责任人必须是牵头单位的人员。"))
    task = KeyTask.objects.create(
        task_list=task_list, number=number, title=_require(title, _("任务名称")), goal=_require(goal, _("目标任务")),
        standard=_require(standard, _("工作标准")), unit=unit, leader_name=leader_name, owner=owner,
        deadline=deadline, report_cycle=report_cycle,
    )
    task.co_units.set([u for u in co_units if u.pk != unit.pk])
    for u in task.co_units.all():
        permissions.share_with_unit(task, u)
    event_emit("keytask.created", subject=task, actor=actor, recipients=["head", "owner"],
               message=_("下达重点任务 %(n)s %(t)s") % {"n": number, "t": task.title})
    _task_clock(task, actor=actor)
    due = ProgressDue.objects.create(task=task, unit=unit, owner=owner)
    clocks.clock_start(due, actor=actor, rule="task.progress_report", limit=REPORT_LIMITS[report_cycle],
                       message=_("进度报告（%(c)s）") % {"c": task.get_report_cycle_display()})
    audit_record("create", actor=actor, obj=task, summary=f"新增重点任务 {number}")
    return task


TASK_FIELDS = ("title", "goal", "standard", "unit", "leader_name", "owner", "deadline", "report_cycle")


@transaction.atomic
def keytask_update(*, actor, task: KeyTask, co_units=None, **values) -> bool:
    """Change a task's fields; returns whether anything changed (an unchanged import writes nothing)."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    task = KeyTask.objects.select_for_update().get(pk=task.pk)
    changed = [f for f in TASK_FIELDS if f in values and getattr(task, f) != values[f]]
    new_co = None
    if co_units is not None:
        new_co = {u.pk for u in co_units if u.pk != values.get("unit", task.unit).pk}
        if new_co == set(task.co_units.values_list("pk", flat=True)):
            new_co = None
    if not changed and new_co is None:
        return False
    for f in changed:
        setattr(task, f, values[f])
    task.save(update_fields=changed or None) if changed else None
    if new_co is not None:
        for u in task.co_units.all():
            permissions.unshare_with_unit(task, u)
        task.co_units.set(new_co)
        for u in task.co_units.all():
            permissions.share_with_unit(task, u)
    if "deadline" in changed and task.closed_at is None:
        _task_clock(task, actor=actor, start=task.clock_start)
    event_emit("keytask.updated", subject=task, actor=actor,
               message=_("修改：%(f)s") % {"f": "、".join(str(KeyTask._meta.get_field(f).verbose_name)
                                                      for f in changed) or _("配合单位")})
    _audit(actor, task, f"修改重点任务 {task.number}")
    return True


@transaction.atomic
def node_create(*, actor, task: KeyTask, title: str, kind: str = TaskNode.Kind.SUBTASK, parent: TaskNode | None = None,
                unit: Unit | None = None, post: str = "", owner=None, deadline: date | None = None) -> TaskNode:
    """Decompose a task (任务具体到项目、落实到岗位、量化到个人): office or the lead unit's head."""
    require_role(actor, Role.OFFICE, Role.HEAD, unit=task.unit_id, message=_("只有效能办或牵头单位负责人可以分解任务。"))
    if parent is not None and parent.task_id != task.pk:
        raise ValidationError(_("上级节点不属于该任务。"))
    unit = unit or task.unit
    if owner is not None and owner.unit_id != unit.pk:
        raise ValidationError(_("责任人必须是责任单位的人员。"))
    if deadline and task.deadline and deadline > task.deadline:
        raise ValidationError(_("节点时限不得晚于任务完成时限 %(d)s。") % {"d": task.deadline.isoformat()})
    node = TaskNode.objects.create(task=task, parent=parent, kind=kind, title=_require(title, _("名称")), unit=unit,
                                   post=post, owner=owner, deadline=deadline)
    if deadline:
        clocks.clock_start(node, actor=actor, limit=_deadline_limit(deadline, start=timezone.now()))
    else:
        clocks.clock_start(node, actor=actor, rule="task.node")
    event_emit("keytask.node_added", subject=task, actor=actor,
               message=_("分解%(k)s：%(t)s") % {"k": node.get_kind_display(), "t": node.title})
    audit_record("create", actor=actor, obj=node, summary=f"分解 {task.number}：{node.title}")
    return node


@transaction.atomic
def node_complete(*, actor, node: TaskNode, note: str = "") -> TaskNode:
    node = TaskNode.objects.select_for_update().get(pk=node.pk)
    require_role(actor, Role.OFFICE, *UNIT_ROLES, unit=node.unit_id, message=_("只有责任单位可以完成该节点。"))
    clocks.clock_close(node, actor=actor, message=note or _("节点完成"))
    event_emit("keytask.node_done", subject=node.task, actor=actor, message=_("完成：%(t)s") % {"t": node.title})
    return node


@transaction.atomic
def progress_report(*, actor, task: KeyTask, percent: int, narrative: str, attachment=None) -> ProgressReport:
    """进度报告 (R15). Reporting restarts the next report's clock; a late one is marked late;
    100% closes the task; a lagging task raises a 预警 event."""
    from ..queries import lag_of

    task = KeyTask.objects.select_for_update().get(pk=task.pk)
    require_role(actor, *UNIT_ROLES, unit=task.unit_id, message=_("只有牵头单位可以报告进度。"))
    if task.closed_at:
        raise ValidationError(_("该任务已完成，无需再报告。"))
    if attachment:
        upload_check(attachment)
    try:
        percent = int(percent)
    except (TypeError, ValueError):
        raise ValidationError(_("完成进度须为 0 到 100 的整数。")) from None
    if not 0 <= percent <= 100:
        raise ValidationError(_("完成进度须为 0 到 100 的整数。"))
    if percent < task.progress:
        raise ValidationError(_("完成进度不能低于上次报告的 %(p)s%%。") % {"p": task.progress})
    now = timezone.now()
    due = ProgressDue.objects.select_for_update().get(task=task)
    late = due.is_late(now)
    report = ProgressReport.objects.create(task=task, percent=percent, narrative=_require(narrative, _("进展情况")),
                                           attachment=attachment or "", reported_by=actor, reported_at=now,
                                           was_late=late)
    task.progress, task.reported_at = percent, now
    task.save(update_fields=["progress", "reported_at"])
    event_emit("keytask.reported", subject=task, actor=actor, message=f"{percent}%：{report.narrative}",
               payload={"percent": percent, "late": late})
    clocks.clock_close(due, actor=actor, message=_("已报告进度"))
    if percent == 100:
        clocks.clock_close(task, actor=actor, message=_("任务完成"))
    else:
        clocks.clock_start(due, actor=actor, rule="task.progress_report", limit=REPORT_LIMITS[task.report_cycle])
        lag = lag_of(task, now=now)
        if lag is not None and lag > task.task_list.lag_margin:
            event_emit("keytask.lagging", subject=task, actor=None, recipients=["owner", "head", "office"],
                       message=_("进度 %(p)s%% 落后于时间进度 %(l)s 个百分点，予以预警") % {"p": percent, "l": lag},
                       payload={"lag": lag})
    audit_record("create", actor=actor, obj=report, summary=f"报告进度 {task.number} {percent}%")
    return report


@transaction.atomic
def keytask_urge(*, actor, task: KeyTask, message: str = "") -> KeyTask:
    require_role(actor, Role.OFFICE, Role.LEADER, message=OFFICE_ONLY)
    task = KeyTask.objects.select_for_update().get(pk=task.pk)
    if task.closed_at:
        raise ValidationError(_("该任务已完成。"))
    task.urge_count += 1
    task.save(update_fields=["urge_count"])
    event_emit("keytask.urged", subject=task, actor=actor, recipients=["owner", "head"],
               message=message.strip() or _("请加快推进并按时报告进度（第 %(n)s 次督办）") % {"n": task.urge_count})
    _audit(actor, task, f"督办重点任务 {task.number}")
    return task


def keytasks_warn_lagging(*, now: datetime | None = None, every_days: int = 30) -> int:
    """预警 (R15 警示滞后): one `keytask.lagging` event per lagging task, repeated at most every
    `every_days` days. Set-based read; safe to repeat (the recent-warning check makes it once)."""
    from datetime import timedelta

    from efficiency.models import Event

    from ..queries import lagging

    now = now or timezone.now()
    recent = Event.objects.filter(kind="keytask.lagging", subject_type="supervision.keytask",
                                  at__gte=now - timedelta(days=every_days)).values("subject_id")
    warned = 0
    for task in lagging(KeyTask.objects.exclude(pk__in=recent).select_related("task_list"), now=now)[:1000]:
        with transaction.atomic():
            event_emit("keytask.lagging", subject=task, actor=None, recipients=["owner", "head", "office"], at=now,
                       message=_("进度 %(p)s%% 落后于时间进度 %(l)s 个百分点，予以预警")
                       % {"p": task.progress, "l": task.lag}, payload={"lag": task.lag})
        warned += 1
    return warned


@transaction.atomic
def target_extend(*, actor, target: AssignmentTarget, value: int, reason: str) -> AssignmentTarget:
    """延期: the office grants one extension of the current step, asked before its due time
    (the core refuses a late request; the item then counts as late)."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    target = _lock_target(target)
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
