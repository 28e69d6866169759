"""绩效考评 (R37): unit scores with the administrator's weights, people's 德能勤绩廉, the ledger."""

from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from dashboards import rollups, scoring, services
from dashboards.models import PersonAssessment, ScoreWeight
from efficiency.models import AuditLog

from .conftest import FIRST, NOW

pytestmark = pytest.mark.django_db
MONTH = NOW.date().replace(day=1)


@pytest.fixture
def rolled(data):
    rollups.rollup_days(FIRST, NOW.date())
    return data


def score_of(unit, month=MONTH):
    return next(s for s in scoring.unit_scores(month) if s.unit_id == unit.pk)


def test_citizen_ratings_count_in_the_unit_score(rolled):  # R35
    a, b = score_of(rolled.unit_a), score_of(rolled.unit_b)
    assert a.satisfaction == 100.0
    assert 0 < b.satisfaction < 100  # 不满意 (0) and four stars (80)
    ScoreWeight.objects.create(component="satisfaction", weight=100)
    for c in ("on_time", "red_cards", "complaints", "rectification", "urging"):
        ScoreWeight.objects.create(component=c, weight=0)
    assert score_of(rolled.unit_a).score == 100.0
    assert score_of(rolled.unit_b).score == score_of(rolled.unit_b).satisfaction


def test_the_administrators_weights_change_the_score(rolled):  # R37
    before = score_of(rolled.unit_b).score
    services.weight_set(actor=rolled.sysadmin, component="urging", weight=90, penalty=30)
    after = score_of(rolled.unit_b)
    assert after.urgings > 0 and after.score < before
    assert AuditLog.objects.filter(action="score_weight_set").exists()


def test_units_are_ranked_by_score(rolled):  # R37
    scores = scoring.unit_scores(MONTH)
    ranked = [s for s in scores if s.has_data]
    assert len(ranked) == 2 and [s.rank for s in ranked] == [1, 2]
    assert all(x.score >= y.score for x, y in zip(ranked, ranked[1:]))
    # the government unit has no items nor events: listed after the ranked ones, unscored
    assert [(s.rank, s.score) for s in scores[2:]] == [(None, None)]


def test_the_ledger_exports_to_excel(rolled, client):
    client.force_login(rolled.office)
    response = client.get(reverse("dashboards:scorecards_export") + f"?month={MONTH:%Y-%m}")
    ws = load_workbook(BytesIO(response.content)).active
    rows = {r[1]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert rows[rolled.unit_b.name][3] == score_of(rolled.unit_b).score
    assert ws["A2"].value == "排名"
    assert ws["B1"].value.startswith("未发布")


def test_a_clerk_sees_only_the_own_units_scorecard(rolled, client):
    client.force_login(rolled.clerk_a)
    response = client.get(reverse("dashboards:scorecards"))
    assert response.status_code == 302 and response.url.startswith(
        reverse("dashboards:scorecard", args=[rolled.unit_a.pk]))
    assert client.get(reverse("dashboards:scorecard", args=[rolled.unit_a.pk])).status_code == 200
    assert client.get(reverse("dashboards:scorecard", args=[rolled.unit_b.pk])).status_code == 404
    assert client.get(reverse("dashboards:scorecards_export")).status_code == 404


def test_the_head_enters_de_neng_qin_lian_and_ji_comes_from_the_data(rolled, client):  # R37
    client.force_login(rolled.head_a)
    url = reverse("dashboards:people") + f"?month={MONTH:%Y-%m}"
    with time_machine.travel(NOW, tick=False):
        response = client.post(url, {"user": rolled.clerk_a.pk, "de": 90, "neng": 85, "qin": 95, "lian": 100})
        rows = client.get(url).context["rows"]
    assert response.status_code == 302
    mark = PersonAssessment.objects.get(user=rolled.clerk_a, month=MONTH)
    assert (mark.de, mark.neng, mark.qin, mark.lian, mark.assessor) == (90, 85, 95, 100, rolled.head_a)
    assert AuditLog.objects.filter(action="person_assess").exists()
    ji = scoring.person_ji(rolled.clerk_a, MONTH)
    assert ji is not None
    row = next(r for r in rows if r["person"] == rolled.clerk_a)
    assert row["ji"] == ji and row["total"] == scoring.person_total(mark, ji)


def test_a_mark_out_of_range_is_refused_with_a_message(rolled, client):
    client.force_login(rolled.head_a)
    url = reverse("dashboards:people") + f"?month={MONTH:%Y-%m}"
    response = client.post(url, {"user": rolled.clerk_a.pk, "de": 190, "neng": 1, "qin": 1, "lian": "x"})
    assert response.status_code == 200 and "0 到 100" in response.content.decode()
    assert not PersonAssessment.objects.exists()


def test_a_head_cannot_assess_another_units_people(rolled, client):
    client.force_login(rolled.head_a)
    response = client.post(reverse("dashboards:people") + f"?unit={rolled.unit_b.pk}",
                           {"user": rolled.clerk_b.pk, "de": 90, "neng": 90, "qin": 90, "lian": 90})
    assert response.status_code == 404
    client.force_login(rolled.clerk_a)
    assert client.get(reverse("dashboards:people")).status_code == 404


def test_the_stored_ranking_follows_a_weight_change(rolled):  # R37
    from dashboards.models import UnitMonthScore

    stored = UnitMonthScore.objects.get(month=MONTH, unit=rolled.unit_b)
    assert stored.score == score_of(rolled.unit_b).score
    services.weight_set(actor=rolled.sysadmin, component="urging", weight=90, penalty=30)
    stored = UnitMonthScore.objects.get(month=MONTH, unit=rolled.unit_b)
    assert stored.score == score_of(rolled.unit_b).score
    assert stored.rank == score_of(rolled.unit_b).rank
