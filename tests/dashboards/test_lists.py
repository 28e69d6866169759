"""Drill-down lists for the whole province: the units come from the rollups, the items are read
through the unit FK index only when they sit in a few units, never by a scan of the item table."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import queries, rollups
from dashboards.periods import day_start

from .conftest import FIRST, NOW

pytestmark = pytest.mark.django_db
ITEMS = "clocktest_timeditem"


@pytest.fixture
def board(data, client):
    with time_machine.travel(NOW, tick=False):
        rollups.rollup_days(FIRST, NOW.date())
        rollups.refresh_now(now=NOW)
    client.force_login(data.leader)
    return data


def per_unit(sql, params=()):
    with connection.cursor() as c:
        c.execute(f"SELECT unit_id, count(*) FROM {ITEMS} WHERE clock_start IS NOT NULL AND {sql} GROUP BY unit_id",
                  params)
        return dict(c.fetchall())


def get(client, url):
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries_run:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in queries_run.captured_queries]


def test_the_province_wide_red_list_counts_units_from_the_rollups_and_lists_their_items(board, client):
    response, sql = get(client, reverse("dashboards:items") + "?state=red")
    ctx = response.context
    expected = per_unit("closed_at IS NULL AND breach_level >= 3")
    b = ctx["breakdown"]
    assert {u["unit_id"]: u["n"] for u in b.units} == expected
    assert b.total == sum(expected.values()) and b.unit_count == len(expected) == 2
    rows = ctx["rows"]
    assert len(rows) == b.total and all(r.item.breach_level >= 3 and r.item.closed_at is None for r in rows)
    assert [r.item.due_at for r in rows] == sorted(r.item.due_at for r in rows)
    # The items are read by unit (the FK index), not by a filter over the whole table.
    item_sql = [s for s in sql if f'FROM "{ITEMS}"' in s]
    assert item_sql and all('"unit_id" IN (' in s for s in item_sql)


def test_the_closed_late_list_counts_this_months_late_closes_from_the_monthly_rollup(board, client):
    response, _sql = get(client, reverse("dashboards:items") + "?state=closed_late")
    ctx = response.context
    month = day_start(NOW.date().replace(day=1))
    expected = per_unit("closed_at >= %s AND clock_state = 'done_late'", [month])
    assert {u["unit_id"]: u["n"] for u in ctx["breakdown"].units} == expected
    assert len(ctx["rows"]) == sum(expected.values())


def test_with_many_units_the_list_shows_the_units_and_reads_no_item(board, client, monkeypatch):
    monkeypatch.setattr(queries, "DIRECT_UNITS", 1)
    response, sql = get(client, reverse("dashboards:items") + "?state=open")
    ctx = response.context
    assert ctx["rows"] == [] and ctx["breakdown"].unit_count == 2
    assert not [s for s in sql if ITEMS in s]
    html = response.content.decode()
    assert "请选择单位查看事项明细" in html
    assert f'?state=open&unit={ctx["breakdown"].units[0]["unit_id"]}' in html


def test_the_breakdown_keeps_the_type_filter_and_an_unknown_type_is_ignored(board, client):
    response, _sql = get(client, reverse("dashboards:items") + "?state=open&type=clocktest.timeditem")
    ctx = response.context
    assert ctx["breakdown"].total == sum(per_unit("closed_at IS NULL").values())
    assert "&type=clocktest.timeditem" in ctx["type_query"]
    response, _sql = get(client, reverse("dashboards:items") + "?state=open&type=nope.nothing")
    ctx = response.context
    assert ctx["type_query"] == "" and ctx["breakdown"].total == sum(per_unit("closed_at IS NULL").values())


def test_when_the_rollups_hold_no_item_the_list_says_so_and_reads_none(board, client):
    from dashboards.models import UnitNow

    UnitNow.objects.update(red_open=0)
    response, sql = get(client, reverse("dashboards:items") + "?state=red")
    ctx = response.context
    assert ctx["breakdown"].total == 0 and ctx["rows"] == []
    assert not [s for s in sql if ITEMS in s]
    assert "没有事项" in response.content.decode()


def test_the_breakdown_lists_at_most_the_list_limit_of_units(board, monkeypatch):
    monkeypatch.setattr(queries, "LIST_LIMIT", 1)
    b = queries.unit_breakdown("open", now=NOW)
    expected = per_unit("closed_at IS NULL")
    assert len(b.units) == 1 and b.unit_count == 2 and b.total == sum(expected.values())
    assert b.units[0]["n"] == max(expected.values())
