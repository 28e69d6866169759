"""The duty page: the roster, spot checks, reception days, contact points and the opinion ledger,
with their counts (R45, R50, R52, R63) — for the office, leaders and unit heads; and a unit's
post-responsibility register (岗位责任制, R67)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from efficiency import listing
from efficiency.models import Role, Unit
from efficiency.permissions import has_role, role_required, scope
from efficiency.workdays import local_date

from . import queries, services
from .models import DUTY_FIELDS, BodyDuty, ContactPoint, DutyCheck, DutyShift, Opinion, Post, ReceptionDay


@login_required
@role_required(Role.OFFICE, Role.LEADER, Role.HEAD)
def index(request):
    user, today = request.user, local_date(timezone.now())
    return render(request, "duty/index.html", {
        "shifts": listing.Head(scope(user, DutyShift.objects.select_related("unit", "officer", "leader", "standby")), 30),
        "checks": listing.Head(scope(user, DutyCheck.objects.select_related("shift__unit"), unit_field="shift__unit"),
                               30),
        "check_counts": queries.duty_check_counts(),
        "receptions": listing.Head(scope(user, ReceptionDay.objects.select_related("leader", "unit")), 30),
        "points": scope(user, ContactPoint.objects.select_related("leader", "unit")),
        "lagging": set(queries.contact_points_lagging(today).values_list("pk", flat=True)),
        "opinions": listing.Head(scope(user, Opinion.objects.select_related("unit")), 50),
        "opinion_counts": queries.opinion_counts(),
    })


# --- 岗位责任制 (R67) ---------------------------------------------------------------------------


def _register_unit(request, unit_id):
    unit = queries.register_unit(request.user, unit_id)
    if unit is None:
        raise Http404
    return unit


def _fields(data) -> dict:
    return {name: data.get(name, "") for name, _label in DUTY_FIELDS}


@login_required
def posts_home(request):
    """The office and leaders pick a unit; a unit's people go to their own register."""
    user = request.user
    if has_role(user, Role.HEAD, Role.CLERK) and user.unit_id:
        return redirect("duty:posts", unit_id=user.unit_id)
    if not has_role(user, Role.OFFICE, Role.LEADER):
        raise Http404
    units = (Unit.objects.filter(is_active=True).annotate(
        bodies=Count("sections__duty", distinct=True), posts=Count("sections__duty__posts", distinct=True))
        .select_related("region").order_by("code"))
    return render(request, "duty/posts_home.html", {"units": listing.Head(units, 500)})


@login_required
@require_http_methods(["GET", "POST"])
def posts(request, unit_id):
    """岗位责任制 (R67): a unit's internal bodies and posts, each stated in the eight parts; the
    unit's head keeps it (another unit's people: 404; the unit's clerks, the office and leaders
    read it)."""
    unit = _register_unit(request, unit_id)
    errors, form = {}, {}
    if request.method == "POST":
        action, form = request.POST.get("action"), request.POST
        try:
            if action == "body":
                services.body_duty_set(actor=request.user, unit=unit, name=form.get("name", ""), fields=_fields(form))
            elif action == "post":
                body = get_object_or_404(BodyDuty, pk=_int(form.get("body")), unit=unit)
                services.post_set(actor=request.user, body=body, name=form.get("name", ""), fields=_fields(form))
            elif action == "remove":
                services.post_remove(actor=request.user, post=get_object_or_404(Post, pk=_int(form.get("post")),
                                                                                 unit=unit))
            else:
                raise Http404
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        else:
            messages.success(request, _("岗位责任制已保存。"))
            return redirect("duty:posts", unit_id=unit.pk)
    return render(request, "duty/posts.html", {
        "unit": unit, "bodies": queries.post_register(unit.pk), "fields": DUTY_FIELDS,
        "holders": queries.post_holders(unit.pk),
        "can_edit": has_role(request.user, Role.HEAD, unit=unit), "errors": errors,
        "error_text": sorted({m for ms in errors.values() for m in ms}), "form": form,
    }, status=400 if errors else 200)


def _int(value):
    return int(value) if value and str(value).isdigit() else None
