"""The complaint list's order as a column (issue 17, "complaint list"): `Complaint.step_due` — the
complaint's own clock's due time while it runs, else its open review's (`review_due`, a copy the
review's clock hook keeps) — equals the expression the list used to compute per request after
every transition that changes the step; the list's order is unchanged; and the page's statement
reads the list's index in its order (no Sort node), for the default list, a status, every
complaint and a keyset page."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.db.models import Case, F, OuterRef, Subquery, When
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accountability import queries, services
from accountability.models import Complaint, ComplaintReview
from efficiency import clocks
from efficiency.models import PauseReason
from efficiency.rls import without_scope

from .conftest import file_complaint

pytestmark = pytest.mark.django_db
URL = "/accountability/complaints/"
API = "/api/v1/accountability/complaints/"


def old_step_due():
    """The list's order before issue 17: an expression over the review table, per request."""
    review_due = ComplaintReview.objects.open().filter(complaint=OuterRef("pk")).values("due_at")[:1]
    return Case(When(closed_at__isnull=True, then=F("due_at")), default=Subquery(review_due))


def step_due(c: Complaint):
    """The column, checked against the old expression; returns it."""
    column, expected = Complaint.objects.filter(pk=c.pk).annotate(old=old_step_due()).values_list("step_due", "old").get()
    assert column == expected
    return column


def due(obj):
    obj.refresh_from_db(fields=["due_at"])
    return obj.due_at


def test_the_step_due_column_follows_every_transition_of_the_step(org):
    office = org.office
    c = file_complaint(org.unit_a).complaint  # intake: the accept clock, inserted with the row
    assert step_due(c) == due(c) is not None
    c = services.complaint_accept(complaint=c, actor=office)
    assert step_due(c) is None  # accepted, not yet handed out: no step on the clock
    c = services.complaint_assign(complaint=c, actor=office, unit=org.unit_a)
    reply_due = due(c)
    assert step_due(c) == reply_due
    clocks.clock_pause(c, actor=office, reason=PauseReason.OTHER, note="等待鉴定")
    assert step_due(c) == reply_due
    clocks.clock_resume(c, actor=office, at=timezone.now() + timedelta(days=7))
    assert step_due(c) == due(c) > reply_due  # the pause is credited
    clocks.clock_extend(c, actor=org.head_a, value=5, reason="涉及多个部门")
    assert step_due(c) == due(c) > reply_due
    c = services.complaint_return(complaint=c, actor=org.head_a, reason="不属本单位职责")
    assert step_due(c) == due(c)  # back at the office, on the accept clock
    c = services.complaint_assign(complaint=c, actor=office, unit=org.unit_a)
    c = services.complaint_unit_reply(complaint=c, actor=org.head_a, reply="经核查属实，已当场办结并致歉。")
    review = ComplaintReview.objects.get(complaint=c, closed_at__isnull=True)
    assert step_due(c) == review.due_at != due(c)  # the office's review is the step now
    clocks.clock_pause(review, actor=office, reason=PauseReason.EXPERT, note="专家评审")
    assert step_due(c) == review.due_at
    before = review.due_at
    clocks.clock_resume(review, actor=office, at=timezone.now() + timedelta(days=7))
    assert step_due(c) == due(review) > before
    clocks.clock_extend(review, actor=office, value=2, reason="需补充调查")
    assert step_due(c) == due(review)
    # A calendar change recomputes the review's clock (efficiency.clocks.clocks_recompute): the
    # copy follows. Here the stored due time is made stale by hand; the recompute corrects it.
    ComplaintReview.objects.filter(pk=review.pk).update(due_at=F("due_at") - timedelta(days=30))
    Complaint.objects.filter(pk=c.pk).update(review_due=F("review_due") - timedelta(days=30))
    clocks.clocks_recompute(actor=office, reason="节假日调整")
    assert step_due(c) == due(review)
    c = services.complaint_rework(complaint=c, actor=office, reason="答复未说明处理结果")
    assert step_due(c) == due(c)  # the review closed, the unit's reply clock again
    c = services.complaint_unit_reply(complaint=c, actor=org.head_a, reply="已处理并回访投诉人。")
    assert step_due(c) == ComplaintReview.objects.get(complaint=c, closed_at__isnull=True).due_at
    c = services.complaint_send_reply(complaint=c, actor=office, substantiated=True)
    assert step_due(c) is None  # answered: nothing on the clock
    c = services.complaint_reexamine(complaint=c, reason="处理结果不满意")
    assert step_due(c) == due(c)  # back at the office on the accept clock
    declined = services.complaint_decline(complaint=file_complaint(org.unit_b).complaint, actor=office,
                                          reason="不属于效能投诉受理范围")
    assert step_due(declined) is None


def test_a_review_closed_in_bulk_clears_the_copy(org):
    c = file_complaint(org.unit_a).complaint
    c = services.complaint_accept(complaint=c, actor=org.office)
    c = services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)
    c = services.complaint_unit_reply(complaint=c, actor=org.head_a, reply="已办结。")
    review = ComplaintReview.objects.get(complaint=c)
    assert step_due(c) == review.due_at
    clocks.clocks_close(ComplaintReview, [review], actor=org.office)
    assert step_due(c) is None and Complaint.objects.get(pk=c.pk).review_due is None


def _walk(client_get, first_url):
    """Every row of a list through its `next` links (the API's keyset cursor)."""
    seen, url = [], first_url
    while url:
        body = client_get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    return seen


