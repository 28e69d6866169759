"""Disputes between units and the office's coordination opinion (协调意见): 转办 and 调整牵头."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efficiency import clocks, permissions
from efficiency.events import event_emit
from efficiency.models import Role, Unit
from efficiency.permissions import UNIT_ROLES, require_role
from efficiency.workdays import local_date

from ..models import Assignment, AssignmentTarget, Coordination
from .assignments import _check
from .common import ENDED, FLOWS, MEMBERS_ONLY, OFFICE_ONLY, TS, _audit, _lock_target, _require, _target_start
from .pauses import _pause_requests_end


@transaction.atomic
def dispute_raise(*, actor, target: AssignmentTarget, reason: str) -> Coordination:
    """A unit disputes the hand-out (推诿扯皮 is settled by the office, not between units)."""
    target = _lock_target(target)
    require_role(actor, *UNIT_ROLES, unit=target.unit_id, message=MEMBERS_ONLY)
    _check(actor, target, "dispute")
    c = Coordination.objects.create(assignment=target.assignment, raised_by=actor, unit=target.unit,
                                    reason=_require(reason, _("争议事由")), raised_at=timezone.now())
    lead = _lead_target(c)
    # R43: the lead unit coordinates first (2019 意见 (九)).
    event_emit("assignment.disputed", subject=target.assignment, actor=actor, unit=lead.unit if lead else target.unit,
               recipients=["head"], message=c.reason, payload={"coordination_id": c.pk})
    _audit(actor, target, f"提出争议 {target}")
    return c


def _lead_target(c: Coordination) -> AssignmentTarget | None:
    return AssignmentTarget.objects.select_related("unit").filter(assignment_id=c.assignment_id, is_lead=True).first()


def _lock_coordination(c: Coordination, status: str) -> Coordination:
    c = Coordination.objects.select_for_update().select_related("assignment").get(pk=c.pk)
    if c.status != status:
        raise ValidationError(_("该争议当前处于“%(s)s”阶段，不能进行此操作。") % {"s": c.get_status_display()})
    return c


@transaction.atomic
def dispute_lead_record(*, actor, coordination: Coordination, note: str, settled: bool) -> Coordination:
    """R43 (2019 意见 (九)): the lead unit's head records how it coordinated the dispute: settled
    (the dispute ends, 已由牵头单位协调解决), or truly unsettled — only then does it go up to the
    government office, with this record (不得直接上交矛盾)."""
    c = _lock_coordination(coordination, Coordination.Status.LEAD)
    lead = _lead_target(c)
    require_role(actor, Role.HEAD, unit=lead.unit_id if lead else -1,
                 message=_("只有牵头单位负责人可以记录牵头协调情况。"))
    c.lead_note = _require(note, _("牵头单位协调情况"))
    c.lead_by, c.lead_at = actor, timezone.now()
    c.status = Coordination.Status.SETTLED if settled else Coordination.Status.OFFICE
    c.save(update_fields=["lead_note", "lead_by", "lead_at", "status"])
    payload = {"coordination_id": c.pk, "unit_id": c.unit_id}
    if settled:
        event_emit("assignment.dispute_settled", subject=c.assignment, actor=actor, unit=lead.unit,
                   recipients=["owner", "head"], message=c.lead_note, payload=payload)
    else:
        event_emit("assignment.dispute_escalated", subject=c.assignment, actor=actor, unit=lead.unit,
                   recipients=["office"], message=c.lead_note, payload=payload)
    _audit(actor, c.assignment, f"牵头单位{'协调解决' if settled else '协调未果，报政府办公室'}：{c.assignment.number}")
    return c


@transaction.atomic
def dispute_refer(*, actor, coordination: Coordination, preferred_opinion: str) -> Coordination:
    """R43: the office sends its preferred opinion (倾向性意见) to the government leader, who
    decides (`dispute_leader_decide`); only after the lead unit's record."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    c = _lock_coordination(coordination, Coordination.Status.OFFICE)
    c.preferred_opinion = _require(preferred_opinion, _("倾向性意见"))
    c.referred_by, c.referred_at, c.status = actor, timezone.now(), Coordination.Status.LEADER
    c.save(update_fields=["preferred_opinion", "referred_by", "referred_at", "status"])
    event_emit("assignment.dispute_referred", subject=c.assignment, actor=actor, recipients=["leader"],
               message=c.preferred_opinion, payload={"coordination_id": c.pk})
    _audit(actor, c.assignment, f"提出倾向性意见报政府领导协调 {c.assignment.number}")
    return c


