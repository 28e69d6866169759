"""Consulting other units on a draft (征求意见/会商) before a decision on an assignment (R57)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efficiency import permissions
from efficiency.events import event_emit, events_emit
from efficiency.models import Role, Unit
from efficiency.permissions import UNIT_ROLES, has_role, refuse, require_role

from ..models import Assignment, AssignmentTarget, Consultation, ConsultationOpinion
from .common import _audit, _require

ST = Consultation.Stage


def _may_lead(user, unit_id: int) -> bool:
    """Who runs a consultation: the office, or the members of the consulting unit."""
    return has_role(user, Role.OFFICE) or has_role(user, *UNIT_ROLES, unit=unit_id)


@transaction.atomic
def consultation_open(*, actor, assignment: Assignment, subject: str, draft: str, units) -> Consultation:
    """The lead unit drafting the answer to an assignment (or the office) asks other units for
    their opinion on its draft. The consulted units see the item from now on."""
    item = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if has_role(actor, Role.OFFICE):
        unit_id = actor.unit_id
    else:
        lead = AssignmentTarget.objects.filter(assignment=item, is_lead=True).exclude(
            status__in=AssignmentTarget.ENDED).values_list("unit_id", flat=True).first()
        require_role(actor, *UNIT_ROLES, unit=lead if lead is not None else -1,
                     message=_("只有效能办或本件的牵头单位可以征求意见。"))
        unit_id = lead
    if item.status == Assignment.Status.CLOSED:
        raise ValidationError(_("该交办件已办结。"))
    units = [u for u in units if u.is_active and u.pk != unit_id]
    if not units:
        raise ValidationError({"units": _("请选择被征询单位（不含本单位）。")})
    now = timezone.now()
    c = Consultation.objects.create(assignment=item, unit_id=unit_id, subject=_require(subject, _("征求意见事项")),
                                    draft=_require(draft, _("征求意见稿")), opened_by=actor, opened_at=now)
    c.units.set(units)
    for u in units:
        permissions.share_with_unit(item, u)
    events_emit([dict(kind="assignment.consulted", subject=item, actor=actor, unit=u, recipients=["head"], at=now,
                      message=_("征求意见：%(s)s（反馈意见须经主要负责同志签字）") % {"s": c.subject},
                      payload={"consultation_id": c.pk}) for u in units])
    _audit(actor, item, f"征求意见 {item.number}：{c.subject}（{', '.join(u.name for u in units)}）")
    return c


def _principal_signs(actor, c: Consultation) -> Unit:
    """R57: the opinion is signed by the consulted unit's principal (主要负责同志签字): its head,
    and where the unit has named its principal (R42), that person. Another unit may not answer."""
    unit = c.units.filter(pk=actor.unit_id).first() if actor.unit_id else None
    if unit is None:
        refuse(_("只有被征询单位可以反馈意见。"))
    require_role(actor, Role.HEAD, unit=unit.pk,
                 message=_("反馈意见须经本单位主要负责同志签字后反馈，经办人不能直接反馈。"))
    if unit.principal_id is not None and unit.principal_id != actor.pk:
        refuse(_("反馈意见须经本单位主要负责同志（%(p)s）签字。") % {"p": unit.principal})
    return unit


@transaction.atomic
def opinion_return(*, actor, consultation: Consultation, stance: str, text: str, new_principle: bool = False,
                   principle_reason: str = "") -> ConsultationOpinion:
    """R57 (2019 (四)): 所提意见经主要负责同志签字后及时反馈；在最后决定阶段，除非有新的原则性意见，
    否则不再提出异议. At the consultation stage the unit's one opinion; at the final decision stage
    only a new opinion of principle, flagged, with its reason — any other objection is refused."""
    c = Consultation.objects.select_for_update().select_related("assignment").get(pk=consultation.pk)
    unit = _principal_signs(actor, c)
    if stance not in ConsultationOpinion.Stance.values:
        raise ValidationError({"stance": _("请选择意见：同意、修改意见或不同意。")})
    text = _require(text, _("意见内容"))
    principle_reason = (principle_reason or "").strip()
    if c.stage == ST.DECIDED:
        raise ValidationError(_("该事项已作出决定，不再反馈意见。"))
    if c.stage == ST.FINAL:
        if stance != ConsultationOpinion.Stance.OBJECT:
            raise ValidationError(_("最后决定阶段只受理新的原则性意见；同意的无需再次反馈。"))
        if not new_principle:
            raise ValidationError(_("在最后决定阶段，除非有新的原则性意见，不再提出异议。"))
        if not principle_reason:
            raise ValidationError({"principle_reason": _("请说明新的原则性意见的理由（此前为何未能提出）。")})
    else:
        new_principle, principle_reason = False, ""
    if c.opinions.filter(unit=unit, stage=c.stage).exists():
        raise ValidationError(_("本单位在该阶段已反馈意见。"))
    op = ConsultationOpinion.objects.create(
        consultation=c, unit=unit, stage=c.stage, stance=stance, text=text, new_principle=new_principle,
        principle_reason=principle_reason, signed_by=actor, signed_at=timezone.now())
    event_emit("assignment.opinion_returned", subject=c.assignment, actor=actor, unit=c.unit_id,
               recipients=["head", "office"] if new_principle else ["head"],
               message=_("%(unit)s 反馈意见（%(stance)s，主要负责同志 %(who)s 签字）%(new)s：%(text)s")
               % {"unit": unit.name, "stance": op.get_stance_display(), "who": actor.full_name or actor.username,
                  "new": _("，新的原则性意见") if new_principle else "", "text": text},
               payload={"consultation_id": c.pk, "opinion_id": op.pk, "new_principle": new_principle})
    _audit(actor, c.assignment, f"反馈意见 {c.assignment.number} {unit.name}（{op.get_stance_display()}）")
    return op


@transaction.atomic
def consultation_finalize(*, actor, consultation: Consultation) -> Consultation:
    """The consulting unit moves to the final decision stage, once every consulted unit has
    returned its signed opinion."""
    c = Consultation.objects.select_for_update().select_related("assignment").get(pk=consultation.pk)
    if not _may_lead(actor, c.unit_id):
        refuse(_("只有征求意见单位或效能办可以进行此操作。"))
    if c.stage != ST.CONSULTING:
        raise ValidationError(_("该征求意见已处于“%(s)s”。") % {"s": c.get_stage_display()})
    missing = c.units.exclude(pk__in=c.opinions.filter(stage=ST.CONSULTING).values("unit_id"))
    if missing.exists():
        raise ValidationError(_("以下单位尚未反馈意见：%(u)s。") % {"u": "、".join(u.name for u in missing)})
    c.stage, c.final_at = ST.FINAL, timezone.now()
    c.save(update_fields=["stage", "final_at"])
    event_emit("assignment.consultation_final", subject=c.assignment, actor=actor, unit=c.unit_id,
               message=_("“%(s)s”进入最后决定阶段：除非有新的原则性意见，不再提出异议") % {"s": c.subject},
               payload={"consultation_id": c.pk})
    _audit(actor, c.assignment, f"征求意见进入最后决定阶段 {c.assignment.number}")
    return c


@transaction.atomic
def consultation_decide(*, actor, consultation: Consultation, decision: str) -> Consultation:
    """The decision at the final stage, its decision-maker recorded (R66 谁决策谁负责)."""
    c = Consultation.objects.select_for_update().select_related("assignment").get(pk=consultation.pk)
    if not _may_lead(actor, c.unit_id):
        refuse(_("只有征求意见单位或效能办可以进行此操作。"))
    if c.stage != ST.FINAL:
        raise ValidationError(_("须先进入最后决定阶段，再作出决定。"))
    c.decision, c.decided_by, c.decided_at = _require(decision, _("决定")), actor, timezone.now()
    c.stage = ST.DECIDED
    c.save(update_fields=["decision", "decided_by", "decided_at", "stage"])
    event_emit("assignment.consultation_decided", subject=c.assignment, actor=actor, unit=c.unit_id,
               message=c.decision, payload={"consultation_id": c.pk})
    _audit(actor, c.assignment, f"征求意见事项作出决定 {c.assignment.number}")
    return c
