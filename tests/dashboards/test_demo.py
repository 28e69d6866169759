"""The demo seed sets the default weights and builds the rollups; running it twice is harmless;
after it the leader's pages show the demo's figures."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from dashboards import demo, queries, scoring
from dashboards.models import ScoreWeight, UnitDay, UnitNow
from dashboards.periods import day_start
from efficiency.models import Unit, User
from efficiency.registry import clock_models
from efficiency.workdays import local_date

pytestmark = pytest.mark.django_db


def test_the_demo_seed_is_idempotent(data):
    demo.seed()
    demo.seed()
    assert ScoreWeight.objects.count() == len(scoring.DEFAULT_WEIGHTS)
    assert UnitNow.objects.filter(unit=data.unit_a).exists()


def started_items():
    """(label, item) of every started item at a unit, across the clock models."""
    return [(e.label, obj) for e in clock_models() for obj in e.model._base_manager.filter(clock_start__isnull=False)
            if getattr(obj, e.model._meta.get_field(e.model.clock_unit_field).attname) is not None]


def ji_by_person(month):
    """绩 counted by hand: the on-time share of the items each person owns that closed in the month."""
    done = {}
    for e in clock_models():
        owner = e.model._meta.get_field(e.model.clock_owner_field).attname
        for o in e.model._base_manager.filter(closed_at__isnull=False):
            if getattr(o, owner) and local_date(o.closed_at).replace(day=1) == month:
                done.setdefault(getattr(o, owner), []).append(o.clock_state != "done_late")
    return {pk: round(100 * sum(v) / len(v), 1) for pk, v in done.items()}


def test_after_the_demo_seed_the_leader_sees_the_demo_figures(db):  # R37, R38
    call_command("seed_demo", stdout=StringIO())
    call_command("rollup_rebuild", "--from", str(local_date(timezone.now()) - timedelta(days=60)), stdout=StringIO())
    now = timezone.now()
    today = local_date(now)
    items = started_items()
    open_now = sum(1 for _l, o in items if o.closed_at is None)

    c = queries.cockpit(now)
    f = c["f"]
    assert f["open"] == open_now > 0
    assert f["complaints_month"] > 0 and f["cases_open"] >= 0
    opened_today = sum(1 for _l, o in items if local_date(o.clock_start) == today)
    assert sum(d.opened for d in UnitDay.objects.filter(date=today)) == opened_today > 0
    assert sum(d.open_at_end for d in UnitDay.objects.filter(date=today)) == open_now
    assert c["unit_count"] > 0 and c["top"] and c["regions"]
    assert any(r["opened"] for r in c["trend"]) and any(r["complaints"] for r in c["trend"])

    scores = scoring.unit_scores(f["month"])
    closed = [s for s in scores if s.closed_on_time + s.closed_late]
    assert closed and all(0 <= s.score <= 100 for s in scores if s.has_data) and scores[0].rank == 1
    assert all((s.rank is None) == (not s.has_data) for s in scores)
    months, rows = queries.public_unit_table(now)
    assert months and set(months) <= scoring.published_months()  # the office published the finished ones
    assert rows and all(r["rate"] is None or 0 <= r["rate"] <= 100 for r in rows)
    leader = User.objects.get(username="lingdao")
    open_all = sum(e.model._default_manager.filter(clock_start__isnull=False, closed_at__isnull=True).count()
                   for e in clock_models())  # the lists show items at the office too (no unit yet)
    assert len(queries.item_list(leader, state="open", now=now)) == open_all
    assert queries.event_list(leader, kind="complaints.filed", month=f["month"])
    ji = ji_by_person(f["month"])
    assert ji and all(scoring.person_ji(u, f["month"]) == ji.get(u.pk) for u in User.objects.all())

    client = Client()
    client.force_login(leader)
    unit = Unit.objects.get(pk=closed[0].unit_id)
    pages = {
        "/dashboards/": f'id="fig-open">{f["open"]}<',
        "/dashboards/items/?state=open": str(next(o for _l, o in items if o.closed_at is None)._meta.verbose_name),
        "/dashboards/events/?kind=complaints.filed": "complaints.filed",
        "/dashboards/scorecards/": unit.name,
        f"/dashboards/scorecards/unit/{unit.pk}/": unit.name,
        "/dashboards/scorecards/people/": "",
        "/api/v1/dashboards/figures/": '"open":%d' % open_now,
    }
    for url, text in pages.items():
        r = client.get(url)
        assert r.status_code == 200 and text in r.content.decode(), url
    client.logout()
    for url, text in (("/public/", ""), ("/public/units/", unit.name), (f"/public/units/{unit.code}/", unit.name)):
        r = client.get(url)
        assert r.status_code == 200 and text in r.content.decode(), url


def test_a_demo_item_closed_just_after_midnight_on_the_first_counts_in_that_month(db):  # R37: 绩
    call_command("seed_demo", stdout=StringIO())
    month = local_date(timezone.now()).replace(day=1)
    entry = next(e for e in clock_models() if e.model._base_manager.filter(
        closed_at__isnull=False, **{f"{e.model.clock_owner_field}__isnull": False}).exists())
    item = entry.model._base_manager.filter(
        closed_at__isnull=False, **{f"{entry.model.clock_owner_field}__isnull": False}).order_by("pk").first()
    entry.model._base_manager.filter(pk=item.pk).update(closed_at=day_start(month) + timedelta(minutes=30),
                                                        clock_state="done_late")
    owner = User.objects.get(pk=getattr(item, entry.model._meta.get_field(entry.model.clock_owner_field).attname))
    assert scoring.person_ji(owner, month) == ji_by_person(month)[owner.pk] < 100
