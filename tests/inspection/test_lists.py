"""The ledgers of inspection (issue 15, 2–3) — 整改, 检查, 督查计划: search `q`, filters, pages
with the total, the same filters in the API, the export read back, never another unit's rows;
R33: an open unannounced visit stays out of the visited unit's list and export."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from efficiency.models import Rung
from efficiency.workdays import SHANGHAI
from inspection import services
from inspection.models import Method, Rectification, Visit
from tests.listing import column, copies, read_xlsx, total

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _visit(org, plan, unit, *, kind=Method.OPEN, place="政务服务中心二楼", on=date(2026, 3, 9)):
    return services.visit_record(actor=org.office, plan=plan, unit=unit, kind=kind, visited_on=on, place=place,
                                 people_met="窗口负责人", summary="抽查窗口服务")


def _finding(org, visit, title, person):
    return services.finding_record(actor=org.office, visit=visit, title=title, rectify_target="限期整改到位",
                                   rectify_days=30, feedback_date=date(2026, 3, 10), responsible=person)


@pytest.fixture
def ledger(org, approved_plan):
    va = _visit(org, approved_plan, org.unit_a)
    vb = _visit(org, approved_plan, org.unit_b, place="市场监管局办事大厅", on=date(2026, 3, 5))
    late = _finding(org, va, "工作时间窗口空岗", org.clerk_a).rectification
    Rectification.objects.filter(pk=late.pk).update(due_at=NOW - timedelta(days=1), breach_level=Rung.RED)
    calm = _finding(org, va, "一次性告知单缺项", org.clerk_a).rectification
    other = _finding(org, vb, "投诉电话无人接听", org.clerk_b).rectification
    return {"late": late, "calm": calm, "other": other, "va": va, "vb": vb, "plan": approved_plan}


def _rects(html):
    return {t for t in ("工作时间窗口空岗", "一次性告知单缺项", "投诉电话无人接听") if t in html}


def test_rectifications_search_filter_and_page(client, org, ledger):
    client.force_login(org.office)
    url = "/inspection/rectifications/"
    assert _rects(client.get(url, {"q": "空岗"}).content.decode()) == {"工作时间窗口空岗"}
    assert _rects(client.get(url, {"q": "市场监督"}).content.decode()) == {"投诉电话无人接听"}  # the unit
    assert _rects(client.get(url, {"unit": org.unit_b.pk}).content.decode()) == {"投诉电话无人接听"}
    assert _rects(client.get(url, {"rung": "3", "window": "overdue"}).content.decode()) == {"工作时间窗口空岗"}
    assert total(client.get(url, {"date_from": "2026-03-10", "date_to": "2026-03-10"}).content.decode()) == 3
    assert total(client.get(url, {"date_from": "2026-03-11"}).content.decode()) == 0
    findings = copies(ledger["calm"].finding, 50, title=lambda i: f"复制问题{i:02d}")
    copies(ledger["calm"], 50, finding_id=lambda i: findings[i].pk)
    client.force_login(org.clerk_a)
    first = client.get(url).content.decode()
    assert total(first) == 52 and "第 1/2 页" in first
    assert client.get(url, {"page": 2}).content.decode().count("复制问题") == 2


def test_rectifications_api_and_export(client, org, ledger):
    api = APIClient()
    api.force_authenticate(org.office)
    r = api.get("/api/v1/inspection/rectifications/", {"q": "空岗", "rung": "3"})
    assert r.status_code == 200 and [x["id"] for x in r.json()["results"]] == [ledger["late"].pk]
    assert api.get("/api/v1/inspection/rectifications/", {"unit": "x"}).status_code == 400
    client.force_login(org.office)
    rows = read_xlsx(client.get("/inspection/rectifications/export.xlsx", {"q": "告知单"}))
    assert rows[0][:3] == ["督查主题", "整改单位", "问题"]
    assert column(rows, "问题") == ["一次性告知单缺项"] and column(rows, "下达时间") == [datetime(2026, 3, 10, 10, 0)]
    client.force_login(org.clerk_b)
    rows = read_xlsx(client.get("/inspection/rectifications/export.xlsx"))
    assert column(rows, "问题") == ["投诉电话无人接听"]


def test_visits_are_listed_filtered_and_exported_within_scope(client, org, ledger):
    hidden = _visit(org, ledger["plan"], org.unit_a, kind=Method.UNANNOUNCED, place="暗访地点甲")
    client.force_login(org.office)
    url = "/inspection/visits/"
    html = client.get(url).content.decode()
    assert total(html) == 3 and "暗访地点甲" in html
    assert total(client.get(url, {"q": "市场监管局办事大厅"}).content.decode()) == 1
    assert total(client.get(url, {"kind": Method.UNANNOUNCED}).content.decode()) == 1
    assert total(client.get(url, {"date_to": "2026-03-05"}).content.decode()) == 1
    rows = read_xlsx(client.get("/inspection/visits/export.xlsx", {"unit": org.unit_b.pk}))
    assert rows[0][:3] == ["检查日期", "督查主题", "被检查单位"]
    assert column(rows, "检查日期") == [datetime(2026, 3, 5)] and column(rows, "地点") == ["市场监管局办事大厅"]
    assert column(rows, "记录时间") == [datetime(2026, 3, 10, 10, 0)]
    client.force_login(org.clerk_a)  # R33: the open unannounced visit is not the unit's to see yet
    assert "暗访地点甲" not in client.get(url).content.decode()
    assert sorted(column(read_xlsx(client.get("/inspection/visits/export.xlsx")), "地点")) == ["政务服务中心二楼"]
    api = APIClient()
    api.force_authenticate(org.clerk_a)
    assert [v["id"] for v in api.get("/api/v1/inspection/visits/").json()["results"]] == [ledger["va"].pk]
    api.force_authenticate(org.office)
    r = api.get("/api/v1/inspection/visits/", {"kind": Method.UNANNOUNCED})
    assert [v["id"] for v in r.json()["results"]] == [hidden.pk]
    assert Visit.objects.count() == 3


def test_plans_are_searched_filtered_and_exported(client, org, ledger, plan_factory):
    plan_factory(start=date(2025, 5, 1))  # another year, submitted
    client.force_login(org.office)
    html = client.get("/inspection/").content.decode()
    assert total(html) == 2
    assert total(client.get("/inspection/", {"year": 2025}).content.decode()) == 1
    assert total(client.get("/inspection/", {"status": "approved", "q": "营商环境"}).content.decode()) == 1
    assert total(client.get("/inspection/", {"q": "不存在的主题"}).content.decode()) == 0
    rows = read_xlsx(client.get("/inspection/export.xlsx", {"year": 2026}))
    assert rows[0][:3] == ["督查主题", "方式", "发文单位"]
    assert column(rows, "开始日期") == [datetime(2026, 3, 1)] and column(rows, "状态") == ["已批准"]
    api = APIClient()
    api.force_authenticate(org.office)
    assert api.get("/api/v1/inspection/plans/", {"year": 2025}).json()["count"] == 1
    client.force_login(org.clerk_a)  # plans are the issuing body's business: a unit clerk sees none
    assert total(client.get("/inspection/").content.decode()) == 0
    assert read_xlsx(client.get("/inspection/export.xlsx"))[1:] == []
