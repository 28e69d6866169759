"""Reads for the pages, the API and the Excel export; permission checks through
`efficiency.permissions` (anything outside the user's scope is 404)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import (
    Count, ExpressionWrapper, F, FloatField, Func, IntegerField, OuterRef, Prefetch, Q, Subquery, Value,
)
from django.db.models.functions import Greatest, Least
from django.http import Http404
from django.utils import timezone

from efficiency import listing, permissions
from efficiency.models import ClockFace, ClockQuerySet, Event, Role, Rung
from efficiency.models.clock import choice_label
from efficiency.queries import q_deadline, unit_names

from .models import (
    Assignment, AssignmentTarget, Consultation, ExecutionReport, HardProblem, InternalProcedure, KeyProject, KeyTask,
    KeyTaskList, PauseRequest, PolicyDocument, ProblemMilestone, ProjectProcedure,
)


class Epoch(Func):
    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    output_field = FloatField()


# --- access -----------------------------------------------------------------------------------


def access_assignment(user, pk, *, lock: bool = False, request=None) -> Assignment:
    return permissions.access(user, Assignment.objects.select_related("unit", "owner"), pk, lock=lock,
                              request=request)


def access_target(user, pk, *, request=None) -> AssignmentTarget:
    """A target is visible to whoever may see its assignment (lead and co-units see each other)."""
    target = AssignmentTarget.objects.select_related("assignment", "unit", "owner").filter(pk=pk).first() \
        if str(pk).isdigit() else None
    if target is None:
        raise Http404
    access_assignment(user, target.assignment_id, request=request)
    return target


def access_own_target(user, pk, *, request=None) -> AssignmentTarget:
    """A target of the user's own unit (the office and leaders: any). For what only the target's
    unit may ask (a pause): a co-unit that sees the item through sharing gets 404 here too."""
    return permissions.access(user, AssignmentTarget.objects.select_related("assignment", "unit", "owner"), pk,
                              request=request)


def access_task(user, pk, *, request=None) -> KeyTask:
    return permissions.access(user, KeyTask.objects.select_related("unit", "owner", "task_list"), pk,
                              request=request)


# --- lagging warning (R15 预警) ----------------------------------------------------------------


def with_lag(qs, *, now: datetime | None = None):
    """Annotate `elapsed` (share of the task's time gone, 0–100) and `lag` (elapsed − progress),
    in SQL so lists and dashboards can filter and count lagging tasks."""
    now = now or timezone.now()
    span = Epoch(F("due_at") - F("clock_start"))
    gone = Epoch(Value(now) - F("clock_start"))
    elapsed = Least(Value(100.0), Greatest(Value(0.0), ExpressionWrapper(
        100.0 * gone / Greatest(span, Value(1.0)), output_field=FloatField())))
    return qs.annotate(elapsed=elapsed).annotate(
        lag=ExpressionWrapper(Func(F("elapsed") - F("progress"), function="ROUND"), output_field=IntegerField()))


def lagging(qs, *, now: datetime | None = None):
    return with_lag(qs, now=now).filter(closed_at__isnull=True, lag__gt=F("task_list__lag_margin"))


def lag_of(task: KeyTask, *, now: datetime | None = None) -> int | None:
    if task.clock_start is None or task.due_at is None:
        return None
    now = now or timezone.now()
    span = max((task.due_at - task.clock_start).total_seconds(), 1.0)
    elapsed = min(100.0, max(0.0, 100.0 * (now - task.clock_start).total_seconds() / span))
    return round(elapsed - task.progress)


# --- lists ------------------------------------------------------------------------------------

def targets_visible(user):
    """The work list's rows before any filter: my unit's targets (office and leaders: all)."""
    qs = AssignmentTarget.objects.select_related("assignment", "unit", "owner")
    if user.role in (Role.OFFICE, Role.LEADER):
        return qs
    if user.role in (Role.CLERK, Role.HEAD) and user.unit_id:
        return qs.filter(unit_id=user.unit_id)
    return qs.none()


def target_where(f, now: datetime | None = None) -> Q:
    """The work list's filter from its query parameters: status (a status, `open`, `working` —
    the unit's 办理中 and 已部署, `late` — 黄牌 or above), kind, window, rung, owner, unit."""
    status, kind, owner, unit = (f.get(k, "") for k in ("status", "kind", "owner", "unit"))
    q = q_deadline(f, now)
    if status == "open":
        q &= ~Q(status__in=AssignmentTarget.ENDED)
    elif status == "working":
        q &= Q(status__in=(AssignmentTarget.Status.HANDLING, AssignmentTarget.Status.DEPLOYED))
    elif status == "late":
        q &= ClockQuerySet.q_open() & ClockQuerySet.q_at_rung(Rung.YELLOW, or_above=True)
    elif status:
        q &= Q(status=status)
    if kind:
        q &= Q(assignment__kind=kind)
    if owner:
        q &= Q(owner_id=owner) if str(owner).isdigit() else Q(owner__full_name__contains=owner)
    if str(unit).isdigit():
        q &= Q(unit_id=unit)
    return q


# What the work list page reads of each row (templates/supervision/work_list.html and
# _status.html, the sort keys of filters.TargetFilter): the target's own columns, and the
# assignment's and owner's few columns, read as values (`work_list_rows`: no model instance a
# row). The unit's name and the labels are filled in once per page (`work_list_labels`), not
# joined or looked up per row.
WORK_LIST_COLUMNS = ("assignment_id", "unit_id", "is_lead", "status", "due_at", "closed_at", "paused_at",
                     "clock_state", "breach_level", "urge_count")


class WorkRow(ClockFace, listing.Row):
    """A work list row: the columns above, `number`, `title`, `kind`, `owner_name`, and what
    `work_list_labels` adds (`unit_name`, `kind_label`, the status and clock state labels)."""

    def get_status_display(self) -> str:
        return self.status_label

    def get_clock_state_display(self) -> str:
        return self.clock_state_label


def work_list_rows(qs):
    """The work list's rows for its page (`WorkRow`s): `number`, `title`, `kind`, `owner_name`
    read in the same query (no join of the unit)."""
    return listing.values_rows(qs, WorkRow, *WORK_LIST_COLUMNS, number=F("assignment__number"),
                               title=F("assignment__title"), kind=F("assignment__kind"),
                               owner_name=F("owner__full_name"))


def work_list_labels(rows) -> list:
    """The page's rows with `unit_name` (this process's copy of unit names,
    `efficiency.queries.unit_names`), `kind_label` and the status and clock state labels, each
    looked up once per page."""
    rows = list(rows)
    names = unit_names({t.unit_id for t in rows})
    kinds = {k: kind_label(k) for k in {t.kind for t in rows}}
    field = AssignmentTarget._meta.get_field
    statuses = {v: choice_label(field("status"), v) for v in {t.status for t in rows}}
    states = {v: choice_label(field("clock_state"), v) for v in {t.clock_state for t in rows}}
    for t in rows:
        t.unit_name, t.kind_label = names.get(t.unit_id, ""), kinds[t.kind]
        t.status_label, t.clock_state_label = statuses[t.status], states[t.clock_state]
    return rows


def kind_label(kind: str) -> str:
    return choice_label(Assignment._meta.get_field("kind"), kind)


def target_list(user, *, now: datetime | None = None, **filters):
    """My unit's work list (office and leaders: everything), filtered (`target_where`), sorted by due."""
    return (targets_visible(user).filter(target_where(filters, now or timezone.now()))
            .order_by(F("due_at").asc(nulls_last=True), "id"))


def assignment_list(user):
    return permissions.scope(user, Assignment.objects.select_related("unit")).order_by("-created_at", "-id")


def assignment_targets(item: Assignment):
    """The item's targets for its page, each with its open pause request (`open_pause_requests`)."""
    return item.targets.select_related("unit", "owner", "transferred_to", "transferred_from__unit").prefetch_related(
        Prefetch("pause_requests", queryset=PauseRequest.objects.filter(status__in=PauseRequest.OPEN),
                 to_attr="open_pause_requests"))


def pause_requests_of(item: Assignment):
    """Every pause request of the item's targets, oldest first."""
    return (PauseRequest.objects.filter(target__assignment=item)
            .select_related("target__unit", "requested_by", "decided_by", "resumed_by"))


def assignment_timeline(item: Assignment):
    """Every step of the item and of each receiving unit, in order."""
    target_ids = list(item.targets.values_list("pk", flat=True))
    return (Event.objects.filter(Q(subject_type="supervision.assignment", subject_id=item.pk)
                                 | Q(subject_type="supervision.assignmenttarget", subject_id__in=target_ids))
            .select_related("actor", "unit").order_by("at", "id"))


def task_timeline(task: KeyTask):
    return (Event.objects.filter(Q(subject_type="supervision.keytask", subject_id=task.pk)
                                 | Q(subject_type="supervision.progressdue", subject_id=getattr(
                                     getattr(task, "report_due", None), "pk", 0)))
            .select_related("actor").order_by("at", "id"))


def overview(*, now: datetime | None = None) -> list[dict]:
    """The office's overview: per unit, open / yellow / red / done / late-done items and urges."""
    rows = (AssignmentTarget.objects.values("unit_id", "unit__name")
            .annotate(total=Count("id"),
                      open=Count("id", filter=Q(closed_at__isnull=True)),
                      yellow=Count("id", filter=Q(closed_at__isnull=True, breach_level=Rung.YELLOW)),
                      red=Count("id", filter=Q(closed_at__isnull=True, breach_level__gte=Rung.RED)),
                      done=Count("id", filter=Q(clock_state="done", status="closed")),
                      done_late=Count("id", filter=Q(clock_state="done_late", status="closed")),
                      returned=Count("id", filter=Q(return_count__gt=0)),
                      urged=Count("id", filter=Q(urge_count__gt=0)))
            .order_by("-red", "-yellow", "unit__name"))
    return list(rows)


def task_lists(user):
    """The yearly lists; none for the three administrators (三员分立: no business data)."""
    from efficiency.models import ADMIN_ROLES

    if not user.is_authenticated or user.role in ADMIN_ROLES:
        return KeyTaskList.objects.none()
    return KeyTaskList.objects.all()


def task_where(f, now: datetime | None = None) -> Q:
    """The key-task list's filter from its query parameters: state (`open`, `closed`, `lagging` —
    R15's warning, over `with_lag`'s annotation), window and rung (`q_deadline`)."""
    q, state = q_deadline(f, now), f.get("state", "")
    if state == "open":
        q &= Q(closed_at__isnull=True)
    elif state == "closed":
        q &= Q(closed_at__isnull=False)
    elif state == "lagging":
        q &= Q(closed_at__isnull=True, lag__gt=F("task_list__lag_margin"))
    return q


def tasks_of(user, task_list: KeyTaskList, *, now: datetime | None = None):
    qs = permissions.scope(user, task_list.tasks.select_related("unit", "owner", "report_due", "task_list")
                           .prefetch_related("co_units", "nodes__owner", "nodes__unit"))
    return with_lag(qs, now=now).order_by("number")


# --- government documents and year-end execution reports (R55) ---------------------------------


def documents_visible(user):
    """Documents: the office and leaders see all; a department those it drafted."""
    return permissions.scope(user, PolicyDocument.objects.select_related("unit")).order_by("-issued_on", "-id")


def access_document(user, pk, *, request=None) -> PolicyDocument:
    return permissions.access(user, PolicyDocument.objects.select_related("unit"), pk, request=request)


def execution_reports_visible(user):
    """The report duties: the office and leaders see all; a department its own."""
    return permissions.scope(user, ExecutionReport.objects.select_related("document", "unit", "filed_by"))


def execution_report_where(f, now: datetime | None = None) -> Q:
    """Filter from query parameters: status `missing` (not yet filed), `overdue` (not filed and
    past the year-end due time — what the office chases), `filed`; `year`."""
    status, year = f.get("status", ""), f.get("year", "")
    q = Q()
    if status == "missing":
        q &= Q(filed_at__isnull=True)
    elif status == "overdue":
        q &= Q(filed_at__isnull=True) & ClockQuerySet.q_overdue(now)
    elif status == "filed":
        q &= Q(filed_at__isnull=False)
    if str(year).isdigit():
        q &= Q(year=int(year))
    return q


def execution_report_list(user, *, now: datetime | None = None, **filters):
    return (execution_reports_visible(user).filter(execution_report_where(filters, now or timezone.now()))
            .order_by("-year", F("filed_at").asc(nulls_first=True), "due_at", "id"))


# --- consultations (R57) -------------------------------------------------------------------------


def consultations_of(item: Assignment):
    return (item.consultations.select_related("unit", "opened_by", "decided_by")
            .prefetch_related("units", "opinions__unit", "opinions__signed_by"))


def access_consultation(user, item_pk, pk, *, request=None) -> Consultation:
    item = access_assignment(user, item_pk, request=request)
    c = consultations_of(item).filter(pk=pk).first() if str(pk).isdigit() else None
    if c is None:
        raise Http404
    return c


# --- openness (R59) ------------------------------------------------------------------------------


def public_progress():
    """R59 (2019 (十二)): 常规重大事项及重点工作进展情况（保密和敏感事项除外）一律向社会公布 —
    every key task's progress for the public, except those flagged secret or sensitive. Units and
    figures only, never people."""
    return (KeyTask.objects.filter(is_confidential=False).select_related("task_list", "unit")
            .only("task_list__year", "task_list__title", "number", "title", "goal", "unit__name", "progress",
                  "deadline", "reported_at", "due_at", "closed_at", "clock_state")
            .order_by("-task_list__year", "number"))


# The major matters whose progress is published: decisions to carry out (upper-level documents
# and major decisions, meeting decisions, deployments without a set time). Leaders' written
# instructions, field-research problems, policy difficulties and emergencies are internal steps.
PUBLIC_MATTER_KINDS = ("upper_doc", "meeting", "no_deadline")


def public_matters():
    """R59: the progress of routine major matters — handed out, not secret or sensitive; the
    title, kind, lead unit, time limit and status only (never the source text or people)."""
    lead = AssignmentTarget.objects.filter(assignment=OuterRef("pk"), is_lead=True)
    return (Assignment.objects.filter(kind__in=PUBLIC_MATTER_KINDS, is_confidential=False)
            .exclude(status=Assignment.Status.REGISTERED)
            .annotate(lead_unit=Subquery(lead.values("unit__name")[:1]),
                      lead_due=Subquery(lead.values("due_at")[:1]))
            .only("number", "kind", "title", "status", "deadline", "created_at")
            .order_by("-created_at", "-id"))


def procedures_open(user):
    """R59: 内部运转流程和标准在政府部门间公开 — every unit's, to the staff of every unit (not to
    the three administrators, who see no business data, nor to a pending account)."""
    if not user.is_authenticated or user.role not in (Role.CLERK, Role.HEAD, Role.OFFICE, Role.LEADER):
        return InternalProcedure.objects.none()
    return InternalProcedure.objects.select_related("unit", "published_by")


# --- key projects (R51) and county hard problems (R62) ---------------------------------------------


def access_project(user, pk, *, request=None) -> KeyProject:
    """A key project: the office and leaders, the team's leader, and its member units (shared)."""
    qs = KeyProject.objects.select_related("unit", "team__leader", "registered_by")
    if str(pk).isdigit() and getattr(user, "is_authenticated", False) and qs.filter(pk=pk, team__leader=user).exists():
        return qs.get(pk=pk)
    return permissions.access(user, qs, pk, request=request)


def projects_visible(user):
    qs = KeyProject.objects.select_related("unit", "team__leader")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs.filter(Q(pk__in=permissions.scope(user, KeyProject.objects.all()).values("pk")) | Q(team__leader=user))


def procedures_visible(user):
    """The procedures of the projects the user may see: their team's to-do."""
    return ProjectProcedure.objects.select_related("project", "unit", "owner").filter(
        project__in=projects_visible(user).values("pk"))


def _status_where(f, now) -> Q:
    q, status = q_deadline(f, now), f.get("status", "")
    if status in ("open", "done"):
        q &= Q(status=status)
    return q


procedure_where = _status_where


def procedure_list(user, *, now: datetime | None = None, **filters):
    return (procedures_visible(user).filter(procedure_where(filters, now or timezone.now()))
            .order_by(F("due_at").asc(nulls_last=True), "id"))


def project_procedures(project: KeyProject):
    return project.procedures.select_related("unit", "owner").order_by("id")


def access_problem(user, pk, *, request=None) -> HardProblem:
    """A hard problem: the office and leaders, its responsible leader, and its team's units."""
    qs = HardProblem.objects.select_related("unit", "leader", "region", "created_by")
    if str(pk).isdigit() and getattr(user, "is_authenticated", False) and qs.filter(pk=pk, leader=user).exists():
        return qs.get(pk=pk)
    return permissions.access(user, qs, pk, request=request)


def problems_visible(user):
    qs = HardProblem.objects.select_related("unit", "leader", "region")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs.filter(Q(pk__in=permissions.scope(user, HardProblem.objects.all()).values("pk")) | Q(leader=user))


def milestones_visible(user):
    return ProblemMilestone.objects.select_related("problem", "unit", "owner").filter(
        problem__in=problems_visible(user).values("pk"))


milestone_where = _status_where


def milestone_list(user, *, now: datetime | None = None, **filters):
    return (milestones_visible(user).filter(milestone_where(filters, now or timezone.now()))
            .order_by(F("due_at").asc(nulls_last=True), "id"))


def item_timeline(obj, children):
    """The events of an item and of its clocked rows (`children`: a queryset of them)."""
    label = children.model._meta.label_lower
    return (Event.objects.filter(Q(subject_type=obj._meta.label_lower, subject_id=obj.pk)
                                 | Q(subject_type=label, subject_id__in=list(children.values_list("pk", flat=True))))
            .select_related("actor", "unit").order_by("at", "id"))
