"""Key investment projects and their service teams (R51, 2014 二(二)一): "对外来投资项目从立项到投产
实行全程保姆式服务，每个重点项目都要成立由处级干部牵头和有关部门参加的专门服务小组，帮助企业实施征地
拆迁、手续证件办理等全程事务，通过全程代办、一包到底，确保两个'零接触'制度落到实处"."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efficiency import clocks, permissions
from efficiency.audit import audit_record
from efficiency.events import event_emit
from efficiency.models import BUSINESS_ROLES, DIVISION_LEVEL, Rank, Role
from efficiency.permissions import UNIT_ROLES, refuse, require_role
from efficiency.workdays import local_date

from ..models import KeyProject, ProjectProcedure, ServiceTeam
from ..rules import rule
from .common import _require, next_number, workday_deadline

TEAM_ONLY = gettext_lazy("只有代办服务组（组长或成员单位）或效能办可以办理该项目的代办事项。")


def leader_refusal(leader) -> dict:
    """R51: why this person cannot lead a key project's service team ({} when they can): an active
    cadre of a unit whose recorded rank (职级) is 处级 (副处级) or above."""
    if leader is None:
        return {"leader": _("请指定代办服务组组长（处级干部）。")}
    if not leader.is_active or leader.role not in BUSINESS_ROLES or leader.unit_id is None:
        return {"leader": _("组长须为在岗的单位干部。")}
    if leader.rank < DIVISION_LEVEL:
        return {"leader": _("代办服务组须由处级干部牵头：%(who)s 的职级为“%(rank)s”，须为副处级或以上"
                            "（职级由系统管理员在用户信息中登记）。")
                % {"who": leader.full_name or leader.username, "rank": Rank(leader.rank).label}}
    return {}


@transaction.atomic
def project_register(*, actor, name: str, enterprise: str, enterprise_contact: str, investment, leader,
                     units) -> KeyProject:
    """R51: a key investment project is registered with its service team in one step — a 处级
    leader and the units concerned — so no project is ever without a team. The efficiency office
    or a government leader registers it; the team's units see it and its procedures."""
    require_role(actor, Role.OFFICE, Role.LEADER, message=_("只有效能办或政府领导可以登记重点投资项目并组建代办服务组。"))
    errors = leader_refusal(leader)
    units = [u for u in (units or []) if u is not None]
    if leader is not None and leader.unit_id and not [u for u in units if u.pk != leader.unit_id]:
        errors["units"] = _("请指定参加代办服务组的有关部门（组长单位以外至少一个）。")
    elif not units:
        errors["units"] = _("请指定参加代办服务组的有关部门。")
    try:
        investment = Decimal(str(investment))
        if investment <= 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        errors["investment"] = _("总投资须为大于 0 的金额（万元）。")
    for field, value, label in (("name", name, _("项目名称")), ("enterprise", enterprise, _("投资企业")),
                                ("enterprise_contact", enterprise_contact, _("企业联系人及电话"))):
        if not (value or "").strip():
            errors[field] = _("请填写%(f)s。") % {"f": label}
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    project = KeyProject.objects.create(
        number=next_number(KeyProject, f"XM{local_date(now).year}-", width=3), name=name.strip(),
        enterprise=enterprise.strip(), enterprise_contact=enterprise_contact.strip(), investment=investment,
        unit=leader.unit, registered_at=now, registered_by=actor)
    team = ServiceTeam.objects.create(project=project, leader=leader, leader_rank=leader.rank, formed_at=now)
    members = {u.pk: u for u in [leader.unit, *units]}
    team.units.set(members.values())
    for unit in members.values():
        if unit.pk != project.unit_id:
            permissions.share_with_unit(project, unit)
    event_emit("project.registered", subject=project, actor=actor, recipients=["head", f"user:{leader.pk}"],
               message=_("登记重点投资项目 %(n)s，组建代办服务组（组长 %(l)s，%(r)s）")
               % {"n": project.name, "l": leader.full_name, "r": Rank(leader.rank).label})
    audit_record("create", actor=actor, obj=project, summary=f"登记重点投资项目 {project.number} 并组建代办服务组",
                 after={"leader": leader.pk, "leader_rank": leader.rank, "units": sorted(members)})
    return project


def _team_member(actor, project: KeyProject, unit_id=None) -> None:
    """The team acts: its leader, the office, or a clerk/head of a member unit (of `unit_id` when given)."""
    if actor.pk == project.team.leader_id or permissions.has_role(actor, Role.OFFICE):
        return
    units = [unit_id] if unit_id else list(project.team.units.values_list("pk", flat=True))
    if not any(permissions.has_role(actor, *UNIT_ROLES, unit=u) for u in units):
        refuse(TEAM_ONLY)


