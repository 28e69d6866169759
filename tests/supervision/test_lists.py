"""The 交办件 ledgers (issue 15, 2–3): search `q` by number and title, filters, sort, pages with
the total, the same filters in the API, the export read back — and never another unit's rows."""

import re
from datetime import datetime, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from efficiency.models import Rung
from efficiency.workdays import SHANGHAI
from supervision.models import Assignment, AssignmentKind as K, AssignmentTarget
from tests.listing import column, copies, read_xlsx, total

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(org, make_assignment):
    """An overdue red-carded item at unit A, an on-time one at unit A, one at unit B."""
    late = make_assignment(K.INSTRUCTION, title="关于解决不动产登记积压的批示")
    AssignmentTarget.objects.filter(assignment=late).update(
        status="handling", due_at=timezone.now() - timedelta(days=2), breach_level=Rung.RED)
    calm = make_assignment(K.MEETING, title="关于优化营商环境的会议决定")
    AssignmentTarget.objects.filter(assignment=calm).update(due_at=timezone.now() + timedelta(days=20))
    other = make_assignment(K.MEETING, title="关于市场主体年报的决定", lead_unit=org.unit_b)
    return {"late": late, "calm": calm, "other": other}


def _titles(html):
    return {t for t in ("关于解决不动产登记积压的批示", "关于优化营商环境的会议决定", "关于市场主体年报的决定") if t in html}


def test_search_by_number_or_title_finds_the_row(client, org, ledger):
    client.force_login(org.office)
    html = client.get(reverse("supervision:work"), {"q": ledger["late"].number}).content.decode()
    assert _titles(html) == {"关于解决不动产登记积压的批示"} and total(html) == 1
    html = client.get(reverse("supervision:work"), {"q": "营商 环境"}).content.decode()
    assert _titles(html) == {"关于优化营商环境的会议决定"}
    html = client.get(reverse("supervision:work"), {"q": "市场监督管理局"}).content.decode()  # a party: the unit
    assert _titles(html) == {"关于市场主体年报的决定"}


def test_filters_narrow_the_list(client, org, ledger):
    client.force_login(org.office)
    url = reverse("supervision:work")
    assert _titles(client.get(url, {"unit": org.unit_b.pk}).content.decode()) == {"关于市场主体年报的决定"}
    assert _titles(client.get(url, {"rung": "3"}).content.decode()) == {"关于解决不动产登记积压的批示"}
    assert _titles(client.get(url, {"window": "overdue", "kind": "instruction"}).content.decode()) == {
        "关于解决不动产登记积压的批示"}
    assert _titles(client.get(url, {"status": "assigned"}).content.decode()) == {
        "关于优化营商环境的会议决定", "关于市场主体年报的决定"}
    day = timezone.localtime(ledger["late"].targets.get().assigned_at, SHANGHAI).date()
    assert total(client.get(url, {"date_from": day, "date_to": day}).content.decode()) == 3
    assert total(client.get(url, {"date_from": day + timedelta(days=1)}).content.decode()) == 0


def test_a_bad_filter_value_is_shown_and_ignored_on_the_page_and_a_400_in_the_api(client, org, ledger):
    client.force_login(org.office)
    r = client.get(reverse("supervision:work"), {"rung": "9", "date_from": "yesterday"})
    assert r.status_code == 200 and total(r.content.decode()) == 3 and "errorlist" in r.content.decode()
    api = APIClient()
    api.force_authenticate(org.office)
    assert api.get("/api/v1/supervision/targets/", {"rung": "9"}).status_code == 400
    assert api.get("/api/v1/supervision/targets/", {"sort": "owner__password"}).status_code == 400


def test_sort_is_by_the_whitelisted_keys(client, org, ledger):
    client.force_login(org.office)
    html = client.get(reverse("supervision:work"), {"sort": "-due_at"}).content.decode()
    assert html.index("关于优化营商环境的会议决定") < html.index("关于解决不动产登记积压的批示")
    html = client.get(reverse("supervision:work"), {"sort": "due_at"}).content.decode()
    assert html.index("关于解决不动产登记积压的批示") < html.index("关于优化营商环境的会议决定")


