"""A unit user's complaint list read as its own rows and the shared ones (`permissions.scope_arms`,
`listing.ledger_page`'s `arms`, docs/rls.md Cost): the same rows in the same order as the one
read of `scope`, across keyset pages both ways; the own rows read through the unit's index."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accountability import queries
from accountability.models import Complaint
from efficiency.permissions import share_with_units
from efficiency.rls import without_scope

from tests.rls import app_role  # noqa: F401 - fixture

from .test_complaint_step_due import _nodes, _seed

URL = "/accountability/complaints/"


def _share_some_of_b(org):
    """Every other one of unit B's complaints shared with unit A's group (a co-unit grant)."""
    theirs = list(Complaint.objects.filter(unit=org.unit_b).order_by("pk"))
    assert theirs
    share_with_units([(c, org.unit_a) for c in theirs[::2]])


def _walk(client, url):
    """The page's rows through its `after` links, then back through the `before` links."""
    forward, pages, page = [], [], None
    while True:
        response = client.get(url)
        assert response.status_code == 200
        page = response.context["page"]
        pages.append([row.pk for row in page.object_list])
        forward += pages[-1]
        if not page.next_token:
            break
        url = URL + "?" + urlencode({**({"status": "all"} if "status=all" in url else {}), "after": page.next_token})
    backward = [pages[-1]]
    while page.prev_token:
        url = URL + "?" + urlencode({**({"status": "all"} if "status=all" in url else {}), "before": page.prev_token})
        page = client.get(url).context["page"]
        backward.append([row.pk for row in page.object_list])
    return forward, pages, backward[::-1], page


@pytest.mark.parametrize("query", ["", "?status=all"])
def test_a_unit_users_list_shows_its_own_and_the_shared_rows_in_the_same_order_across_pages(client, org, query):
    _seed(org, 700)
    _share_some_of_b(org)
    user = org.clerk_a
    one_read = queries.complaint_list(user, open_only=not query)  # `scope`'s OR, one read
    expected = list(one_read.values_list("pk", flat=True))
    mine = set(Complaint.objects.filter(unit=org.unit_a).values_list("pk", flat=True))
    assert len(expected) > 100 and set(expected) - mine and set(expected) & mine  # three pages, both arms
    client.force_login(user)
    forward, pages, backward, first = _walk(client, URL + query)
    assert forward == expected
    assert backward == pages  # the `before` links give the same pages back
    total = client.get(URL + query).context["page"].total
    assert total.n == len(expected) and not total.estimated
    # page=N (OFFSET) too
    assert [row.pk for row in client.get(URL + (query + "&" if query else "?") + "page=2").context["page"]] == pages[1]


def test_under_row_level_security_a_unit_user_sees_the_same_own_and_shared_rows(app_role, org):  # noqa: F811
    """As the app role (the policy's co-unit arm checks the complaint's own `view_` permission:
    efficiency 0020), the page holds what `scope` holds, the shared complaints included."""
    from django.test import Client

    _seed(org, 40)
    _share_some_of_b(org)
    expected = list(queries.complaint_list(org.clerk_a, open_only=True).values_list("pk", flat=True))
    assert set(expected) - set(Complaint.objects.filter(unit=org.unit_a).values_list("pk", flat=True))
    client = Client()
    client.force_login(org.clerk_a)
    forward, _pages, _back, _page = _walk(client, URL)
    assert forward == expected


def test_a_unit_users_search_over_a_relation_is_one_read_with_the_same_rows(client, org):
    """`q` over the units' names makes the list DISTINCT: read as before (`listing._read`)."""
    _seed(org, 60)
    _share_some_of_b(org)
    client.force_login(org.clerk_a)
    response = client.get(URL + "?" + urlencode({"q": "鄂州市"}))
    assert response.status_code == 200
    expected = list(queries.complaint_list(org.clerk_a, open_only=True).values_list("pk", flat=True))[:50]
    assert [row.pk for row in response.context["page"].object_list] == expected


def test_the_office_list_is_one_read(client, org):
    """Region-wide users have no arms: their list stays the one ordered read."""
    assert queries.complaint_arms(org.office) is None and queries.complaint_arms(org.leader) is None
    assert len(queries.complaint_arms(org.clerk_a)) == 2


def test_a_unit_users_open_list_reads_its_own_rows_through_the_units_index_without_a_sort(client, org):
    _seed(org, 3000)
    _share_some_of_b(org)
    client.force_login(org.clerk_a)
    after = client.get(URL).context["page"].next_token
    assert after
    for url in (URL, URL + "?" + urlencode({"after": after})):
        with CaptureQueriesContext(connection) as q:
            assert client.get(url).status_code == 200
        pages = [s["sql"] for s in q.captured_queries
                 if 'FROM "accountability_complaint"' in s["sql"] and "UNION ALL" in s["sql"] and "LIMIT 51" in s["sql"]]
        assert len(pages) == 1, [s["sql"][:200] for s in q.captured_queries]
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (FORMAT JSON) " + without_scope(pages[0]))
            raw = cur.fetchone()[0]
        plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
        own = [n for n in _nodes(plan) if n.get("Index Name") == "acc_complaint_unit_open_step"]
        assert len(own) == 1, json.dumps(plan)[:3000]
        if "after=" in url:
            # A deep page starts the unit's read at its cursor. (At this test's size the planner
            # reads the unit's rows after it by bitmap and sorts them: docs/rls.md, Cost.)
            assert "step_due >=" in own[0].get("Index Cond", ""), json.dumps(own[0])
        else:
            # Its arm's LIMIT stops the scan itself: the unit's rows come in the list's order, no
            # Sort of them (only the ≤ 2 × 51 keys the arms give are sorted, with the page's joins).
            assert [n for n in _nodes(plan) if n["Node Type"] == "Limit" and n["Plans"][0] is own[0]], \
                json.dumps(plan)[:3000]
