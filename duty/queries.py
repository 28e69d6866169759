"""Reads of the duty app: the counts the seeds' duties are shown by."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from efficiency.models import Role, Unit, User
from efficiency.permissions import has_role

from .models import BodyDuty, ContactPoint, ContactVisit, DutyCheck, Opinion, Post


def duty_check_counts(*, since: date | None = None) -> dict:
    """R45: spot-check calls and how many were answered within 3 rings."""
    qs = DutyCheck.objects.all()
    if since:
        qs = qs.filter(shift__day__gte=since)
    row = qs.aggregate(total=Count("pk"), compliant=Count("pk", filter=Q(compliant=True)))
    row["rate"] = round(100.0 * row["compliant"] / row["total"], 1) if row["total"] else None
    return row


def contact_points_lagging(today: date):
    """R52: active contact points with no visit in `today`'s month."""
    visited = ContactVisit.objects.filter(point=OuterRef("pk"), visited_on__gte=today.replace(day=1),
                                          visited_on__lte=today)
    return ContactPoint.objects.filter(is_active=True).exclude(Exists(visited))


def opinion_counts() -> dict:
    """R63: the ledger's items, open and resolved."""
    return Opinion.objects.aggregate(total=Count("pk"), resolved=Count("pk", filter=Q(status=Opinion.Status.RESOLVED)))


def post_register(unit_id: int):
    """R67: a unit's internal bodies with their duties and posts (two queries)."""
    return (BodyDuty.objects.filter(unit_id=unit_id).select_related("section", "updated_by")
            .prefetch_related(Prefetch("posts", Post.objects.select_related("updated_by").order_by("name"))))


def register_unit(user, unit_id: int):
    """The unit whose register the user may read: the office and leaders any unit, a unit's
    own head and clerks their own; anything else is None (a 404, like every cross-unit access)."""
    if has_role(user, Role.OFFICE, Role.LEADER) or has_role(user, Role.HEAD, Role.CLERK, unit=unit_id):
        return Unit.objects.filter(pk=unit_id).first()
    return None


def post_holders(unit_id: int) -> dict[str, list]:
    """The unit's active people by their post (`User.post`), each with their AB岗 backup (R49), so
    the register shows who holds each post and who acts for them."""
    holders: dict[str, list] = {}
    for user in (User.objects.filter(unit_id=unit_id, is_active=True).exclude(post="")
                 .select_related("backup").order_by("username")):
        holders.setdefault(user.post, []).append(user)
    return holders
