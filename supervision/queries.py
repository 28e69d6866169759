"""Reads for the pages, the API and the Excel export; permission checks through
`efficiency.permissions` (anything outside the user's scope is 404)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, ExpressionWrapper, F, FloatField, Func, IntegerField, Prefetch, Q, Value
from django.db.models.functions import Greatest, Least
from django.http import Http404
from django.utils import timezone

from efficiency import permissions
from efficiency.models import ClockQuerySet, Event, Role, Rung
from efficiency.models.clock import choice_label
from efficiency.queries import q_deadline

from .models import Assignment, AssignmentTarget, KeyTask, KeyTaskList, PauseRequest


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
# assignment's, unit's and owner's few columns as values on the row (`work_list_rows`), so a page
# builds one model instance a row instead of four.
WORK_LIST_COLUMNS = ("assignment_id", "unit_id", "owner_id", "is_lead", "status", "due_at", "assigned_at",
                     "closed_at", "paused_at", "clock_state", "breach_level", "urge_count")


def work_list_rows(qs):
    """The work list's rows for its page: `number`, `title`, `kind`, `unit_name`, `owner_name`
    read in the same query (no related instances)."""
    return qs.select_related(None).only(*WORK_LIST_COLUMNS).annotate(
        number=F("assignment__number"), title=F("assignment__title"), kind=F("assignment__kind"),
        unit_name=F("unit__name"), owner_name=F("owner__full_name"))


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