@transaction.atomic
def dispute_leader_decide(*, actor, coordination: Coordination, opinion: str) -> Coordination:
    """R43, R66: the government leader's coordination decision on a referred dispute; the leader
    is recorded as its decision-maker (谁决策谁负责). The office then acts on it."""
    require_role(actor, Role.LEADER, message=_("只有政府领导可以对报请协调的争议作出决定。"))
    c = _lock_coordination(coordination, Coordination.Status.LEADER)
    c.opinion, c.decided_by, c.decided_at = _require(opinion, _("协调意见")), actor, timezone.now()
    c.status = Coordination.Status.DECIDED
    c.save(update_fields=["opinion", "decided_by", "decided_at", "status"])
    event_emit("assignment.coordinated", subject=c.assignment, actor=actor, recipients=["office"], message=c.opinion,
               payload={"coordination_id": c.pk, "unit_id": c.unit_id})
    _audit(actor, c.assignment, f"政府领导协调决定 {c.assignment.number}")
    return c


# R43: the dispute path's steps after it is raised — the lead unit settles or escalates, the office
# refers it to the government leader with its preferred opinion, the leader decides — by name, for
# the page and the API alike (the office's own opinion is `dispute_coordinate`).
DISPUTE_STEPS = ("settle", "escalate", "refer", "decide")


def dispute_step(*, actor, coordination: Coordination, step: str, note: str = "", preferred_opinion: str = "",
                 opinion: str = "") -> Coordination:
    """One named step of `DISPUTE_STEPS`, with the text that step records."""
    if step in ("settle", "escalate"):
        return dispute_lead_record(actor=actor, coordination=coordination, note=note, settled=step == "settle")
    if step == "refer":
        return dispute_refer(actor=actor, coordination=coordination, preferred_opinion=preferred_opinion)
    if step == "decide":
        return dispute_leader_decide(actor=actor, coordination=coordination, opinion=opinion)
    raise ValueError(f"unknown dispute step {step!r}")


@transaction.atomic
def dispute_coordinate(*, actor, coordination: Coordination, opinion: str, reassign_to: Unit | None = None,
                       mode: str = Coordination.Reassign.TRANSFER) -> Coordination:
    """The office records its coordination opinion (协调意见), binding on the units; with
    `reassign_to` it acts on it at once (`coordination_reassign`) — both or neither."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    c = Coordination.objects.select_for_update().get(pk=coordination.pk)
    if c.decided_at:
        raise ValidationError(_("该争议已协调。"))
    if c.status != Coordination.Status.OFFICE:
        # R43 (2019 意见 (九)): 不得直接上交矛盾 — the lead unit's coordination comes first.
        raise ValidationError(_("该争议须先经牵头单位协调并记录协调情况，确实难以解决的才由政府办公室协调（%(s)s）。")
                              % {"s": c.get_status_display()})
    c.opinion, c.decided_by, c.decided_at = _require(opinion, _("协调意见")), actor, timezone.now()
    c.status = Coordination.Status.DECIDED
    c.save(update_fields=["opinion", "decided_by", "decided_at", "status"])
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
    if item.required_output and item.deadline > local_date(now):
        deadline = item.deadline  # R56: the upper-level document's time binds the new unit too
    elif item.deadline is not None:
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
