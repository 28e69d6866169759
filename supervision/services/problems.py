"""County hard problems (R62, 2014 二(三)): "各县区政府要结合县区实际，对制约发展的难题实行一个难题一个
方案、一名领导、一套班子，列出事项进度表，明确完成时限、工作要求和各方面的责任"."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efficiency import clocks, permissions
from efficiency.audit import audit_record
from efficiency.events import event_emit
from efficiency.models import Region, Role, Unit
from efficiency.permissions import UNIT_ROLES, refuse, require_role
from efficiency.workdays import local_date

from ..models import HardProblem, ProblemMilestone
from .common import next_number, workday_deadline


def _one(value, field: str, message: str):
    """"一个": a list of several is refused, a list of one is that one."""
    if isinstance(value, (list, tuple, set)):
        if len(value) != 1:
            raise ValidationError({field: message})
        return next(iter(value))
    return value


def _problem_refusal(*, region, title, description, plan, leader, unit) -> dict:
    errors = {}
    if region is None or region.level != Region.Level.COUNTY:
        errors["region"] = _("“一个难题一个方案、一名领导、一套班子”适用于县区难题：请选择县区。")
    for field, value, label in (("title", title, _("难题")), ("description", description, _("难题情况")),
                                ("plan", plan, _("破解方案"))):
        if not isinstance(value, str) or not value.strip():
            errors[field] = _("请填写%(f)s。") % {"f": label}
    if leader is None:
        errors["leader"] = _("请指定一名责任领导。")
    elif not permissions.has_role(leader, Role.LEADER, Role.HEAD):
        errors["leader"] = _("责任领导须为在岗的政府领导或单位主要负责人。")
    if unit is None:
        errors["unit"] = _("请指定工作班子的牵头单位。")
    elif region is not None and unit.region_id != region.pk:
        errors["unit"] = _("牵头单位须为该县区的单位。")
    return errors


def _milestone_refusals(milestones, team: set[int], now) -> tuple[list, list]:
    """The schedule's rows checked: each has a title, a deadline on a working day, requirements, a
    responsible unit of the team and a responsible person of that unit. (rows, errors)"""
    rows, errors = [], []
    for i, m in enumerate(milestones or [], start=1):
        row_errors, m = [], dict(m)
        if not (m.get("title") or "").strip():
            row_errors.append(_("请填写事项"))
        if not (m.get("requirements") or "").strip():
            row_errors.append(_("请填写工作要求"))
        try:
            m["limit"] = workday_deadline(m.get("deadline"), field="deadline", now=now)
        except ValidationError as exc:
            row_errors.extend(exc.messages)
        unit, owner = m.get("unit"), m.get("owner")
        if unit is None or unit.pk not in team:
            row_errors.append(_("责任单位须为工作班子的单位"))
        elif owner is None or owner.unit_id != unit.pk or not owner.is_active:
            row_errors.append(_("请指定责任单位在岗的责任人"))
        if row_errors:
            errors.append(_("第 %(n)s 项：%(e)s") % {"n": i, "e": "；".join(str(e) for e in row_errors)})
        rows.append(m)
    if not rows:
        errors.append(_("请列出事项进度表（至少一项，每项明确完成时限、工作要求和责任）。"))
    return rows, errors


@transaction.atomic
def problem_create(*, actor, region, title: str, description: str, plan, leader, unit, team_units=(),
                   milestones=()) -> HardProblem:
    """R62: a county hard problem is registered only with exactly one plan, one responsible leader,
    one team (the lead unit and its member units) and a schedule whose every row sets its
    deadline (a working day), its requirements and its responsible unit and person. Each row's
    clock runs to the end of its deadline day, so the sweep's cards and the ladder apply. The
    efficiency office, a government leader, or the head of the county's government registers it."""
    require_role(actor, Role.OFFICE, Role.LEADER, Role.HEAD, message=_("只有效能办、政府领导或县区政府负责人可以登记县区难题。"))
    if actor.role == Role.HEAD and not (actor.unit.kind == Unit.Kind.GOVERNMENT and region is not None
                                        and actor.unit.region_id == region.pk):
        refuse(_("单位负责人只能由本县区人民政府的负责人登记本县区的难题。"))
    plan = _one(plan, "plan", _("一个难题只能有一个破解方案。"))
    leader = _one(leader, "leader", _("一个难题只能有一名责任领导。"))
    unit = _one(unit, "unit", _("一个难题只能有一套班子（一个牵头单位）。"))
    errors = _problem_refusal(region=region, title=title, description=description, plan=plan, leader=leader,
                              unit=unit)
    team = {u.pk: u for u in [unit, *team_units] if u is not None}
    now = timezone.now()
    rows, row_errors = _milestone_refusals(milestones, set(team), now)
    if row_errors:
        errors["milestones"] = row_errors
    if errors:
        raise ValidationError(errors)
    problem = HardProblem.objects.create(
        number=next_number(HardProblem, f"NT{local_date(now).year}-", width=3), title=title.strip(),
        description=description.strip(), region=region, plan=plan.strip(), leader=leader, unit=unit,
        created_at=now, created_by=actor)
    problem.team_units.set([u for u in team.values() if u.pk != unit.pk])
    for member in team.values():
        if member.pk != unit.pk:
            permissions.share_with_unit(problem, member)
    for m in rows:
        milestone = ProblemMilestone.objects.create(
            problem=problem, title=m["title"].strip(), deadline=m["deadline"], requirements=m["requirements"].strip(),
            unit=m["unit"], owner=m["owner"])
        clocks.clock_start(milestone, actor=actor, limit=m["limit"],
                           message=_("进度事项：%(t)s，时限 %(d)s") % {"t": milestone.title, "d": m["deadline"].isoformat()})
    event_emit("problem.created", subject=problem, actor=actor, recipients=["head", f"user:{leader.pk}"],
               message=_("登记县区难题 %(t)s：责任领导 %(l)s，进度表 %(n)s 项")
               % {"t": problem.title, "l": leader.full_name, "n": len(rows)})
    audit_record("create", actor=actor, obj=problem, summary=f"登记县区难题 {problem.number}",
                 after={"leader": leader.pk, "unit": unit.pk, "team": sorted(team), "milestones": len(rows)})
    return problem


