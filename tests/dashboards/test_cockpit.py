"""The leader cockpit: its numbers equal raw SQL counts; who may open it."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from dashboards import rollups
from efficiency import process_cache
from efficiency.models import ClockState, Rung
from tests.clocktest.models import TimedItem
from dashboards.periods import day_start, week_end

from .conftest import FIRST, NOW

pytestmark = pytest.mark.django_db


def raw(sql, params=()):
    with connection.cursor() as c:
        c.execute(sql, params)
        return c.fetchone()[0]


OPEN = "FROM clocktest_timeditem WHERE clock_start IS NOT NULL AND closed_at IS NULL"


@pytest.fixture
def cockpit(data, client):
    with time_machine.travel(NOW, tick=False):
        rollups.rollup_days(FIRST, NOW.date())
        rollups.refresh_now(now=NOW)
        client.force_login(data.leader)
        response = client.get(reverse("dashboards:cockpit"))
    assert response.status_code == 200
    return response


def test_todays_figures_equal_raw_sql_counts(cockpit):
    f = cockpit.context["f"]
    month = day_start(NOW.date().replace(day=1))
    assert f["open"] == raw(f"SELECT count(*) {OPEN}")
    assert f["yellow"] == raw(f"SELECT count(*) {OPEN} AND breach_level = 2")
    assert f["red"] == raw(f"SELECT count(*) {OPEN} AND breach_level >= 3")
    assert f["overdue"] == raw(f"SELECT count(*) {OPEN} AND due_at < %s", [NOW])
    assert f["due_week"] == raw(f"SELECT count(*) {OPEN} AND due_at >= %s AND due_at < %s", [NOW, week_end(NOW)])
    assert f["complaints_month"] == raw(
        "SELECT count(*) FROM efficiency_event WHERE kind = 'complaints.filed' AND at >= %s", [month])
    assert f["deemed_month"] == raw(
        "SELECT count(*) FROM efficiency_event WHERE kind = 'approvals.deemed_approved' AND at >= %s", [month])
    assert f["cases_open"] == raw("SELECT count(*) FILTER (WHERE kind = 'cases.opened') - "
                                  "count(*) FILTER (WHERE kind = 'cases.decided') FROM efficiency_event")
    assert f["red_today"] == raw("SELECT count(*) FROM efficiency_event WHERE kind = 'clock.breach' "
                                 "AND level_from < 3 AND level_to >= 3 AND at >= %s AND at < %s",
                                 [day_start(NOW.date()), day_start(NOW.date() + timedelta(days=1))])
    assert f"id=\"fig-open\">{f['open']}<" in cockpit.content.decode()


def test_the_monthly_ranking_follows_the_on_time_rate_from_raw_sql(cockpit, data):
    month = day_start(NOW.date().replace(day=1))
    top = {s.unit_id: s for s in cockpit.context["top"]}
    for unit in (data.unit_a, data.unit_b):
        assert top[unit.pk].closed_late == raw(
            "SELECT count(*) FROM clocktest_timeditem WHERE unit_id = %s AND closed_at >= %s "
            "AND clock_state = 'done_late'", [unit.pk, month])


def test_the_red_bar_links_to_the_units_red_list(cockpit, data, client):
    red_units = cockpit.context["red_units"]
    assert red_units
    unit_id = red_units[0]["unit_id"]
    url = f"{reverse('dashboards:items')}?state=red&unit={unit_id}"
    assert url in cockpit.content.decode()
    with time_machine.travel(NOW, tick=False):
        rows = client.get(url).context["rows"]
    assert len(rows) == red_units[0]["n"]
    assert all(r.item.unit_id == unit_id and r.item.breach_level >= 3 for r in rows)


def test_the_trend_has_twelve_months(cockpit):
    trend = cockpit.context["trend"]
    assert len(trend) == 12 and trend[-1]["month"] == "2026-11"
    assert trend[-2]["opened"] == raw(
        "SELECT count(*) FROM clocktest_timeditem WHERE clock_start >= %s AND clock_start < %s",
        [day_start(FIRST.replace(day=1)), day_start(NOW.date().replace(day=1))])


@pytest.mark.parametrize("who,status", [("leader", 200), ("office", 200), ("head_a", 404), ("clerk_a", 404),
                                        ("sysadmin", 404)])
def test_only_leaders_and_the_office_open_the_cockpit(org, client, who, status):
    client.force_login(getattr(org, who))
    assert client.get(reverse("dashboards:cockpit")).status_code == status
    assert client.get(reverse("dashboards:items") + "?state=red").status_code == status


def test_the_item_page_shows_the_timeline_and_hides_other_units_items(data, client):
    from tests.clocktest.models import TimedItem

    item = TimedItem.objects.filter(unit=data.unit_a, breach_level__gte=3).first()
    url = reverse("dashboards:item", args=["clocktest.timeditem", item.pk])
    client.force_login(data.clerk_b)
    assert client.get(url).status_code == 404
    client.force_login(data.leader)
    page = client.get(url).content.decode()
    assert item.title in page and "红牌" in page and "clock.breach" not in page  # the label, never the code


def test_an_unknown_item_type_is_not_found(org, client):
    client.force_login(org.leader)
    assert client.get(reverse("dashboards:item", args=["nope.model", 1])).status_code == 404


def test_the_api_gives_leaders_the_figures_and_hides_them_from_clerks(data, client):
    rollups.refresh_now()
    client.force_login(data.clerk_a)
    assert client.get("/api/v1/dashboards/figures/").status_code == 404
    client.force_login(data.office)
    body = client.get("/api/v1/dashboards/figures/").json()
    assert body["open"] == raw(f"SELECT count(*) {OPEN}")
    ranking = client.get("/api/v1/dashboards/ranking/?month=2026-11").json()
    assert [r["rank"] for r in ranking] == list(range(1, len(ranking) + 1))


def test_the_charts_come_from_the_local_echarts_copy(cockpit):
    page = cockpit.content.decode()
    assert "/static/vendor/echarts.min.js" in page and "cdn" not in page.lower()


def test_the_menu_offers_the_cockpit_to_leaders_and_the_scorecard_to_clerks(org, client):
    client.force_login(org.leader)
    page = client.get("/inbox/").content.decode()
    assert "驾驶舱" in page and "绩效考评" in page
    client.force_login(org.clerk_a)
    page = client.get("/inbox/").content.decode()
    assert "驾驶舱" not in page and "绩效考评" in page


def _more_items(org, n):
    """n started items over the last weeks at units A and B: some closed late, some red."""
    TimedItem.objects.bulk_create([
        TimedItem(title=f"批量{i}", unit=org.unit_a if i % 2 else org.unit_b, clock_start=NOW - timedelta(days=1 + i % 25),
                  limit_value=5, due_at=NOW - timedelta(days=i % 25) + timedelta(days=5),
                  closed_at=NOW - timedelta(hours=1 + i % 30) if i % 3 == 0 else None,
                  clock_state=ClockState.DONE_LATE if i % 3 == 0 else ClockState.ON_TRACK,
                  breach_level=Rung.RED if i % 7 == 1 else Rung.NONE)
        for i in range(n)])


def test_the_cockpit_reads_the_same_queries_at_10_and_1000_items_and_never_an_item_table(org, client, monkeypatch,
                                                                                        django_assert_max_num_queries):
    """Issue 17 (5): the cockpit reads only the rollups — a fixed number of statements over
    small tables, none over the items or the events, however many items there are."""
    # As in a server, where the units were saved long before: the process's copies hold them and
    # were checked a moment ago (inside the test's transaction they are read on every use).
    process_cache.forget_uncommitted()
    monkeypatch.setattr(process_cache, "monotonic", lambda: 0.0)
    client.force_login(org.leader)
    seen = []
    for n in (10, 990):
        _more_items(org, n)
        with time_machine.travel(NOW, tick=False):
            rollups.rollup_days(FIRST, NOW.date())
            rollups.refresh_now(now=NOW)
            client.get(reverse("dashboards:cockpit"))
            # ONE the cockpit's; session, user, unread badge. The header's unit comes from the
            # process's copy of the units (`efficiency.queries.unit_label`).
            with django_assert_max_num_queries(4) as captured:
                response = client.get(reverse("dashboards:cockpit"))
        assert response.status_code == 200
        assert response.context["f"]["open"] == raw(f"SELECT count(*) {OPEN}")
        sql = [q["sql"] for q in captured.captured_queries]
        assert not any("clocktest_timeditem" in s or "efficiency_event" in s for s in sql)
        seen.append(len(sql))
    assert seen[0] == seen[1]
