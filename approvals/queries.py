"""Reads of the approvals app: lists for the pages, selectors that check access, figures."""

from __future__ import annotations

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from efficiency import listing, permissions
from efficiency.models import ClockFace, Event, Region, Unit
from efficiency.models.clock import choice_label
from efficiency.queries import q_deadline, unit_names
from efficiency.workdays import SHANGHAI

from .models import (
    ONE_VISIT_TARGET, DECIDED, SATISFIED_SCORES, Application, Rating, RatingFollowUp, ReviewStep, ServiceItem, Status, StepStatus,
    UnitSatisfaction,
)


def _applications():
    return Application.objects.select_related("item", "unit", "owner", "first_handler", "time_rule", "intake_unit",
                                              "intake_section")


def applications_visible(user):
    return permissions.scope(user, _applications())


# What the application list page reads of each row (templates/approvals/list.html and
# _clock.html): the application's own columns and the item's name, read as values (no model
# instance a row, none of the seven joined models' columns); the unit's name and the labels are
# filled in once per page (`application_list_labels`).
APPLICATION_LIST_COLUMNS = ("id", "receipt_number", "applicant_name", "unit_id", "status", "due_at", "clock_start",
                            "closed_at", "paused_at", "clock_state", "breach_level")


class ApplicationRow(ClockFace, listing.Row):
    """An application list row: the columns above, `item_name`, and what
    `application_list_labels` adds (`unit_name`, the status and clock state labels)."""

    def get_absolute_url(self) -> str:
        return reverse("approvals:application", args=[self.id])

    def get_status_display(self) -> str:
        return self.status_label

    def get_clock_state_display(self) -> str:
        return self.clock_state_label


def application_list_rows(qs):
    """The application list's rows for its page (`ApplicationRow`s), the item's name read in the
    same query."""
    return listing.values_rows(qs, ApplicationRow, *APPLICATION_LIST_COLUMNS, item_name=F("item__name"))


def application_list_labels(rows) -> list:
    """The page's rows with `unit_name` (this process's copy of unit names) and the status and
    clock state labels, each looked up once per page."""
    rows = list(rows)
    names = unit_names({a.unit_id for a in rows})
    field = Application._meta.get_field
    statuses = {v: choice_label(field("status"), v) for v in {a.status for a in rows}}
    states = {v: choice_label(field("clock_state"), v) for v in {a.clock_state for a in rows}}
    for a in rows:
        a.unit_name = names.get(a.unit_id, "")
        a.status_label, a.clock_state_label = statuses[a.status], states[a.clock_state]
    return rows


def _day_start(now=None):
    return timezone.localtime(now or timezone.now(), SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)


def application_where(f, now=None) -> Q:
    """The list's filter from its query parameters: status, window, rung (`q_deadline`);
    `intake=today` (received since 00:00 China time) and `via=centre` (taken in at a 政务服务中心
    window on the department's behalf)."""
    q = q_deadline(f, now)
    if f.get("status"):
        q &= Q(status=f["status"])
    if f.get("intake") == "today":
        q &= Q(received_at__gte=_day_start(now))
    if f.get("via") == "centre":
        q &= Q(intake_unit__isnull=False)
    return q


def is_centre(user) -> bool:
    """A member of a 政务服务中心 (综合窗口): takes applications in for departments, decides none."""
    unit = getattr(user, "unit", None) if getattr(user, "unit_id", None) else None
    return unit is not None and unit.kind == Unit.Kind.SERVICE_CENTER


def is_not_centre(user) -> bool:
    return not is_centre(user)


def regions_within(region_id: int) -> set[int]:
    """The region and every region below it (one query per level: a province has three)."""
    found, frontier = {region_id}, [region_id]
    while frontier:
        frontier = [pk for pk in Region.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
                    if pk not in found]
        found.update(frontier)
    return found


def window_items(user):
    """The catalog items this user may take in: the unit's own, and at a 政务服务中心 every
    published item of a department of its region and the regions below (综合窗口,
    `services.can_take_in`)."""
    qs = ServiceItem.objects.select_related("unit").order_by("unit__code", "code")
    if not permissions.has_role(user, *permissions.UNIT_ROLES) or not user.unit_id:
        return qs.none()
    if not is_centre(user):
        return qs.filter(unit_id=user.unit_id)
    return qs.filter(Q(unit_id=user.unit_id)
                     | Q(unit__region_id__in=regions_within(user.unit.region_id), is_published=True))


def application_list(user, *, status: str | None = None, mine: bool = False, window: str = "", rung: str = "",
                     intake: str = "", via: str = ""):
    qs = applications_visible(user).filter(application_where(
        {"status": status or "", "window": window, "rung": rung, "intake": intake, "via": via}, timezone.now()))
    if mine:
        qs = qs.filter(owner=user)
    return qs


def application_timeline(app: Application, steps) -> list[Event]:
    """The application's history with its review steps' (each step's card is its own; the page
    shows each event's unit, so a step's reads as the reviewing unit's)."""
    return list((Event.objects.filter(subject_type="approvals.application", subject_id=app.pk)
                 | Event.objects.filter(subject_type="approvals.reviewstep", subject_id__in=[s.pk for s in steps]))
                .select_related("actor", "unit").order_by("at", "id"))


