"""The 效能投诉 ledger (issue 15, 2–3): search `q` by number and content, filters, pages with the
total, the same filters in the API, the export read back — and never another unit's rows."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accountability import services
from accountability.models import Category, Complaint
from efficiency.models import Rung
from efficiency.workdays import SHANGHAI
from tests.listing import column, copies, read_xlsx, total

from .conftest import file_complaint

pytestmark = pytest.mark.django_db
FRIDAY = datetime(2024, 9, 13, 10, 0, tzinfo=SHANGHAI)
URL = "/accountability/complaints/"
EXPORT = "/accountability/complaints/export.xlsx"


def _assigned(org, unit, **kw):
    with time_machine.travel(FRIDAY, tick=False):
        c = file_complaint(unit, **kw).complaint
        services.complaint_accept(complaint=c, actor=org.office)
        return services.complaint_assign(complaint=c, actor=org.office, unit=unit)


@pytest.fixture
def ledger(org):
    late = _assigned(org, org.unit_a, description="不动产登记窗口推诿，三次都没办成")
    Complaint.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=1), breach_level=Rung.RED)
    calm = _assigned(org, org.unit_a, description="公积金提取要求重复提交材料", category=Category.ATTITUDE)
    other = _assigned(org, org.unit_b, description="食品经营许可证超期未发")
    return {"late": late, "calm": calm, "other": other}


def _numbers(html, ledger):
    return {k for k, c in ledger.items() if c.tracking_number in html}


def test_search_by_number_or_content_finds_the_row(client, org, ledger):
    client.force_login(org.office)
    assert _numbers(client.get(URL, {"q": ledger["calm"].tracking_number}).content.decode(), ledger) == {"calm"}
    assert _numbers(client.get(URL, {"q": "推诿"}).content.decode(), ledger) == {"late"}
    assert _numbers(client.get(URL, {"q": "市场监督"}).content.decode(), ledger) == {"other"}  # the unit


def test_filters_narrow_the_list(client, org, ledger):
    client.force_login(org.office)
    assert _numbers(client.get(URL, {"unit": org.unit_b.pk}).content.decode(), ledger) == {"other"}
    assert _numbers(client.get(URL, {"rung": "3"}).content.decode(), ledger) == {"late"}
    assert _numbers(client.get(URL, {"category": Category.ATTITUDE}).content.decode(), ledger) == {"calm"}
    assert total(client.get(URL, {"date_from": "2024-09-13", "date_to": "2024-09-13"}).content.decode()) == 3
    assert total(client.get(URL, {"date_to": "2024-09-12"}).content.decode()) == 0
    Complaint.objects.filter(pk=ledger["calm"].pk).update(status=Complaint.Status.CLOSED)
    assert _numbers(client.get(URL).content.decode(), ledger) == {"late", "other"}  # the open ones
    assert _numbers(client.get(URL, {"status": "all"}).content.decode(), ledger) == {"late", "calm", "other"}


def test_pages_show_the_total_and_page_2(client, org, ledger):
    copies(ledger["calm"], 52, tracking_number=lambda i: f"TS-COPY-{i:04d}",
           link_token_hash=lambda i: f"copy-{i}")
    client.force_login(org.clerk_a)
    first = client.get(URL).content.decode()
    assert total(first) == 54 and "第 1/2 页" in first
    second = client.get(URL, {"page": 2}).content.decode()
    assert second.count("<tr>") - 1 == 4


def test_the_api_filters_give_the_same_rows(org, ledger):
    api = APIClient()
    api.force_authenticate(org.office)
    r = api.get("/api/v1/accountability/complaints/", {"q": "推诿", "rung": "3"})
    assert r.status_code == 200 and [c["id"] for c in r.json()["results"]] == [ledger["late"].pk]
    assert api.get("/api/v1/accountability/complaints/", {"window": "tomorrow"}).status_code == 400
    api.force_authenticate(org.clerk_b)
    assert api.get("/api/v1/accountability/complaints/", {"unit": org.unit_a.pk}).json()["count"] == 0


def test_the_export_reads_back_in_chinese_and_china_time(client, org, ledger):
    client.force_login(org.office)
    rows = read_xlsx(client.get(EXPORT, {"q": "公积金"}))
    assert rows[0][:4] == ["投诉编号", "投诉时间", "投诉类别", "被投诉单位"]
    assert column(rows, "投诉编号") == [ledger["calm"].tracking_number]
    assert column(rows, "投诉时间") == [datetime(2024, 9, 13, 10, 0)]  # 02:00 UTC
    assert column(rows, "投诉人") == ["匿名"] and column(rows, "承办单位") == [org.unit_a.name]


def test_an_export_never_holds_another_units_rows(client, org, ledger):
    client.force_login(org.clerk_b)
    rows = read_xlsx(client.get(EXPORT, {"status": "all"}))
    assert column(rows, "投诉编号") == [ledger["other"].tracking_number]
    assert read_xlsx(client.get(EXPORT, {"unit": org.unit_a.pk}))[1:] == []


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_complaint_list_costs_the_same_queries_at_10_and_1000_rows(client, org, ledger, rows,
                                                                       django_assert_max_num_queries):
    """Issue 17 (6): the page and the API read a bounded number of statements, whatever the
    number of complaints."""
    copies(ledger["calm"], rows, tracking_number=lambda i: f"TS-MANY-{i:05d}", link_token_hash=lambda i: f"{i:064x}")
    client.force_login(org.clerk_a)
    client.get(URL)
    with django_assert_max_num_queries(14):
        assert client.get(URL).status_code == 200
    api = APIClient()
    api.force_authenticate(org.clerk_a)
    api.get("/api/v1/accountability/complaints/")
    with django_assert_max_num_queries(8):
        body = api.get("/api/v1/accountability/complaints/").json()
    assert len(body["results"]) == min(50, rows + 2) and bool(body["next"]) == (rows + 2 > 50)
