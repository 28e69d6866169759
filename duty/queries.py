"""Reads of the duty app: the counts the seeds' duties are shown by."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Q

from .models import ContactPoint, ContactVisit, DutyCheck, Opinion


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