def access_application(user, pk, *, lock: bool = False, request=None) -> Application:
    """The application if the user may see it (own unit, a co-reviewing unit, the office);
    else 404."""
    return permissions.access(user, _applications(), pk, lock=lock, request=request)


def access_step(user, pk, *, request=None) -> ReviewStep:
    qs = ReviewStep.objects.select_related("application__item", "unit", "application__unit")
    return permissions.access(user, qs, pk, request=request)


def access_followup(user, pk, *, request=None) -> RatingFollowUp:
    return permissions.access(user, RatingFollowUp.objects.select_related("rating__application"), pk, request=request)


def clerk_today(user):
    """Today's intake at the user's window (Asia/Shanghai day)."""
    return application_list(user, intake="today").filter(first_handler=user)


def centre_open(user):
    """At a 政务服务中心: the applications the centre took in that are not decided yet (the window
    follows them; the departments handle them), the nearest deadline first."""
    if not is_centre(user):
        return Application.objects.none()
    return (application_list(user).filter(intake_unit_id=user.unit_id).exclude(status__in=DECIDED)
            .order_by("paused_at", "due_at", "received_at"))


def clerk_open(user):
    """My open applications, the nearest deadline first — with those of the absent holders whose
    backup I am (AB岗, R49: `permissions.acting_for`)."""
    return (application_list(user).filter(owner_id__in=permissions.acting_for(user)).exclude(status__in=DECIDED)
            .order_by("paused_at", "due_at", "received_at"))


def applications_acting(user):
    """AB岗 (R49): the open applications of the absent holders whose backup (B角) the user is."""
    covering = permissions.acting_for(user)[1:]
    if not covering:  # no query for the home to-do of someone who covers nobody
        return Application.objects.none()
    return applications_visible(user).filter(owner_id__in=covering).exclude(status__in=DECIDED)


def steps_for_unit(user):
    """Review steps my unit must answer."""
    qs = ReviewStep.objects.select_related("application__item", "application__unit", "unit")
    return permissions.scope(user, qs).filter(status=StepStatus.PENDING).order_by("due_at")


def extension_requests(user):
    return application_list(user).filter(extension_requested_at__isnull=False, status=Status.ACCEPTED)


def followups_open(user):
    qs = RatingFollowUp.objects.select_related("rating__application__item", "unit")
    return permissions.scope(user, qs).open().order_by("due_at")


def item_catalog(*, unit=None):
    qs = ServiceItem.objects.filter(is_published=True).select_related("unit").prefetch_related("materials", "joint_units")
    return qs.filter(unit=unit) if unit else qs


def one_visit_count() -> dict:
    """R44 (2019 (十五)): the published catalog items handled 最多跑一次, against the target
    of 200 — a target shown, not a stop."""
    n = ServiceItem.objects.filter(is_published=True, one_visit=True).count()
    return {"count": n, "target": ONE_VISIT_TARGET, "meets": n >= ONE_VISIT_TARGET}


def satisfaction_by_unit(*, since=None) -> list[dict]:
    """R36: satisfied ratings (非常满意/满意/基本满意) over all, per unit; the applicant's latest
    rating of each application counts. ≥ 90% meets the target (力争: shown and tracked, never a
    hard stop; rule: R36 target). Read from the rollup `UnitSatisfaction` (one row per unit, kept
    by `services.rating_submit`); with `since`, counted from the ratings of that period."""
    if since:
        return _satisfaction_rows(_latest_ratings().filter(created_at__gte=since)
                                  .values("unit_id", "unit__name")
                                  .annotate(total=Count("pk"), satisfied=Count("pk", filter=Q(score__in=SATISFIED_SCORES))))
    return _satisfaction_rows(UnitSatisfaction.objects.filter(total__gt=0)
                              .values("unit_id", "unit__name", "total", "satisfied"))


def _latest_ratings():
    last_round = Rating.objects.filter(application=OuterRef("application")).order_by("-round").values("round")[:1]
    return Rating.objects.filter(round=Subquery(last_round))


def _satisfaction_rows(rows) -> list[dict]:
    return [{**r, "rate": round(100.0 * r["satisfied"] / r["total"], 1) if r["total"] else None,
             "meets": bool(r["total"]) and r["satisfied"] * 10 >= r["total"] * 9} for r in rows.order_by("unit__name")]


def satisfaction_from_events(*, since=None) -> dict[int, dict]:
    """The same figure from the `approvals.rated` events, for the dashboards (no import of this
    app needed there: the payload carries score and unit_id)."""
    qs = Event.objects.filter(kind="approvals.rated")
    if since:
        qs = qs.filter(at__gte=since)
    latest: dict[int, dict] = {}
    for subject_id, payload in qs.order_by("at", "id").values_list("subject_id", "payload"):
        latest[subject_id] = payload
    out: dict[int, dict] = {}
    for p in latest.values():
        row = out.setdefault(p["unit_id"], {"total": 0, "satisfied": 0})
        row["total"] += 1
        row["satisfied"] += p["score"] >= 3
    for row in out.values():
        row["rate"] = round(100.0 * row["satisfied"] / row["total"], 1)
    return out