def test_pages_show_the_total_and_page_2_holds_the_rest(client, org, ledger):
    target = ledger["calm"].targets.get()
    items = copies(ledger["calm"], 55, number=lambda i: f"JB-COPY-{i:03d}", title=lambda i: f"复制件{i:03d}")
    copies(target, 55, assignment_id=lambda i: items[i].pk)
    client.force_login(org.clerk_a)
    first = client.get(reverse("supervision:work")).content.decode()
    assert total(first) == 57 and "第 1/2 页" in first and 'rel="next"' in first
    second = client.get(reverse("supervision:work"), {"page": 2}).content.decode()
    assert second.count("<tr>") - 1 == 7  # the header row, then 57 − 50
    # nothing cut: the export holds every row of the filter
    rows = read_xlsx(client.get(reverse("supervision:work_export")))
    assert len(rows) == 1 + 57


def test_the_api_filters_give_the_same_rows_as_the_page(client, org, ledger):
    api = APIClient()
    api.force_authenticate(org.office)
    r = api.get("/api/v1/supervision/targets/", {"q": "不动产", "rung": "3", "window": "overdue"})
    assert r.status_code == 200
    assert [t["id"] for t in r.json()["results"]] == [ledger["late"].targets.get().pk]
    r = api.get("/api/v1/supervision/assignments/", {"q": ledger["other"].number})
    assert [a["id"] for a in r.json()["results"]] == [ledger["other"].pk]
    api.force_authenticate(org.clerk_b)  # the outsider's API list is scoped too, whatever the filter
    r = api.get("/api/v1/supervision/targets/", {"unit": org.unit_a.pk})
    assert r.status_code == 200 and r.json()["count"] == 0


def test_the_export_reads_back_with_chinese_headers_and_china_time(client, org, ledger):
    client.force_login(org.office)
    rows = read_xlsx(client.get(reverse("supervision:work_export"), {"q": "不动产"}))
    assert rows[0][:3] == ["交办编号", "交办事项", "来源类别"]
    assert column(rows, "交办编号") == [ledger["late"].number]
    assert column(rows, "预警") == ["红牌"] and column(rows, "承办单位") == [org.unit_a.name]
    # registered and dispatched at 10:00 China time (02:00 UTC): the sheet says 10:00
    assert column(rows, "交办时间") == [datetime(2024, 9, 13, 10, 0)]


def test_an_export_never_holds_another_units_rows(client, org, ledger):
    client.force_login(org.clerk_b)
    rows = read_xlsx(client.get(reverse("supervision:work_export")))
    assert column(rows, "交办编号") == [ledger["other"].number]
    rows = read_xlsx(client.get(reverse("supervision:work_export"), {"unit": org.unit_a.pk}))
    assert rows[1:] == []


def test_the_register_of_assignments_is_paged_filtered_and_exported(client, org, ledger):
    client.force_login(org.office)
    html = client.get(reverse("supervision:overview"), {"q": "年报"}).content.decode()
    assert total(html) == 1 and "关于市场主体年报的决定" in html
    rows = read_xlsx(client.get(reverse("supervision:assignment_export"), {"unit": org.unit_a.pk}))
    assert sorted(column(rows, "标题")) == sorted([ledger["late"].title, ledger["calm"].title])
    client.force_login(org.clerk_a)
    assert client.get(reverse("supervision:assignment_export")).status_code == 404


# --- 重点任务 ----------------------------------------------------------------------------------


@pytest.fixture
def tasks(org):
    from datetime import date

    import time_machine

    from supervision import services

    with time_machine.travel(datetime(2025, 1, 6, 9, 0, tzinfo=SHANGHAI), tick=False):
        tl = services.tasklist_create(actor=org.office, year=2025)
        make = lambda number, title, unit, deadline: services.keytask_create(  # noqa: E731
            actor=org.office, task_list=tl, number=number, title=title, goal="目标", standard="标准", unit=unit,
            deadline=deadline)
        return {"a1": make("1", "优化营商环境", org.unit_a, date(2025, 12, 31)),
                "a2": make("2", "不动产登记一窗受理", org.unit_a, date(2025, 6, 30)),
                "b1": make("3", "食品安全年度检查", org.unit_b, date(2025, 9, 30))}


