"""发布月度考评 (R37): the office freezes a finished month's unit scores and ranking; the system
administrator re-opens it with a reason; the pages, the ledger and the API say so."""

from datetime import date, timedelta
from io import BytesIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from dashboards import rollups, scoring, services
from dashboards.models import PublishJob, ScorecardPublication, UnitMonth, UnitMonthScore
from efficiency.models import AuditLog, Event, Rung

from .conftest import FIRST, NOW, event

pytestmark = pytest.mark.django_db
OCTOBER = date(2026, 10, 1)
NOVEMBER = NOW.date().replace(day=1)  # the current month at NOW
PUBLISH = "/api/v1/dashboards/publications/"
REOPEN = "/api/v1/dashboards/publications/reopen/"


@pytest.fixture
def rolled(data):
    rollups.rollup_days(FIRST, NOW.date())
    return data


def stored(month):
    return {s.unit_id: (s.score, s.rank) for s in UnitMonthScore.objects.filter(month=month)}


def heavier_urging(org):
    # Unit B is urged in October and November: a heavier urging weight lowers its score.
    services.weight_set(actor=org.sysadmin, component="urging", weight=90, penalty=30)


def publish_october(org):
    return services.month_publish(actor=org.office, month=OCTOBER, now=NOW)


# --- the service ------------------------------------------------------------------------------

def test_a_published_months_scores_stay_when_the_weights_change(rolled):  # R37
    publish_october(rolled)
    october, november = stored(OCTOBER), stored(NOVEMBER)
    assert rolled.unit_b.pk in october
    heavier_urging(rolled)
    assert stored(OCTOBER) == october
    assert stored(NOVEMBER)[rolled.unit_b.pk][0] < november[rolled.unit_b.pk][0]
    # Unpublished, October would have moved too.
    live = {s.unit_id: s.score for s in scoring.unit_scores(OCTOBER)}
    assert live[rolled.unit_b.pk] < october[rolled.unit_b.pk][0]
    frozen, publication = scoring.month_scores(OCTOBER)
    assert publication is not None
    assert {s.unit_id: (s.score, s.rank) for s in frozen} == october


def test_the_rollup_task_updates_the_days_but_not_a_published_months_scores(rolled):  # R37
    publish_october(rolled)
    october = stored(OCTOBER)
    before = sum(UnitMonth.objects.filter(month=OCTOBER, unit=rolled.unit_a).values_list("red_cards", flat=True))
    Event.objects.bulk_create([event("clock.breach", rolled.unit_a, NOW.replace(month=10, day=30) - timedelta(hours=n),
                                     level_from=Rung.YELLOW, level_to=Rung.RED) for n in range(3)])
    rollups.rollup_days(FIRST, NOW.date())
    after = sum(UnitMonth.objects.filter(month=OCTOBER, unit=rolled.unit_a).values_list("red_cards", flat=True))
    assert after == before + 3  # the raw figures stay true
    assert stored(OCTOBER) == october  # the published ranking does not move
    assert UnitMonthScore.objects.get(month=OCTOBER, unit=rolled.unit_a).red_cards == before


def test_publishing_stores_every_figure_and_the_weights_and_tells_the_leaders(rolled):  # R37
    pub = publish_october(rolled)
    assert (pub.month, pub.published_by, pub.published_at, pub.reopened_at) == (OCTOBER, rolled.office, NOW, None)
    assert pub.unit_count == UnitMonthScore.objects.filter(month=OCTOBER).count() == len(scoring.unit_scores(OCTOBER))
    assert pub.weights["urging"] == [10, 10]
    live = next(s for s in scoring.unit_scores(OCTOBER) if s.unit_id == rolled.unit_b.pk)
    row = UnitMonthScore.objects.get(month=OCTOBER, unit=rolled.unit_b)
    assert (row.ratings, row.rating_sum, row.urgings, row.complaints) == (
        live.ratings, live.rating_sum, live.urgings, live.complaints)
    assert row.urgings > 0 and row.ratings > 0
    audit = AuditLog.objects.get(action="action", object_type="dashboards.scorecardpublication")
    assert audit.actor == rolled.office and "2026-10" in audit.summary
    e = Event.objects.get(kind="scorecards.published")
    assert e.subject_id == pub.pk and set(e.recipients) == {"leader", "office"} and e.actor == rolled.office


