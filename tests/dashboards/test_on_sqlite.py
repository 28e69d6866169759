"""The leader's pages on `make run`'s embedded defaults (SQLite, no server): after migrate and
seed_demo, in a child process with no DATABASE_URL, the cockpit, the drill-down lists, the
scorecards and the public portal show the demo's figures (R37, R38), and they agree with counts
of the demo's items. The rollups there are the portable ones (dashboards.rollups.*_portable);
tests/dashboards/test_portable_rollups.py proves them equal to the PostgreSQL statements."""

from datetime import date, timedelta

import pytest

from tests.embedded import manage_on_embedded_defaults

CHECK = r"""
from django.db import connection
from django.test import Client
from django.utils import timezone

from dashboards import queries, scoring
from dashboards.models import UnitDay
from efficiency.models import Unit, User
from efficiency.registry import clock_models
from efficiency.workdays import local_date

assert connection.vendor == "sqlite", connection.vendor
now = timezone.now()
today = local_date(now)
items = [(e.label, obj) for e in clock_models() for obj in e.model._base_manager.filter(clock_start__isnull=False)
         if getattr(obj, e.model._meta.get_field(e.model.clock_unit_field).attname) is not None]
open_now = sum(1 for _l, o in items if o.closed_at is None)
opened_today = sum(1 for _l, o in items if local_date(o.clock_start) == today)

c = queries.cockpit(now)
f = c["f"]
assert f["open"] == open_now > 0, (f["open"], open_now)
assert f["complaints_month"] > 0 and f["cases_open"] >= 0, f
assert sum(d.opened for d in UnitDay.objects.filter(date=today)) == opened_today > 0
assert sum(d.open_at_end for d in UnitDay.objects.filter(date=today)) == open_now
assert c["unit_count"] > 0 and c["top"] and c["regions"], c
assert any(r["opened"] for r in c["trend"]) and any(r["complaints"] for r in c["trend"])

scores = scoring.unit_scores(f["month"])
closed = [s for s in scores if s.closed_on_time + s.closed_late]
assert closed and all(0 <= s.score <= 100 for s in scores) and scores[0].rank == 1
months, rows = queries.public_unit_table(now)
# The portal shows published months only; the demo's office publishes the finished ones.
assert months and set(months) <= scoring.published_months(), months
assert rows and all(r["rate"] is None or 0 <= r["rate"] <= 100 for r in rows)
leader = User.objects.get(username="lingdao")
open_all = sum(e.model._default_manager.filter(clock_start__isnull=False, closed_at__isnull=True).count()
               for e in clock_models())  # the lists show items at the office too (no unit yet)
assert len(queries.item_list(leader, state="open", now=now)) == open_all
assert queries.event_list(kind="complaints.filed", month=f["month"])
def check_ji():
    ji = {}  # 绩 per person: the on-time rate of the items the person owns that closed this month
    for e in clock_models():
        owner = e.model._meta.get_field(e.model.clock_owner_field).attname
        for o in e.model._base_manager.filter(closed_at__isnull=False):
            if getattr(o, owner) and local_date(o.closed_at).replace(day=1) == f["month"]:
                ji.setdefault(getattr(o, owner), []).append(o.clock_state != "done_late")
    assert ji
    for user in User.objects.all():
        done = ji.get(user.pk)
        assert scoring.person_ji(user, f["month"]) == (round(100 * sum(done) / len(done), 1) if done else None)


check_ji()

client = Client()
client.force_login(leader)
unit = Unit.objects.get(pk=closed[0].unit_id)
pages = {
    "/dashboards/": f'id="fig-open">{f["open"]}<',
    "/dashboards/items/?state=open": next(o for _l, o in items if o.closed_at is None)._meta.verbose_name,
    "/dashboards/events/?kind=complaints.filed": "complaints.filed",
    "/dashboards/scorecards/": unit.name,
    f"/dashboards/scorecards/unit/{unit.pk}/": unit.name,
    "/dashboards/scorecards/people/": "",
    "/api/v1/dashboards/figures/": '"open":%d' % open_now,
}
for url, text in pages.items():
    r = client.get(url)
    assert r.status_code == 200 and str(text) in r.content.decode(), (url, r.status_code)
client.logout()
for url, text in (("/public/", ""), ("/public/units/", unit.name), (f"/public/units/{unit.code}/", unit.name)):
    r = client.get(url)
    assert r.status_code == 200 and text in r.content.decode(), (url, r.status_code)
# 绩 at the month's edge: closed at 00:30 on the 1st (Shanghai) is this month's, 16:30 UTC the day before
from dashboards.rollups import day_start  # noqa: E402
from datetime import timedelta  # noqa: E402

entry = next(e for e in clock_models() if e.model._base_manager.filter(
    closed_at__isnull=False, **{f"{e.model.clock_owner_field}__isnull": False}).exists())
entry.model._base_manager.filter(pk=entry.model._base_manager.filter(
    closed_at__isnull=False, **{f"{entry.model.clock_owner_field}__isnull": False}).order_by("pk")[0].pk).update(
    closed_at=day_start(f["month"]) + timedelta(minutes=30), clock_state="done_late")
check_ji()
print("sqlite-figures-ok open=%d opened_today=%d ranked=%d" % (open_now, opened_today, c["unit_count"]))
"""


@pytest.mark.slow
def test_the_leader_sees_the_demo_figures_on_sqlite(tmp_path):
    for args in (("migrate", "--noinput"), ("seed_demo",), ("rollup_rebuild", "--from", str(date.today() - timedelta(days=60))),
                 ("shell", "-c", CHECK)):
        done = manage_on_embedded_defaults(tmp_path, *args)
        assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    assert "sqlite-figures-ok" in done.stdout