@transaction.atomic
def milestone_complete(*, actor, milestone: ProblemMilestone, result: str) -> ProblemMilestone:
    """One row of the schedule done: by its responsible unit, the problem's leader or the office."""
    milestone = ProblemMilestone.objects.select_for_update(of=("self",)).select_related("problem").get(pk=milestone.pk)
    if actor.pk != milestone.problem.leader_id:
        require_role(actor, Role.OFFICE, *UNIT_ROLES, unit=milestone.unit_id,
                     message=_("只有责任单位、责任领导或效能办可以完成该事项。"))
    if milestone.status == ProblemMilestone.Status.DONE:
        raise ValidationError(_("该事项已完成。"))
    if not (result or "").strip():
        raise ValidationError({"result": _("请填写完成情况。")})
    milestone.status, milestone.result = ProblemMilestone.Status.DONE, result.strip()
    milestone.save(update_fields=["status", "result"])
    clocks.clock_close(milestone, actor=actor, message=_("完成：%(r)s") % {"r": milestone.result})
    event_emit("problem.milestone_done", subject=milestone.problem, actor=actor,
               recipients=[f"user:{milestone.problem.leader_id}"], message=_("完成：%(t)s") % {"t": milestone.title})
    audit_record("action", actor=actor, obj=milestone, summary=f"难题进度事项完成：{milestone.title}")
    return milestone


@transaction.atomic
def problem_solve(*, actor, problem: HardProblem, note: str = "") -> HardProblem:
    """The leader (or the office) declares the problem solved, once every row of the schedule is done."""
    problem = HardProblem.objects.select_for_update().get(pk=problem.pk)
    if actor.pk != problem.leader_id:
        require_role(actor, Role.OFFICE, message=_("只有责任领导或效能办可以确认难题已破解。"))
    if problem.status != HardProblem.Status.OPEN:
        raise ValidationError(_("该难题已破解。"))
    left = problem.milestones.filter(status=ProblemMilestone.Status.OPEN).count()
    if left:
        raise ValidationError(_("进度表尚有 %(n)s 项未完成，不能确认破解。") % {"n": left})
    problem.status, problem.solved_at = HardProblem.Status.SOLVED, timezone.now()
    problem.save(update_fields=["status", "solved_at"])
    event_emit("problem.solved", subject=problem, actor=actor, recipients=["head", "office"],
               message=note.strip() or _("难题已破解"))
    audit_record("action", actor=actor, obj=problem, summary=f"县区难题已破解 {problem.number}")
    return problem
