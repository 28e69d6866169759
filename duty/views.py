"""The duty page: the roster, spot checks, reception days, contact points and the opinion ledger,
with their counts (R45, R50, R52, R63) — for the office, leaders and unit heads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from efficiency.models import Role
from efficiency.permissions import role_required, scope
from efficiency.workdays import local_date

from . import queries
from .models import ContactPoint, DutyCheck, DutyShift, Opinion, ReceptionDay


@login_required
@role_required(Role.OFFICE, Role.LEADER, Role.HEAD)
def index(request):
    user, today = request.user, local_date(timezone.now())
    return render(request, "duty/index.html", {
        "shifts": scope(user, DutyShift.objects.select_related("unit", "officer", "leader", "standby"))[:30],
        "checks": scope(user, DutyCheck.objects.select_related("shift__unit"), unit_field="shift__unit")[:30],
        "check_counts": queries.duty_check_counts(),
        "receptions": scope(user, ReceptionDay.objects.select_related("leader", "unit"))[:30],
        "points": scope(user, ContactPoint.objects.select_related("leader", "unit")),
        "lagging": set(queries.contact_points_lagging(today).values_list("pk", flat=True)),
        "opinions": scope(user, Opinion.objects.select_related("unit"))[:50],
        "opinion_counts": queries.opinion_counts(),
    })
