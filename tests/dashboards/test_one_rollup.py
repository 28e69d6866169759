"""One rollup for every page that shows a unit's score (issue 15 §9, issue 17 §5), and units
without data are not ranked.

The cockpit used to read the stored ranking (`UnitMonthScore`, written by the rollup job) while
the scorecards, the ledger and the API recomputed the scores from the event counters, which the
`counter_bump` subscriber moves the moment an event is written: between two rollup runs a
substantiated complaint (penalty 20 × weight 15 % = 3 points) showed 100 on the cockpit and 97
on the scorecards. Now all of them read `scoring.month_scores`, the stored rollup."""

from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from dashboards import rollups, scoring
from dashboards.models import UnitMonthScore
from efficiency.events import event_emit
from tests.clocktest.models import TimedItem

from .conftest import FIRST, NOW

pytestmark = pytest.mark.django_db
MONTH = NOW.date().replace(day=1)


@pytest.fixture
def rolled(data):
    with time_machine.travel(NOW, tick=False):
        rollups.rollup_days(FIRST, NOW.date())
        rollups.refresh_now(now=NOW)
    return data


def everywhere(org, client) -> dict[str, dict]:
    """unit_id -> (rank, score) as each page and the API show it for MONTH."""
    client.force_login(org.leader)
    shown = {}
    with time_machine.travel(NOW, tick=False):
        c = client.get(reverse("dashboards:cockpit")).context
        shown["cockpit"] = {s.unit_id: (s.rank, s.score) for s in [*c["top"], *c["bottom"]]}
        unranked = UnitMonthScore.objects.filter(month=MONTH, rank__isnull=True).values_list("unit_id", flat=True)
        assert c["no_data_count"] == len(unranked)
        shown["cockpit"].update({unit_id: (None, None) for unit_id in unranked})
        page = client.get(reverse("dashboards:scorecards") + f"?month={MONTH:%Y-%m}").context["scores"]
        shown["scorecards"] = {s.unit_id: (s.rank, s.score) for s in page}
        shown["scorecard"] = {}
        for unit_id in shown["scorecards"]:
            s = client.get(reverse("dashboards:scorecard", args=[unit_id]) + f"?month={MONTH:%Y-%m}").context["score"]
            shown["scorecard"][unit_id] = (s.rank, s.score)
        api = client.get(f"/api/v1/dashboards/ranking/?month={MONTH:%Y-%m}").json()
        shown["api"] = {r["unit_id"]: (r["rank"], r["score"]) for r in api}
        ws = load_workbook(BytesIO(client.get(
            reverse("dashboards:scorecards_export") + f"?month={MONTH:%Y-%m}").content)).active
        names = {s.unit_name: s.unit_id for s in page}
        shown["export"] = {names[r[1]]: (r[0], r[3] if r[0] is not None else None)
                           for r in ws.iter_rows(min_row=3, values_only=True)}
    stored = {r.unit_id: (r.rank, r.score) for r in UnitMonthScore.objects.filter(month=MONTH)}
    shown["stored"] = stored
    return shown


def assert_all_agree(shown):
    stored = shown["stored"]
    assert len(stored) == 3  # every active unit but the office
    for name, figures in shown.items():
        assert figures == stored, name


def test_cockpit_scorecards_ledger_and_api_agree_for_every_unit_even_between_two_rollups(rolled, client):
    assert_all_agree(everywhere(rolled, client))
    before = {u: s for u, s in everywhere(rolled, client)["stored"].items()}
    # A complaint against unit A is substantiated: the counter moves at once (subscriber) ...
    item = TimedItem.objects.create(title="投诉件", unit=rolled.unit_a)
    with time_machine.travel(NOW, tick=False):
        event_emit("complaints.substantiated", subject=item)
    # ... and still every page shows the same score until the rollup runs (it was 100 vs 97)
    shown = everywhere(rolled, client)
    assert_all_agree(shown)
    assert shown["stored"] == before
    with time_machine.travel(NOW, tick=False):
        rollups.rollup_changes(now=NOW)
    shown = everywhere(rolled, client)
    assert_all_agree(shown)
    a = rolled.unit_a.pk
    assert shown["stored"][a][1] == pytest.approx(before[a][1] - 3)  # 20 points × 15 %: on every page at once


