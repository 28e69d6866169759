"""Reads for pages, the API and dashboards; access selectors raise 404 for anything not visible."""

from __future__ import annotations

from django.db.models import F, Prefetch, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from efficiency.event_kinds import event_kind
from efficiency.events import subject_label
from efficiency.models import Event, Role, Unit
from efficiency.permissions import access, scope, scope_arms
from efficiency.queries import q_deadline

from .models import AccountabilityCase, Bulletin, CaseStatement, Complaint, ComplaintReview


def _with_open_review(qs):
    """Each complaint's running review (one query for the page, whatever its length)."""
    return qs.prefetch_related(Prefetch("reviews", queryset=ComplaintReview.objects.open(),
                                        to_attr="open_reviews"))


def complaints_visible(user):
    qs = scope(user, _with_open_review(Complaint.objects.select_related("subject_unit", "unit", "channel")))
    return qs  # 回避 (a complaint about the office itself) is the registered scope rule


def complaint_where(f, now=None) -> Q:
    """The list's filter from its query parameters: a status (none: the open ones; `all`: every
    one), window and rung of the complaint's own clock (`q_deadline`)."""
    q = q_deadline(f, now)
    if f.get("status") == "all":
        return q
    if f.get("status"):
        return q & Q(status=f["status"])
    return q & ~Q(status__in=[Complaint.Status.CLOSED, Complaint.Status.DECLINED])


def complaint_list(user, *, status: str = "", open_only: bool = False, window: str = "", rung: str = ""):
    """The office's list (all, by the due date of the step each is at — the office's review
    included), or a unit's (assigned to it)."""
    qs = complaints_visible(user)
    if open_only or status or window or rung:
        qs = qs.filter(complaint_where({"status": status, "window": window, "rung": rung}, timezone.now()))
    # `step_due`: a column (the clock's due time, or the open review's), so the order, the keyset
    # cursor and the indexes `acc_complaint_*step` are the same three columns, pk last.
    return qs.order_by(F("step_due").asc(nulls_last=True), "-filed_at", "-pk")


def complaint_arms(user):
    """The complaint list's rows for a unit user as its own and the shared ones, each read by
    its own index (`permissions.scope_arms`, `listing.ledger_page`); None for the others."""
    return scope_arms(user, Complaint)


def complaint_timeline(c: Complaint):
    """The complaint's events and those of the office's reviews of it, in order."""
    reviews = ComplaintReview.objects.filter(complaint=c).values("pk")
    return (Event.objects.filter(Q(subject_type=subject_label(c), subject_id=c.pk)
                                 | Q(subject_type=ComplaintReview._meta.label_lower, subject_id__in=reviews))
            .select_related("actor"))


def case_timeline(case: AccountabilityCase):
    """The case's events and those of its 陈述申辩 period, in order."""
    statement = CaseStatement.objects.filter(case=case).values("pk")
    return (Event.objects.filter(Q(subject_type=subject_label(case), subject_id=case.pk)
                                 | Q(subject_type=CaseStatement._meta.label_lower, subject_id__in=statement))
            .select_related("actor"))


def access_complaint(user, pk, *, lock: bool = False, request=None) -> Complaint:
    qs = _with_open_review(Complaint.objects.select_related("subject_unit", "unit", "owner", "channel"))
    return access(user, qs, pk, lock=lock, request=request)


def _cases():
    return AccountabilityCase.objects.select_related("unit", "person", "head", "owner", "statement_clock", "leader",
                                                     "decided_by", "decided_unit")


def cases_visible(user):
    return scope(user, _cases())


def case_list(user, *, status: str = "", unit_id=None, person_id=None):
    qs = scope(user, _cases())  # a clerk: their own cases only (the rule registered in handlers)
    if status:
        qs = qs.filter(status=status)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if person_id:
        qs = qs.filter(Q(person_id=person_id) | Q(head_id=person_id))
    return qs.order_by("-created_at")


def case_where(f, now=None) -> Q:
    """The case list's filter from its query parameters: status, window and rung of the case's
    investigation clock (`q_deadline`); the home page's to-do counts the same."""
    q = q_deadline(f, now)
    return q & Q(status=f["status"]) if f.get("status") else q


def access_case(user, pk, *, request=None) -> AccountabilityCase:
    return access(user, _cases(), pk, request=request)


def can_see_person_record(user, person) -> bool:
    """A person's record: the office and leaders see anyone's; a unit head their unit's people; anyone their own."""
    role = getattr(user, "role", None)
    return (role in (Role.OFFICE, Role.LEADER) or user.pk == person.pk
            or (role == Role.HEAD and user.unit_id is not None and person.unit_id == user.unit_id))


def can_see_unit_record(user, unit_id) -> bool:
    role = getattr(user, "role", None)
    return role in (Role.OFFICE, Role.LEADER) or (role == Role.HEAD and str(user.unit_id) == str(unit_id))


def unit_complaints(user, unit):
    """Complaints about a unit that this user may open (the list links to each)."""
    return complaint_list(user).filter(subject_unit=unit).order_by("-filed_at")


def access_unit_record(user, unit_id) -> Unit:
    """A unit's record: the office and leaders see any; a unit head their own."""
    from django.http import Http404

    if user.role in (Role.OFFICE, Role.LEADER) or (user.role == Role.HEAD and str(user.unit_id) == str(unit_id)):
        unit = Unit.objects.filter(pk=unit_id).first() if str(unit_id).isdigit() else None
        if unit:
            return unit
    raise Http404


