"""The public portal (R38): works without login, shows figures and never people."""

import pytest
from django.urls import reverse

from dashboards import rollups

from .conftest import FIRST, NOW

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
    rows = {r["unit"].code: r for r in client.get("/public/units/").context["rows"]}
    assert rows["A"]["satisfaction"] == 100.0
    assert rows["B"]["satisfaction"] is not None and rows["B"]["rate"] is not None
    detail = client.get("/public/units/A/").context["row"]
    assert len(detail["monthly"]) == 12 and detail["rate"] == rows["A"]["rate"]
    assert client.get("/public/units/NOPE/").status_code == 404


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
