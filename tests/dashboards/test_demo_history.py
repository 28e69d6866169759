"""The demo's twelve months of history (issue 15, point 9): after `seed_demo` the cockpit's
12-month trend has a figure in every month, units do differently from month to month (the
rankings move), the past is deterministic, and a second `seed_demo` adds no row anywhere."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accountability.models import AccountabilityCase, Complaint
from approvals.models import Application, Rating
from dashboards import queries, scoring
from efficiency import demo_history, permissions
from efficiency.models import Event, User
from efficiency.workdays import local_date
from inspection.models import InspectionPlan, Rectification
from supervision.models import AssignmentTarget

pytestmark = pytest.mark.django_db


def _counts():
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_after_seed_demo_the_cockpit_trend_has_twelve_months_and_a_second_run_adds_no_row(db):
    call_command("seed_demo", stdout=StringIO())
    trend = queries.cockpit()["trend"]
    assert len(trend) == 12
    # the current month may have begun a day ago: its items are the demo's own, made today
    empty = [m["month"] for m in trend[:-1] if not (m["opened"] and m["on_time"] + m["late"] and m["complaints"])]
    assert not empty and trend[-1]["opened"], f"months without history: {empty}"
    assert any(m["late"] for m in trend) and any(m["red"] for m in trend)

    before = _counts()
    call_command("seed_demo", stdout=StringIO())
    after = _counts()
    assert {k: (before[k], after[k]) for k in before if before[k] != after[k]} == {}


def test_the_history_is_closed_items_of_every_kind_with_their_events_and_no_notifications(db):
    call_command("seed_demo", stdout=StringIO())
    first = demo_history.first_day()
    past = timezone.now() - demo_history.PAST
    for model in (Application, AssignmentTarget, Complaint, AccountabilityCase, Rectification):
        old = model.objects.filter(clock_start__lt=past)
        if model is Rectification:  # the demo's current inspection began a month ago and is still open
            old = old.filter(finding__plan__status="closed")
        assert old.exists() and not old.filter(closed_at__isnull=True).exists(), model
        assert old.filter(closed_at__gte=past).count() == 0, model  # every end is in the past
        assert local_date(old.order_by("clock_start").first().clock_start) >= first, model
    assert Rating.objects.filter(created_at__lt=past).exists()
    # each unit opens the past assignments handed to it, as after `assignment_dispatch`
    clerk = User.objects.get(username="jingban2")
    mine = AssignmentTarget.objects.filter(clock_start__lt=past, unit=clerk.unit).select_related("assignment")
    assert mine.exists() and all(clerk.unit in permissions.shared_units(t.assignment) for t in mine)
    client = Client()
    client.force_login(clerk)
    assert client.get(mine.first().assignment.get_absolute_url()).status_code == 200
    plans = InspectionPlan.objects.filter(status="closed", closed_on__lt=local_date(past))
    assert plans.count() >= 3 and all(p.visits.exists() and p.findings.exists() for p in plans)
    assert old_kinds(past) >= {"inspection.finding", "rectification.verified", "approvals.rated", "complaints.rated",
                               "cases.decided", "assignment.urged"}
    assert Application.objects.filter(clock_start__lt=past, receipt_number__startswith="SL").count() == \
        Application.objects.filter(clock_start__lt=past).count()
    assert Complaint.objects.filter(filed_at__lt=past).count() == Complaint.objects.filter(clock_start__lt=past).count()
    old_events = Event.objects.filter(at__lt=past)
    assert old_events.filter(kind="clock.breach").exists() and not old_events.filter(fanned_out=False).exists()
    assert not old_events.filter(notifications__isnull=False).exists()


def old_kinds(before) -> set[str]:
    return set(Event.objects.filter(at__lt=before).values_list("kind", flat=True).distinct())


def test_units_do_differently_and_the_rankings_move_from_month_to_month(db):
    call_command("seed_demo", stdout=StringIO())
    months = queries.months_back(local_date(timezone.now()).replace(day=1), 12)[:-1]
    orders = []
    for month in months:
        ranked = [s for s in scoring.unit_scores(month) if s.rank is not None]
        assert len(ranked) >= 5, month
        rates = {s.on_time_rate for s in ranked if s.on_time_rate is not None}
        assert len(rates) >= 3, month  # not everyone at the same share
        orders.append(tuple(s.unit_id for s in ranked[:5]))
    assert len(set(orders)) >= 6


def test_the_history_is_deterministic():
    now = timezone.now()
    assert demo_history.starts(demo_history.rng("x"), 10, now) == demo_history.starts(demo_history.rng("x"), 10, now)
    assert demo_history.starts(demo_history.rng("x"), 10, now) != demo_history.starts(demo_history.rng("y"), 10, now)
    month = local_date(now).replace(day=1)
    shares = {code: demo_history.on_time_share(code, month) for code in ("EZ-ZRZY", "EZ-SCJG", "EZ-JT", "EZ-RS")}
    assert shares == {code: demo_history.on_time_share(code, month) for code in shares}
    assert len(set(shares.values())) == 4 and all(0.5 <= s <= 1.0 for s in shares.values())