def bulletin_list(user=None, *, published_only: bool = True):
    qs = Bulletin.objects.select_related("author", "approved_by")
    if published_only or getattr(user, "role", None) not in (Role.OFFICE, Role.LEADER):
        qs = qs.filter(status=Bulletin.Status.PUBLISHED)
    return qs


def bulletin_public_get(pk) -> Bulletin:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Bulletin, pk=pk, status=Bulletin.Status.PUBLISHED)


def units_active(q: str = "", *, limit: int = 30):
    qs = Unit.objects.filter(is_active=True).order_by("code")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    return qs[:limit]


# The clock events that set a due time. Why the citizen's deadline moved later is told by the
# event kind's catalogue label (延期, 恢复计时, 期限调整), never by a staff member's own words
# (an extension's or a pause's note may name people).
_CLOCK_KINDS = ["clock.started", "clock.extended", "clock.resumed", "clock.rescheduled"]


def complaint_citizen_deadline(c: Complaint) -> dict:
    """The deadline a citizen sees: the latest one any step of the complaint has promised so far
    (its own clock's starts, extensions, resumptions and recomputations, and the office's review
    of the unit's reply). Each step runs its own, shorter clock — a unit replying early opens a
    3-day review before the 10-day reply limit — so the current step's due time would move the
    citizen's deadline backwards; the latest promise never does. Every later move is listed with
    its reason, and a paused clock says so. None once the complaint is answered or closed."""
    if c.status in (Complaint.Status.DECLINED, Complaint.Status.ANSWERED, Complaint.Status.CLOSED):
        return {"due_at": None, "due_changes": [], "due_paused": ""}
    review_ids = list(c.reviews.values_list("pk", flat=True))
    events = Event.objects.filter(kind__in=_CLOCK_KINDS).filter(
        Q(subject_type=subject_label(c), subject_id=c.pk)
        | Q(subject_type=subject_label(ComplaintReview), subject_id__in=review_ids)).order_by("at", "id")
    due, changes = None, []
    for e in events.only("at", "kind", "payload"):
        value = parse_datetime(e.payload.get("due_at") or "")
        if value is None or (due is not None and value <= due):
            continue
        if due is not None:
            reason = _("进入下一办理环节") if e.kind == "clock.started" else event_kind(e.kind).label
            changes.append({"at": e.at, "old": due, "new": value, "reason": reason})
        due = value
    step = c.step_clock
    paused = step.get_pause_reason_display() if step.closed_at is None and step.paused_at else ""
    return {"due_at": due, "due_changes": changes, "due_paused": paused}


def complaint_public(c: Complaint) -> dict:
    """What a citizen may see: status, dates, the reply; never a handler's identity."""
    return {
        "tracking_number": c.tracking_number,
        "status": c.status,
        "status_display": c.get_status_display(),
        "category": c.get_category_display(),
        "subject_unit": c.subject_unit.name,
        "filed_at": c.filed_at,
        "accepted_at": c.accepted_at,
        **complaint_citizen_deadline(c),
        "decline_reason": c.decline_reason,
        "reply": c.reply if c.answered_at else "",
        "answered_at": c.answered_at,
        "rating": c.rating,
        "rating_display": c.get_rating_display() if c.rating else "",
        "can_rate": c.status == Complaint.Status.ANSWERED and not (c.rated_at and c.rated_at > c.answered_at),
        "can_reexamine": c.status == Complaint.Status.ANSWERED and c.reexamine_requested_at is None,
        "reexamine_requested_at": c.reexamine_requested_at,
    }


# The moments a complaint's public state changes (GREATEST skips the empty ones in PostgreSQL).
_CHANGED_AT = ("filed_at", "accepted_at", "unit_replied_at", "answered_at", "finding_at", "rated_at",
               "reexamine_requested_at", "clock_start", "closed_at")


def complaints_open311(*, numbers=None, categories=(), statuses=(), since=None, until=None, limit: int = 1000):
    """Complaints as Open311 service requests, as dicts of the fields it may show (public: no
    scope; the caller renders only the public ones). `numbers` (tracking numbers) overrides
    every other filter, as the specification's service_request_id does. Newest first;
    `updated_at` is the latest public change. Dicts, not instances: a list of 1000 builds in a
    third of the time."""
    qs = Complaint.objects.annotate(updated_at=Greatest(*_CHANGED_AT)).values(
        "tracking_number", "status", "category", "description", "place", "filed_at", "channel_id",
        "decline_reason", "reply", "answered_at", "updated_at", unit_name=F("unit__name"))
    if numbers is not None:
        return list(qs.filter(tracking_number__in=numbers).order_by("-filed_at", "-id")[:limit])
    if categories:
        qs = qs.filter(category__in=categories)
    if statuses:
        qs = qs.filter(status__in=statuses)
    return list(qs.filter(filed_at__gte=since, filed_at__lte=until).order_by("-filed_at", "-id")[:limit])


def complaint_by_number(number: str) -> Complaint | None:
    return Complaint.objects.filter(tracking_number=number).first()


def units_complainable() -> list[tuple[int, str]]:
    """Every active unit a complaint may name, for the Open311 service definition."""
    return list(Unit.objects.filter(is_active=True).order_by("name", "id").values_list("id", "name"))


def exemption_conditions():
    """The local 容错 conditions in force (本地默认, 种子未规定), in the administrator's order."""
    from .models import ExemptionCondition

    return list(ExemptionCondition.objects.filter(is_active=True))