def test_reopening_rescores_the_month_and_it_may_be_published_again(rolled):  # R37
    pub = publish_october(rolled)
    october = stored(OCTOBER)
    heavier_urging(rolled)
    services.month_reopen(actor=rolled.sysadmin, month=OCTOBER, reason="10月份办件数据补录", now=NOW)
    pub.refresh_from_db()
    assert (pub.reopened_by, pub.reopen_reason, pub.reopened_at) == (rolled.sysadmin, "10月份办件数据补录", NOW)
    rescored = stored(OCTOBER)
    assert rescored[rolled.unit_b.pk][0] < october[rolled.unit_b.pk][0]
    assert rescored == {s.unit_id: (s.score, s.rank) for s in scoring.unit_scores(OCTOBER)}
    assert scoring.month_scores(OCTOBER)[1] is None
    assert Event.objects.filter(kind="scorecards.reopened", payload__reason="10月份办件数据补录").exists()
    assert AuditLog.objects.filter(action="action", summary__startswith="重新开放月度考评 2026-10",
                                   actor=rolled.sysadmin).exists()
    again = publish_october(rolled)
    assert again.pk != pub.pk and again.weights["urging"] == [90, 30]
    assert ScorecardPublication.objects.filter(month=OCTOBER).count() == 2
    assert scoring.publication_of(OCTOBER) == again


@pytest.mark.parametrize("who", ["leader", "sysadmin", "head_a", "clerk_a"])
def test_only_the_office_publishes(rolled, who):
    with pytest.raises(PermissionDenied):
        services.month_publish(actor=getattr(rolled, who), month=OCTOBER, now=NOW)
    assert not ScorecardPublication.objects.exists()


@pytest.mark.parametrize("month", [NOVEMBER, date(2026, 12, 1), date(2027, 3, 1)])
def test_the_current_or_a_future_month_cannot_be_published(rolled, month):
    with pytest.raises(ValidationError, match="已经结束的月份"):
        services.month_publish(actor=rolled.office, month=month, now=NOW)
    assert not ScorecardPublication.objects.exists()


def test_a_month_can_be_published_from_the_first_minute_after_it_ends(rolled):
    first = NOW.replace(day=1, hour=0, minute=0)  # 2026-11-01 00:00 Shanghai
    with pytest.raises(ValidationError):
        services.month_publish(actor=rolled.office, month=OCTOBER, now=first - timedelta(seconds=1))
    assert services.month_publish(actor=rolled.office, month=OCTOBER, now=first).month == OCTOBER


def test_a_month_is_published_once(rolled):
    publish_october(rolled)
    with pytest.raises(ValidationError, match="已经发布"):
        publish_october(rolled)
    assert ScorecardPublication.objects.count() == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_reopening_needs_a_reason(rolled, reason):
    publish_october(rolled)
    with pytest.raises(ValidationError, match="理由"):
        services.month_reopen(actor=rolled.sysadmin, month=OCTOBER, reason=reason, now=NOW)
    assert scoring.publication_of(OCTOBER) is not None


@pytest.mark.parametrize("who", ["office", "leader", "secadmin"])
def test_only_the_system_administrator_reopens(rolled, who):
    publish_october(rolled)
    with pytest.raises(PermissionDenied):
        services.month_reopen(actor=getattr(rolled, who), month=OCTOBER, reason="更正", now=NOW)
    assert scoring.publication_of(OCTOBER) is not None


def test_an_unpublished_month_cannot_be_reopened(rolled):
    with pytest.raises(ValidationError, match="尚未发布"):
        services.month_reopen(actor=rolled.sysadmin, month=OCTOBER, reason="更正", now=NOW)


# --- pages ------------------------------------------------------------------------------------

def test_the_office_publishes_from_the_scorecards_page(rolled, client):
    client.force_login(rolled.office)
    url = reverse("dashboards:scorecards")
    with time_machine.travel(NOW, tick=False):
        assert 'id="publish-form"' not in client.get(url).content.decode()  # November: not finished
        page = client.get(url + "?month=2026-10").content.decode()
        assert 'id="publish-form"' in page and "未发布" in page
        response = client.post(reverse("dashboards:scorecards_publish"), {"month": "2026-10"})
        job = PublishJob.objects.get()
        assert response.status_code == 302 and response.url == reverse("dashboards:publish_job", args=[job.pk])
        page = client.get(response.url).content.decode()
        assert 'hx-trigger="every 1s"' in page and "排队中" in page  # queued: the page polls
        assert scoring.publication_of(OCTOBER) is None  # nothing published inside the request
        services.publish_run(job.pk, now=NOW)  # what the Celery worker runs
        fragment = client.get(reverse("dashboards:publish_job_progress", args=[job.pk])).content.decode()
        page = client.get(url + "?month=2026-10").content.decode()
    assert "hx-trigger" not in fragment and 'value="100"' in fragment and "已发布 2026-10 月度考评" in fragment
    assert "陈督查发布" in page and 'id="publish-form"' not in page
    assert scoring.publication_of(OCTOBER).published_by == rolled.office