@transaction.atomic
def procedure_add(*, actor, project: KeyProject, kind: str, title: str, unit, owner=None,
                  deadline=None) -> ProjectProcedure:
    """A procedure the team takes over for the enterprise (代办事项), handled by one member unit and
    tracked to completion on its clock: its own deadline (a working day), else the local default
    rule `project.procedure`."""
    project = KeyProject.objects.select_for_update(of=("self",)).select_related("team").get(pk=project.pk)
    _team_member(actor, project)
    if project.status != KeyProject.Status.ACTIVE:
        raise ValidationError(_("该项目的代办已完结。"))
    errors = {}
    if kind not in ProjectProcedure.Kind.values:
        errors["kind"] = _("请选择代办事项类别。")
    if unit is None or not project.team.units.filter(pk=unit.pk).exists():
        errors["unit"] = _("办理单位须为代办服务组的成员单位。")
    elif owner is not None and owner.unit_id != unit.pk:
        errors["owner"] = _("代办人须为办理单位的人员。")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    limit = workday_deadline(deadline, field="deadline", now=now) if deadline else None
    procedure = ProjectProcedure.objects.create(project=project, kind=kind, title=_require(title, _("代办事项")),
                                                unit=unit, owner=owner, deadline=deadline, created_at=now)
    if limit is not None:
        clocks.clock_start(procedure, actor=actor, limit=limit)
    else:
        clocks.clock_start(procedure, actor=actor, rule=rule("project.procedure"))
    event_emit("project.procedure_added", subject=project, actor=actor, recipients=[f"user:{project.team.leader_id}"],
               message=_("代办事项：%(t)s（%(u)s）") % {"t": procedure.title, "u": unit.name})
    audit_record("create", actor=actor, obj=procedure, summary=f"代办事项 {project.number}：{procedure.title}")
    return procedure


@transaction.atomic
def procedure_complete(*, actor, procedure: ProjectProcedure, result: str, zero_contact: bool,
                       contact_note: str = "") -> ProjectProcedure:
    """A procedure done for the enterprise. The handler records whether the enterprise stayed out
    of it (两个"零接触"); when it did not, why — recorded and counted on the project."""
    procedure = ProjectProcedure.objects.select_for_update(of=("self",)).select_related("project__team").get(pk=procedure.pk)
    _team_member(actor, procedure.project, procedure.unit_id)
    if procedure.status == ProjectProcedure.Status.DONE:
        raise ValidationError(_("该代办事项已办结。"))
    result = _require(result, _("办理结果"))
    if zero_contact is not True and not (contact_note or "").strip():
        raise ValidationError({"contact_note": _("企业或群众与部门有直接接触的，请说明情况（两个“零接触”）。")})
    procedure.status, procedure.result = ProjectProcedure.Status.DONE, result
    procedure.zero_contact, procedure.contact_note = zero_contact is True, (contact_note or "").strip()
    procedure.save(update_fields=["status", "result", "zero_contact", "contact_note"])
    clocks.clock_close(procedure, actor=actor, message=_("代办事项办结：%(r)s") % {"r": result})
    event_emit("project.procedure_done", subject=procedure.project, actor=actor,
               recipients=[f"user:{procedure.project.team.leader_id}"],
               message=_("办结：%(t)s") % {"t": procedure.title}
               + ("" if procedure.zero_contact else _("（企业有直接接触：%(n)s）") % {"n": procedure.contact_note}))
    audit_record("action", actor=actor, obj=procedure, summary=f"代办事项办结：{procedure.title}",
                 after={"zero_contact": procedure.zero_contact})
    return procedure


@transaction.atomic
def project_close(*, actor, project: KeyProject) -> KeyProject:
    """一包到底: the team's service ends only when every procedure it took over is done."""
    project = KeyProject.objects.select_for_update(of=("self",)).select_related("team").get(pk=project.pk)
    if actor.pk != project.team.leader_id:
        require_role(actor, Role.OFFICE, message=_("只有代办服务组组长或效能办可以完结项目代办。"))
    if project.status != KeyProject.Status.ACTIVE:
        raise ValidationError(_("该项目的代办已完结。"))
    left = project.procedures.filter(status=ProjectProcedure.Status.OPEN).count()
    if left:
        raise ValidationError(_("一包到底：尚有 %(n)s 项代办事项未办结，不能完结。") % {"n": left})
    if not project.procedures.exists():
        raise ValidationError(_("该项目尚无代办事项，不能完结。"))
    project.status, project.finished_at = KeyProject.Status.DONE, timezone.now()
    project.save(update_fields=["status", "finished_at"])
    event_emit("project.closed", subject=project, actor=actor, recipients=["head"], message=_("项目代办完结"))
    audit_record("action", actor=actor, obj=project, summary=f"重点投资项目代办完结 {project.number}")
    return project
