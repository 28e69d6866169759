"""Issue 17 point 6: every list of the API pages (`efficiency.listing.LedgerPagination`: `next` /
`previous` keyset cursors, `count` exact up to 1,000 rows and estimated above) or is bounded by
construction — no list cut at 200 rows, none unbounded. Walking `next` gives every visible row
once, in the list's order; another unit's rows never appear; the queries a page costs do not
grow with the rows (10 and 1,000)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from dashboards.models import ScorecardPublication
from efficiency.models import Rank
from supervision.models import HardProblem, KeyProject, ServiceTeam

pytestmark = pytest.mark.django_db

# GET operations answering a bare array: each bounded by what it lists, never by a table's growth.
BOUNDED = {
    "/api/v1/approvals/items/": "the published service catalogue (hundreds of items, the public guide)",
    "/api/v1/approvals/satisfaction/": "one row per unit, from the UnitSatisfaction rollup",
    "/api/v1/dashboards/annual/": "one row per unit and year",
    "/api/v1/dashboards/ranking/": "one row per unit, the stored month's ranking",
    "/api/v1/documents/": "the documents of one item",
    "/api/v1/duty/units/{unit_id}/posts/": "the posts of one unit",
}


def _get_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        for response in get.get("responses", {}).values():
            body = response.get("content", {}).get("application/json", {}).get("schema", {})
            yield path, body


def test_every_list_of_the_api_pages_or_is_bounded_by_what_it_lists():
    arrays = {path for path, body in _get_operations() if body.get("type") == "array"}
    paged = {path for path, body in _get_operations() if "Paginated" in body.get("$ref", "")}
    assert arrays <= set(BOUNDED), f"a list endpoint answers a bare array: {sorted(arrays - set(BOUNDED))}"
    for path in ("/api/v1/supervision/projects/", "/api/v1/supervision/problems/",
                 "/api/v1/dashboards/publications/", "/api/v1/supervision/targets/"):
        assert path in paged


def _projects(org, n, unit, *, start=0):
    now = timezone.now()
    rows = KeyProject.objects.bulk_create([
        KeyProject(number=f"XM-{unit.code}-{start + i:05d}", name=f"项目 {i}", enterprise="企业", enterprise_contact="联系人",
                   investment=100, unit=unit, registered_at=now - timedelta(minutes=(start + i) % 7),  # ties
                   registered_by=org.office)
        for i in range(n)])
    ServiceTeam.objects.bulk_create([ServiceTeam(project=p, leader=org.head_a if unit == org.unit_a else org.head_b,
                                                 leader_rank=Rank.DIVISION, formed_at=now) for p in rows])
    return rows


def _problems(org, n, unit, *, start=0):
    now = timezone.now()
    return HardProblem.objects.bulk_create([
        HardProblem(number=f"NT-{unit.code}-{start + i:05d}", title=f"难题 {i}", description="情况", region=org.region,
                    plan="方案", leader=org.head_a if unit == org.unit_a else org.head_b, unit=unit,
                    created_at=now - timedelta(minutes=(start + i) % 5), created_by=org.office)
        for i in range(n)])


def _walk(api, url, key="id"):
    """Every row of the list by following `next` (each row's `key`); the pages' counts."""
    ids, counts, pages = [], set(), 0
    while url:
        body = api.get(url).json()
        assert set(body) == {"count", "count_estimated", "next", "previous", "results"}
        ids += [row[key] for row in body["results"]]
        counts.add((body["count"], body["count_estimated"]))
        url, pages = body["next"], pages + 1
        assert url is None or "after=" in url
    return ids, counts, pages


@pytest.mark.parametrize("kind", ["projects", "problems"])
def test_the_projects_and_problems_api_pages_every_visible_row_once_in_order(org, kind):
    make = _projects if kind == "projects" else _problems
    model = KeyProject if kind == "projects" else HardProblem
    make(org, 120, org.unit_a)
    others = {r.pk for r in make(org, 30, org.unit_b, start=500)}
    api = APIClient()
    api.force_authenticate(org.clerk_a)
    ids, counts, pages = _walk(api, f"/api/v1/supervision/{kind}/")
    expected = list(model.objects.filter(unit=org.unit_a).values_list("pk", flat=True))  # the model's order
    assert ids == expected and len(set(ids)) == 120 and pages == 3
    assert counts == {(120, False)}
    assert not others & set(ids)  # another unit's rows never reach the clerk
    api.force_authenticate(org.office)  # the office sees both units'
    ids, counts, _pages = _walk(api, f"/api/v1/supervision/{kind}/")
    assert len(ids) == len(set(ids)) == 150 and others <= set(ids) and counts == {(150, False)}


def test_a_row_added_between_two_pages_neither_repeats_nor_shifts_one(org):
    _projects(org, 60, org.unit_a)
    api = APIClient()
    api.force_authenticate(org.clerk_a)
    first = api.get("/api/v1/supervision/projects/").json()
    _projects(org, 1, org.unit_a, start=900)[0]  # newest: it sorts before page 1's rows
    second = api.get(first["next"]).json()
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(ids) == len(set(ids)) == 60


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_projects_and_problems_api_cost_the_same_queries_at_10_and_1000_rows(org, rows,
                                                                                 django_assert_max_num_queries):
    _projects(org, rows, org.unit_a)
    _problems(org, rows, org.unit_a)
    api = APIClient()
    api.force_authenticate(org.clerk_a)
    for kind in ("projects", "problems"):
        api.get(f"/api/v1/supervision/{kind}/")
        # the page with its bounded count (one statement), the scope, the prefetches
        with django_assert_max_num_queries(8):
            body = api.get(f"/api/v1/supervision/{kind}/").json()
        assert body["count"] == rows and len(body["results"]) == min(rows, 50)


def test_the_publications_api_pages_with_a_next_link(org):
    now = timezone.now()
    ScorecardPublication.objects.bulk_create([
        ScorecardPublication(month=date(2000 + i // 12, 1 + i % 12, 1), published_at=now, published_by=org.office)
        for i in range(70)])
    api = APIClient()
    api.force_authenticate(org.office)
    months, counts, pages = _walk(api, "/api/v1/dashboards/publications/", key="month")
    assert len(months) == len(set(months)) == 70 and pages == 2 and counts == {(70, False)}
    assert months == sorted(months, reverse=True)  # newest first, across the two pages


def test_the_audit_log_pages_by_keyset_and_walks_every_row_once(client, org):
    import re
    from html import unescape

    from django.urls import reverse

    from efficiency.models import AuditLog

    AuditLog.objects.bulk_create([AuditLog(action="action", summary=f"分页行 {i:03d}") for i in range(120)])
    client.force_login(org.auditadmin)
    url, seen, pages = reverse("audit_list") + "?action=action", [], 0
    while url:
        html = client.get(url).content.decode()
        seen += re.findall(r"分页行 (\d{3})", html)
        m = re.search(r'rel="next" href="([^"]+)"', html)
        url, pages = (reverse("audit_list") + unescape(m.group(1))) if m else None, pages + 1
        assert url is None or ("after=" in url and "action=action" in url)
    assert len(seen) == len(set(seen)) == 120 and pages == 3
    assert seen == sorted(seen, reverse=True)  # newest first: one statement's rows by id, descending