def test_the_unit_scorecard_says_the_month_is_published(rolled, client):
    publish_october(rolled)
    client.force_login(rolled.clerk_a)
    page = client.get(reverse("dashboards:scorecard", args=[rolled.unit_a.pk]) + "?month=2026-10").content.decode()
    assert "已发布" in page and "陈督查" in page


def test_a_refused_publication_shows_the_reason_on_the_page(rolled, client):
    client.force_login(rolled.leader)
    response = client.post(reverse("dashboards:scorecards_publish"), {"month": "2026-10"}, follow=True)
    assert "只有效能办可以发布月度考评" in response.content.decode()
    client.force_login(rolled.office)
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("dashboards:scorecards_publish"), {"month": "2026-11"}, follow=True)
        assert "尚未结束" in response.content.decode()
        response = client.post(reverse("dashboards:scorecards_publish"), {"month": "junk"}, follow=True)
        assert "YYYY-MM" in response.content.decode()
    assert not ScorecardPublication.objects.exists()


def test_clerks_and_administrators_cannot_reach_the_publish_action(rolled, client):
    client.force_login(rolled.clerk_a)
    assert client.post(reverse("dashboards:scorecards_publish"), {"month": "2026-10"}).status_code == 404
    assert client.get(reverse("dashboards:publications")).status_code == 404
    client.force_login(rolled.sysadmin)
    assert client.post(reverse("dashboards:scorecards_publish"), {"month": "2026-10"}).status_code == 404
    assert client.get(reverse("dashboards:scorecards")).status_code == 404  # still no business figures
    assert not ScorecardPublication.objects.exists()


def test_the_system_administrator_reopens_from_the_publications_page(rolled, client):
    publish_october(rolled)
    client.force_login(rolled.sysadmin)
    url = reverse("dashboards:scorecards_reopen")
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("dashboards:publications")).content.decode()
        assert 'id="month-2026-10"' in page and "重新开放" in page
        response = client.post(url, {"month": "2026-10", "reason": " "}, follow=True)
        assert "请填写重新开放的理由" in response.content.decode()
        assert scoring.publication_of(OCTOBER) is not None
        response = client.post(url, {"month": "2026-10", "reason": "补录数据"}, follow=True)
    page = response.content.decode()
    assert "已重新开放 2026-10 月度考评" in page and "补录数据" in page
    assert scoring.publication_of(OCTOBER) is None


def test_the_office_cannot_reopen(rolled, client):
    publish_october(rolled)
    client.force_login(rolled.office)
    response = client.post(reverse("dashboards:scorecards_reopen"), {"month": "2026-10", "reason": "x"}, follow=True)
    assert "只有系统管理员" in response.content.decode()
    assert scoring.publication_of(OCTOBER) is not None
    client.force_login(rolled.clerk_a)
    assert client.post(reverse("dashboards:scorecards_reopen"), {"month": "2026-10", "reason": "x"}).status_code == 404


