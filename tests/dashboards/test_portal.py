"""The public portal (R38): works without login, shows figures and never people."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from dashboards import rollups, scoring, services
from dashboards.models import UnitMonthScore
from efficiency.models import Event

from .conftest import FIRST, LABEL, NOW, at

OCTOBER = date(2026, 10, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def public(data):
    for person in (data.clerk_a, data.head_a, data.clerk_b, data.head_b, data.office, data.leader):
        person.phone = f"1390000{person.pk:04d}"
        person.save(update_fields=["phone"])
    rollups.rollup_days(FIRST, NOW.date())
    return data


PAGES = ["/public/", "/public/units/", "/public/units/A/", "/public/calculator/",
         "/public/calculator/?start=2025-09-30&n=5"]


@pytest.mark.parametrize("url", PAGES)
def test_the_portal_works_without_login_and_shows_no_personal_data(public, client, url):  # R38
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    for person in (public.clerk_a, public.head_a, public.clerk_b, public.head_b, public.office, public.leader):
        assert person.full_name not in page
        assert person.phone not in page
        assert person.username not in page


def test_the_portal_shows_each_units_public_on_time_rate_and_satisfaction(public, client):  # R38
    services.month_publish(actor=public.office, month=OCTOBER, now=NOW)
    with time_machine.travel(NOW, tick=False):
        rows = {r["unit"].code: r for r in client.get("/public/units/").context["rows"]}
        detail = client.get("/public/units/A/").context
        assert client.get("/public/units/NOPE/").status_code == 404
    assert rows["A"]["satisfaction"] == 100.0
    assert rows["B"]["satisfaction"] == 40.0  # 不满意 (0) and four stars (80)
    assert rows["B"]["rate"] is not None
    stored = UnitMonthScore.objects.get(month=OCTOBER, unit=public.unit_b)
    assert rows["B"]["closed"] == stored.closed_on_time + stored.closed_late > 0
    assert detail["months"] == [OCTOBER]
    assert detail["row"]["monthly"] == [detail["row"]["rate"]] and detail["row"]["rate"] == rows["A"]["rate"]


def test_the_portal_shows_published_months_only(public, client):  # R38
    with time_machine.travel(NOW, tick=False):
        rows = client.get("/public/units/").context["rows"]
        assert client.get("/public/units/A/").context["months"] == []
    # October and November have data, but nothing is published: no figure is public.
    assert all(r["rate"] is None and r["satisfaction"] is None and r["closed"] == 0 for r in rows)
    services.month_publish(actor=public.office, month=OCTOBER, now=NOW)
    services.month_reopen(actor=public.sysadmin, month=OCTOBER, reason="数据更正", now=NOW)
    with time_machine.travel(NOW, tick=False):
        assert client.get("/public/units/A/").context["months"] == []


def test_the_portal_keeps_the_published_figures_when_the_raw_data_changes(public, client):  # R38
    services.month_publish(actor=public.office, month=OCTOBER, now=NOW)
    # A late rating of October, rolled up afterwards: the rollups move, the public figure does not.
    Event.objects.create(kind="complaints.rated", unit=public.unit_a, at=at(date(2026, 10, 30), 9),
                         subject_type=LABEL, subject_id=1, payload={"rating": "不满意"}, fanned_out=True)
    rollups.rollup_days(FIRST, NOW.date())
    assert scoring.unit_scores(OCTOBER, unit_ids=[public.unit_a.pk])[0].satisfaction < 100
    with time_machine.travel(NOW, tick=False):
        row = client.get("/public/units/A/").context["row"]
    assert row["satisfaction"] == 100.0


def test_the_portal_links_to_the_service_guide_and_complaints(client, db):  # R38
    page = client.get("/public/").content.decode()
    assert 'href="/approvals/public/"' in page and "效能投诉" in page and "办件进度查询" in page


def test_the_calculator_counts_working_days_across_national_day(client, db):  # R38 R01
    response = client.get(reverse("portal_calculator") + "?start=2025-09-30&n=5")
    r = response.context["r"]
    assert r["due"].isoformat() == "2025-10-14"
    page = response.content.decode()
    assert "2025-10-01" in page and "调休上班" in page and "2025-10-11" in page


@pytest.mark.parametrize("query,message", [("start=2025-02-30&n=5", "起算日期"), ("start=2025-09-30&n=x", "整数"),
                                           ("start=2025-09-30&n=0", "1 到 366"), ("start=1999-01-01&n=5", "工作日历")])
def test_the_calculator_explains_bad_input(client, db, query, message):
    response = client.get(reverse("portal_calculator") + "?" + query)
    assert response.status_code == 200 and message in response.content.decode()


def test_r68_the_published_ranking_is_public_and_a_reopened_month_is_not(public, client):
    assert client.get("/public/rankings/").context["rows"] == []
    services.month_publish(actor=public.office, month=OCTOBER, now=NOW)
    response = client.get("/public/rankings/")
    stored = list(UnitMonthScore.objects.filter(month=OCTOBER).exclude(unit__kind="office").order_by("rank"))
    assert response.status_code == 200 and response.context["month"] == OCTOBER
    assert [(r["rank"], r["unit"].pk) for r in response.context["rows"]] == [(s.rank, s.unit_id) for s in stored]
    page = response.content.decode()
    assert stored[0].unit.name in page and public.clerk_a.full_name not in page  # units, never people
    assert client.get("/public/rankings/?month=2026-10").context["month"] == OCTOBER
    assert client.get("/public/rankings/?month=2026-09").status_code == 404  # not published
    assert client.get("/public/rankings/?month=bad").status_code == 404
    services.month_reopen(actor=public.sysadmin, month=OCTOBER, reason="数据更正", now=NOW)
    assert client.get("/public/rankings/").context["rows"] == []
