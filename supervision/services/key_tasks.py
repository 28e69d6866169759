"""Key tasks (重点任务清单, R14, R15): the yearly list, tasks, their nodes, progress reports, urging and
lagging warnings."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efficiency import clocks, permissions
from efficiency.audit import audit_record
from efficiency.clocks import Limit
from efficiency.events import event_emit
from efficiency.models import LimitUnit, Role, Unit
from efficiency.permissions import UNIT_ROLES, require_role
from efficiency.uploads import upload_clean

from ..models import KeyTask, KeyTaskList, ProgressDue, ProgressReport, ReportCycle, TaskNode
from .common import OFFICE_ONLY, _audit, _deadline_limit, _require


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


def _responsible(unit: Unit, principal, deputy) -> tuple:
    """R42 (2019 (二)): a key task names the lead unit's 第一责任人 and 直接责任人 — the unit's
    own (`Unit.principal`, `Unit.deputy`) unless others of the unit are named; refused if none."""
    principal, deputy = principal or unit.principal, deputy or unit.deputy
    errors = {}
    for field, person, label in (("principal", principal, _("第一责任人")), ("deputy", deputy, _("直接责任人"))):
        if person is None:
            errors[field] = _("重点任务须明确%(who)s（牵头单位%(unit)s尚未指定）。") % {"who": label, "unit": unit.name}
        elif person.unit_id != unit.pk:
            errors[field] = _("%(who)s必须是牵头单位的人员。") % {"who": label}
    if errors:
        raise ValidationError(errors)
    return principal, deputy


@transaction.atomic
def keytask_create(*, actor, task_list: KeyTaskList, number: str, title: str, goal: str, standard: str,
                   unit: Unit, co_units=(), leader_name: str = "", owner=None, deadline: date | None = None,
                   report_cycle: str = ReportCycle.MONTH, principal=None, deputy=None,
                   is_confidential: bool = False) -> KeyTask:
    """One task of the list (R14: responsible party, goal, standard, time limit; R42: its
    第一责任人 and 直接责任人)."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    number = _require(number, _("编号"))
    if KeyTask.objects.filter(task_list=task_list, number=number).exists():
        raise ValidationError(_("编号 %(n)s 已存在。") % {"n": number})
    if owner is not None and owner.unit_id != unit.pk:
        raise ValidationError(_("责任人必须是牵头单位的人员。"))
    principal, deputy = _responsible(unit, principal, deputy)
    task = KeyTask.objects.create(
        task_list=task_list, number=number, title=_require(title, _("任务名称")), goal=_require(goal, _("目标任务")),
        standard=_require(standard, _("工作标准")), unit=unit, leader_name=leader_name, owner=owner,
        deadline=deadline, report_cycle=report_cycle, principal=principal, deputy=deputy,
        is_confidential=bool(is_confidential),
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


TASK_FIELDS = ("title", "goal", "standard", "unit", "leader_name", "owner", "deadline", "report_cycle", "principal",
               "deputy", "is_confidential")


@transaction.atomic
def keytask_update(*, actor, task: KeyTask, co_units=None, **values) -> bool:
    """Change a task's fields; returns whether anything changed (an unchanged import writes nothing)."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    task = KeyTask.objects.select_for_update().get(pk=task.pk)
    unit = values.get("unit", task.unit)
    keep = unit.pk == task.unit_id  # a new lead unit brings its own responsible people (R42)
    values["principal"], values["deputy"] = _responsible(
        unit, values.get("principal") or (task.principal if keep else None),
        values.get("deputy") or (task.deputy if keep else None))
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
    attachment_name = ""
    if attachment:
        cleaned = upload_clean(attachment)  # parsed; stored under a random name
        attachment, attachment_name = cleaned.file, cleaned.original_name
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
                                           attachment=attachment or "", attachment_name=attachment_name,
                                           reported_by=actor, reported_at=now,
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


LAGGING_BATCH = 1000
LAGGING_LOCK_KEY = 0x5EEB  # pg advisory lock: one lagging-warning batch at a time


def keytasks_warn_lagging(*, now: datetime | None = None, every_days: int = 30, batch: int = LAGGING_BATCH) -> int:
    """预警 (R15 警示滞后): one `keytask.lagging` event per lagging task, repeated at most every
    `every_days` days — every lagging task, however many (no cap), in batches of `batch` in id
    order. Each batch is one transaction of a constant number of statements (the advisory lock,
    one read of the batch's lagging tasks not warned recently, one INSERT of their events), so
    a repeated or concurrent run warns each task once."""
    from django.db import connection

    from efficiency.events import events_emit
    from efficiency.models import Event

    from ..queries import lagging

    now = now or timezone.now()
    text = _("进度 %(p)s%% 落后于时间进度 %(l)s 个百分点，予以预警")
    warned, last = 0, 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [LAGGING_LOCK_KEY])
            recent = Event.objects.filter(kind="keytask.lagging", subject_type="supervision.keytask",
                                          at__gte=now - timedelta(days=every_days)).values("subject_id")
            tasks = list(lagging(KeyTask.objects.filter(pk__gt=last).exclude(pk__in=recent), now=now)
                         .order_by("pk")[:batch])
            events_emit([dict(kind="keytask.lagging", subject=task, actor=None, recipients=["owner", "head", "office"],
                              at=now, message=text % {"p": task.progress, "l": task.lag}, payload={"lag": task.lag})
                         for task in tasks])
        warned += len(tasks)
        if len(tasks) < batch:
            return warned
        last = tasks[-1].pk