def test_key_tasks_search_filter_and_export_with_the_page_filters(client, org, tasks):
    client.force_login(org.office)
    url = reverse("supervision:tasklist", args=[2025])
    html = client.get(url, {"q": "不动产"}).content.decode()
    assert total(html) == 1 and "不动产登记一窗受理" in html and "优化营商环境" not in html
    assert total(client.get(url, {"unit": org.unit_b.pk}).content.decode()) == 1
    assert total(client.get(url, {"date_to": "2025-09-30"}).content.decode()) == 2
    rows = read_xlsx(client.get(reverse("supervision:task_export", args=[2025]), {"unit": org.unit_a.pk}))
    numbers = [r[0] for r in rows if r and r[0] in ("1", "2", "3")]
    assert sorted(numbers) == ["1", "2"]
    api = APIClient()
    api.force_authenticate(org.office)
    r = api.get("/api/v1/supervision/task-lists/2025/tasks/", {"q": "食品"})
    assert [t["id"] for t in r.json()["results"]] == [tasks["b1"].pk]


def test_key_tasks_of_another_unit_never_reach_a_clerk_or_the_export(client, org, tasks):
    client.force_login(org.clerk_b)
    url = reverse("supervision:tasklist", args=[2025])
    assert total(client.get(url).content.decode()) == 1
    rows = read_xlsx(client.get(reverse("supervision:task_export", args=[2025])))
    assert [r[0] for r in rows if r and r[0] in ("1", "2", "3")] == ["3"]


def test_the_key_task_import_is_reachable_from_the_list_for_the_office(client, org, tasks):
    client.force_login(org.office)
    html = client.get(reverse("supervision:tasklist", args=[2025])).content.decode()
    assert reverse("supervision:task_import", args=[2025]) in html
    assert client.get(reverse("supervision:task_import", args=[2025])).status_code == 200
    client.force_login(org.clerk_a)
    assert reverse("supervision:task_import", args=[2025]) not in client.get(
        reverse("supervision:tasklist", args=[2025])).content.decode()


def _many(ledger, n, **fields):
    """n more items like the calm one, each with its target at unit A (ties on due_at, some NULL)."""
    target = ledger["calm"].targets.get()
    items = copies(ledger["calm"], n, number=lambda i: f"JB-MANY-{i:04d}", title=lambda i: f"批量件{i:04d}")
    return copies(target, n, assignment_id=lambda i: items[i].pk, **fields)


def _next(html):
    m = re.search(r'rel="next" href="([^"]+)"', html)
    return unescape(m.group(1)) if m else None


def test_keyset_pages_walk_every_row_once_and_keep_the_filters(client, org, ledger):
    base = timezone.now() + timedelta(days=3)
    _many(ledger, 120, due_at=lambda i: None if i % 10 == 0 else base + timedelta(hours=i % 4),
          status=lambda i: "closed" if i % 6 == 0 else "handling")
    expected = set(AssignmentTarget.objects.filter(unit=org.unit_a).exclude(status__in=AssignmentTarget.ENDED)
                   .values_list("assignment__number", flat=True))
    client.force_login(org.clerk_a)
    url, seen, pages = reverse("supervision:work") + "?status=open&sort=-due_at", [], 0
    while url:
        html = client.get(url).content.decode()
        seen += re.findall(r"<td>(JB[^<]*)</td>", html)
        url, pages = _next(html), pages + 1
        if url:
            assert "status=open" in url and "sort=-due_at" in url and "after=" in url and "page=" not in url
            url = reverse("supervision:work") + url if url.startswith("?") else url
    assert len(seen) == len(set(seen)) and set(seen) == expected and pages == 3
    api, results = APIClient(), []
    api.force_authenticate(org.clerk_a)
    url = "/api/v1/supervision/targets/?status=open&sort=-due_at"
    while url:
        body = api.get(url).json()
        assert body["count"] == len(expected) and body["count_estimated"] is False
        results += [t["id"] for t in body["results"]]
        url = body["next"]
        assert url is None or ("status=open" in url and "after=" in url)
    assert len(results) == len(set(results)) == len(expected)


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_work_list_costs_the_same_queries_at_10_and_1000_rows(client, org, ledger, rows,
                                                                  django_assert_max_num_queries):
    _many(ledger, rows)
    client.force_login(org.clerk_a)
    client.get(reverse("supervision:work"))  # the session and the user read once
    with django_assert_max_num_queries(12):
        assert client.get(reverse("supervision:work"), {"status": "open"}).status_code == 200
    client.force_login(org.office)
    client.get(reverse("supervision:overview"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("supervision:overview")).status_code == 200
    api = APIClient()
    api.force_authenticate(org.clerk_a)
    api.get("/api/v1/supervision/targets/")
    with django_assert_max_num_queries(8):
        assert api.get("/api/v1/supervision/targets/").status_code == 200