def test_a_unit_without_data_shows_no_data_and_is_not_ranked(rolled, client):
    gov = next(s for s in scoring.month_scores(MONTH)[0] if not s.has_data)
    assert (gov.rank, gov.score) == (None, None)
    ranked = [s for s in scoring.month_scores(MONTH)[0] if s.rank is not None]
    assert [s.rank for s in ranked] == [1, 2] and all(s.has_data for s in ranked)
    client.force_login(rolled.leader)
    with time_machine.travel(NOW, tick=False):
        cockpit = client.get(reverse("dashboards:cockpit"))
        page = client.get(reverse("dashboards:scorecards") + f"?month={MONTH:%Y-%m}").content.decode()
        card = client.get(reverse("dashboards:scorecard", args=[gov.unit_id]) + f"?month={MONTH:%Y-%m}")
        api = client.get(f"/api/v1/dashboards/ranking/?month={MONTH:%Y-%m}").json()
        ws = load_workbook(BytesIO(client.get(
            reverse("dashboards:scorecards_export") + f"?month={MONTH:%Y-%m}").content)).active
    # the cockpit's ranking leaves it out and says so
    assert gov.unit_id not in [s.unit_id for s in cockpit.context["top"]] and cockpit.context["unit_count"] == 2
    assert "1 个单位本月无数据，不参加排名" in cockpit.content.decode()
    table = page[page.index('id="scorecards"'):page.index("</table>", page.index('id="scorecards"'))]
    rows = table.split("<tr")[2:]  # after the header
    assert [gov.unit_name in r for r in rows] == [False, False, True]  # listed last
    assert 'class="no-data"' in rows[2] and "无数据" in rows[2] and "100.0" not in rows[2]
    assert card.status_code == 200 and 'id="score">无数据<' in card.content.decode()
    assert "第" not in card.content.decode().split('id="score"')[1].split("</p>")[0]
    by_unit = {r["unit_id"]: r for r in api}
    assert by_unit[gov.unit_id]["has_data"] is False and by_unit[gov.unit_id]["rank"] is None
    assert by_unit[gov.unit_id]["score"] is None and api[0]["rank"] == 1 and api[0]["has_data"] is True
    rows = {r[1]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert rows[gov.unit_name][0] is None and rows[gov.unit_name][3] == "无数据"


def test_in_english_no_data_reads_no_data(rolled, client):
    gov = next(s for s in scoring.month_scores(MONTH)[0] if not s.has_data)
    client.force_login(rolled.leader)
    client.cookies["django_language"] = "en"
    with time_machine.travel(NOW, tick=False):
        card = client.get(reverse("dashboards:scorecard", args=[gov.unit_id]) + f"?month={MONTH:%Y-%m}",
                          HTTP_ACCEPT_LANGUAGE="en")
    assert 'id="score">No data<' in card.content.decode()


def test_a_unit_with_data_but_all_components_perfect_still_ranks(rolled):
    """Only the absence of data unranks: a unit that closed everything on time ranks."""
    month = MONTH.replace(month=MONTH.month - 1)
    ranked = [s for s in scoring.month_scores(month)[0] if s.rank is not None]
    assert ranked and all(s.closed_on_time + s.closed_late + s.red_cards + s.ratings + s.urgings + s.findings
                          + s.complaints + s.yellow_cards + s.verified > 0 for s in ranked)


def test_a_unit_not_stored_for_the_month_shows_no_data_not_404(rolled, client):
    client.force_login(rolled.clerk_a)
    r = client.get(reverse("dashboards:scorecard", args=[rolled.unit_a.pk]) + "?month=2020-01")
    assert r.status_code == 200 and 'id="score">无数据<' in r.content.decode()
    assert client.get(reverse("dashboards:scorecard", args=[rolled.unit_b.pk]) + "?month=2020-01").status_code == 404