def _seed(org, n_extra: int):
    """Complaints at every step: received, accepted, assigned, replied (a review open), answered,
    closed, declined; then `n_extra` SQL copies of them with due times that tie in groups."""
    office = org.office
    made = [file_complaint(org.unit_a).complaint]
    made.append(services.complaint_accept(complaint=file_complaint(org.unit_a).complaint, actor=office))
    for _ in range(3):
        c = services.complaint_accept(complaint=file_complaint(org.unit_b).complaint, actor=office)
        made.append(services.complaint_assign(complaint=c, actor=office, unit=org.unit_b))
    for _ in range(2):
        c = services.complaint_accept(complaint=file_complaint(org.unit_a).complaint, actor=office)
        c = services.complaint_assign(complaint=c, actor=office, unit=org.unit_a)
        made.append(services.complaint_unit_reply(complaint=c, actor=org.head_a, reply="已办结。"))
    services.complaint_send_reply(complaint=made[-1], actor=office, substantiated=False)
    services.complaint_close(complaint=made[-1], actor=office)
    services.complaint_decline(complaint=file_complaint(org.unit_b).complaint, actor=office, reason="重复投诉")
    if n_extra:
        with connection.cursor() as cur:
            cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = "
                        "'accountability_complaint' AND column_name <> 'id' AND is_generated = 'NEVER'")
            cols = [r[0] for r in cur.fetchall()]
            # The copies have no review rows: their copy of a review's due time is empty.
            over = {"tracking_number": "'TC' || lpad(g::text, 12, '0')", "link_token_hash": "md5(g::text)",
                    "due_at": "t.due_at + (g %% 7) * interval '1 day'", "review_due": "NULL",
                    "filed_at": "t.filed_at - (g %% 3) * interval '1 hour'"}
            cur.execute(f"INSERT INTO accountability_complaint ({', '.join(cols)}) "
                        f"SELECT {', '.join(over.get(col, 't.' + col) for col in cols)} "
                        "FROM accountability_complaint t, generate_series(1, %s) g "
                        "WHERE g %% (SELECT count(*) FROM accountability_complaint) = "
                        "(SELECT count(*) FROM accountability_complaint u WHERE u.id < t.id)", [n_extra])
            cur.execute("ANALYZE accountability_complaint")


def test_the_list_keeps_its_order_and_every_row_once_through_the_keyset_pages(org):
    _seed(org, 130)
    old = (queries.complaints_visible(org.office).filter(queries.complaint_where({}))
           .annotate(old=old_step_due()).order_by(F("old").asc(nulls_last=True), "-filed_at", "-pk"))
    expected = list(old.values_list("pk", flat=True))
    assert len(expected) > 100  # three pages
    assert list(queries.complaint_list(org.office, open_only=True).values_list("pk", flat=True)) == expected
    api = APIClient()
    api.force_authenticate(org.office)
    assert _walk(api.get, API) == expected
    every = list(queries.complaints_visible(org.office).annotate(old=old_step_due())
                 .order_by(F("old").asc(nulls_last=True), "-filed_at", "-pk").values_list("pk", flat=True))
    assert _walk(api.get, API + "?status=all") == every
    assigned = [pk for pk in every if Complaint.objects.get(pk=pk).status == Complaint.Status.ASSIGNED]
    assert _walk(api.get, API + "?status=assigned") == assigned


def _nodes(plan: dict):
    yield plan
    for sub in plan.get("Plans", []):
        yield from _nodes(sub)


def _page_statement(client, url: str):
    with CaptureQueriesContext(connection) as q:
        assert client.get(url).status_code == 200
    pages = [s["sql"] for s in q.captured_queries
             if 'FROM "accountability_complaint"' in s["sql"] and "ORDER BY" in s["sql"] and "LIMIT 51" in s["sql"]]
    assert len(pages) == 1, [s["sql"][:200] for s in q.captured_queries]
    return pages[0]


OPEN, STATUS, EVERY = "acc_complaint_open_step", "acc_complaint_status_step", "acc_complaint_step"


@pytest.mark.parametrize(("query", "indexes"), [
    ("", {OPEN, EVERY}),
    # One status: its own index, or (when that status is much of the open list) the open one.
    ("?status=assigned", {STATUS, OPEN, EVERY}),
    ("?status=all", {EVERY}),
])
def test_the_page_statement_reads_the_lists_index_in_order_without_a_sort(client, org, query, indexes):
    _seed(org, 3000)
    client.force_login(org.office)
    first = client.get(URL + query)
    after = first.context["page"].next_token
    assert after  # more than one page: the keyset page is checked too
    urls = [URL + query, URL + (query + "&" if query else "?") + urlencode({"after": after})]
    for url in urls:
        sql = _page_statement(client, url)
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (FORMAT JSON) " + without_scope(sql))
            raw = cur.fetchone()[0]
        plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
        nodes = list(_nodes(plan))
        assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")], json.dumps(plan)[:3000]
        # The page's rows (not the bounded count's InitPlan) come from an index in the list's order.
        page_scans = [n for n in nodes if n.get("Alias") == "accountability_complaint"]
        assert [n.get("Index Name") in indexes for n in page_scans] == [True], json.dumps(plan)[:3000]
        if "after=" in url:  # a deep page starts the scan at its cursor, it does not filter from the top
            assert "step_due >=" in page_scans[0].get("Index Cond", ""), json.dumps(page_scans[0])