def test_the_ledger_of_a_published_month_says_it_is_published(rolled, client):
    publish_october(rolled)
    october = stored(OCTOBER)
    heavier_urging(rolled)
    client.force_login(rolled.office)
    response = client.get(reverse("dashboards:scorecards_export") + "?month=2026-10")
    ws = load_workbook(BytesIO(response.content)).active
    assert ws["A1"].value == "2026-10 单位绩效考评台账"
    assert ws["B1"].value.startswith("已发布") and "陈督查" in ws["B1"].value
    rows = {r[1]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert rows[rolled.unit_b.name][3] == october[rolled.unit_b.pk][0]  # frozen, not re-weighted


# --- API --------------------------------------------------------------------------------------

def test_the_api_publishes_and_refuses_twice(rolled, client):
    client.force_login(rolled.office)
    with time_machine.travel(NOW, tick=False):
        r = client.post(PUBLISH, {"month": "2026-10"}, content_type="application/json")
        assert r.status_code == 202 and r.json()["state"] == "queued" and r.json()["publication"] is None
        services.publish_run(r.json()["id"], now=NOW)  # the worker
        job = client.get(f"{PUBLISH}jobs/{r.json()['id']}/").json()
        assert job["state"] == "done" and job["percent"] == 100
        assert job["publication"]["month"] == "2026-10" and job["publication"]["standing"] is True
        again = client.post(PUBLISH, {"month": "2026-10"}, content_type="application/json")
        assert again.status_code == 400 and "已经发布" in again.json()["error"]["message"]
        current = client.post(PUBLISH, {"month": "2026-11"}, content_type="application/json")
        assert current.status_code == 400 and "尚未结束" in current.json()["error"]["message"]
        bad = client.post(PUBLISH, {"month": "2026-13"}, content_type="application/json")
        assert bad.status_code == 400 and "month" in bad.json()["error"]["fields"]
    assert ScorecardPublication.objects.count() == 1


def test_the_api_refuses_publishing_to_others(rolled, client):
    client.force_login(rolled.leader)
    r = client.post(PUBLISH, {"month": "2026-10"}, content_type="application/json")
    assert r.status_code == 403 and "效能办" in r.json()["error"]["message"]
    client.force_login(rolled.clerk_a)
    assert client.post(PUBLISH, {"month": "2026-10"}, content_type="application/json").status_code == 404
    assert client.get(PUBLISH).status_code == 404
    assert not ScorecardPublication.objects.exists()


def test_the_api_reopens_for_the_system_administrator_only(rolled, client):
    publish_october(rolled)
    client.force_login(rolled.office)
    assert client.post(REOPEN, {"month": "2026-10", "reason": "x"}, content_type="application/json").status_code == 403
    client.force_login(rolled.sysadmin)
    r = client.post(REOPEN, {"month": "2026-10"}, content_type="application/json")
    assert r.status_code == 400 and "理由" in r.json()["error"]["message"]
    r = client.post(REOPEN, {"month": "2026-10", "reason": "更正"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["standing"] is False and r.json()["reopen_reason"] == "更正"
    listed = client.get(PUBLISH + "?month=2026-10").json()["results"]
    assert [p["standing"] for p in listed] == [False]
    assert client.get(PUBLISH + "?month=bad").status_code == 400


def test_the_api_ranking_of_a_published_month_is_frozen(rolled, client):
    publish_october(rolled)
    october = stored(OCTOBER)
    heavier_urging(rolled)
    client.force_login(rolled.leader)
    ranking = client.get("/api/v1/dashboards/ranking/?month=2026-10").json()
    assert {r["unit_id"]: (r["score"], r["rank"]) for r in ranking} == october
    assert ranking[0]["rank"] == 1
    assert [p["month"] for p in client.get(PUBLISH).json()["results"]] == ["2026-10"]


def test_the_event_subject_links_to_the_published_month(rolled):
    pub = publish_october(rolled)
    e = Event.objects.get(kind="scorecards.published")
    assert e.subject_type == "dashboards.scorecardpublication" and e.unit_id is None
    assert pub.get_absolute_url() == reverse("dashboards:scorecards") + "?month=2026-10"


def test_the_system_administrator_sets_weights_in_the_admin_and_published_months_keep_theirs(rolled, client):
    from dashboards.models import ScoreWeight

    publish_october(rolled)
    october, november = stored(OCTOBER), stored(NOVEMBER)
    row = ScoreWeight.objects.create(component="urging", weight=10, penalty=10)
    client.force_login(rolled.sysadmin)
    assert "考评权重" in client.get("/admin/").content.decode()
    response = client.post(f"/admin/dashboards/scoreweight/{row.pk}/change/",
                           {"component": "urging", "weight": 90, "penalty": 30})
    assert response.status_code == 302
    assert ScoreWeight.objects.get(pk=row.pk).weight == 90
    assert AuditLog.objects.filter(action="score_weight_set", actor=rolled.sysadmin).exists()
    assert stored(OCTOBER) == october and stored(NOVEMBER) != november
    # The admin's entry for publications leads to the page where a month is re-opened.
    assert client.get("/admin/dashboards/scorecardpublication/").url == reverse("dashboards:publications")
    client.force_login(rolled.office)
    assert client.get("/admin/dashboards/scoreweight/").status_code == 302  # not an administrator: to the login


def test_publishing_is_403_for_a_leader_and_404_for_a_clerk_on_the_page_and_in_the_api(rolled, client):
    for who, status in (("leader", 403), ("clerk_a", 404)):  # the leader sees the scorecards; the office publishes
        client.force_login(getattr(rolled, who))
        assert client.post(reverse("dashboards:scorecards_publish"), {"month": "2026-10"}).status_code == status, who
        assert client.post(PUBLISH, {"month": "2026-10"}, content_type="application/json").status_code == status, who
    assert not ScorecardPublication.objects.exists()
