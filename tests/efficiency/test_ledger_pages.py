"""efficiency.listing's pages (issue 17, 6): keyset pages cover every row once in the list's
order, forwards and backwards, with NULLs and ties; a row removed between two pages does not
shift the next one; a forged cursor is the first page; the total is exact when small and the
planner's estimate, said so, when large."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.http import QueryDict

from efficiency import listing
from efficiency.models import Event, Notification
from efficiency.workdays import SHANGHAI

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def messages(org):
    """137 inbox rows of one person: read_at NULL for a third, else one of three times (ties);
    titles repeat every 7 rows."""
    event = Event.objects.create(kind="test", subject_type="clocktest.timeditem", subject_id=1)
    Notification.objects.bulk_create([
        Notification(event=event, user=org.clerk_a, recipient=f"user:{org.clerk_a.pk}:{i}", channel="inbox",
                     title=f"消息{i % 7}", status="sent", read_at=None if i % 3 == 0 else T0 + timedelta(hours=i % 4))
        for i in range(137)])
    return Notification.objects.filter(user=org.clerk_a)


def _walk(qs, per_page=20, backwards_from=None):
    """Every page's rows following the `next` cursors (or the `previous` ones from a page)."""
    pages, params = [], QueryDict()
    page = backwards_from or listing.ledger_page(qs, params, per_page=per_page)
    while True:
        pages.append([n.pk for n in page.object_list])
        token = page.prev_token if backwards_from else page.next_token
        if not token:
            return pages
        page = listing.ledger_page(qs, QueryDict(mutable=True) | {"before" if backwards_from else "after": token},
                                   per_page=per_page)


ORDERS = [("-read_at",), ("read_at",), (F("read_at").asc(nulls_first=True),), (F("read_at").desc(nulls_last=True),),
          ("stored_title", "-read_at"), ("-created_at",)]


@pytest.mark.parametrize("order", ORDERS, ids=[str(o) for o in ORDERS])
def test_keyset_pages_hold_every_row_once_in_the_lists_order(messages, order):
    qs = messages.order_by(*order)
    keys = listing._order_keys(qs)
    expected = [n.pk for n in qs.order_by(*(k.order() for k in keys))]
    assert len(expected) == 137
    pages = _walk(qs)
    assert [pk for page in pages for pk in page] == expected  # none skipped, none repeated, in order
    assert [len(p) for p in pages] == [20] * 6 + [17]
    last = listing.ledger_page(qs, QueryDict(mutable=True) | {"page": "7"}, per_page=20)
    assert [n.pk for n in last.object_list] == pages[-1] and not last.has_next
    back = _walk(qs, backwards_from=last)
    assert back == pages[::-1]


def test_a_row_removed_between_two_pages_shifts_nothing(messages):
    qs = messages.order_by("stored_title")
    first = listing.ledger_page(qs, QueryDict(), per_page=20)
    expected_second = [n.pk for n in qs.order_by("stored_title", "pk")[20:40]]
    Notification.objects.filter(pk=first.object_list[0].pk).delete()  # by OFFSET, page 2 would skip a row
    second = listing.ledger_page(qs, QueryDict(mutable=True) | {"after": first.next_token}, per_page=20)
    assert [n.pk for n in second.object_list] == expected_second and second.number == 2


@pytest.mark.parametrize("token", ["garbage", "eyJ2IjpbMV0sIm4iOjJ9:forged", ""])
def test_a_forged_or_garbled_cursor_is_the_first_page(messages, token):
    qs = messages.order_by("-read_at")
    page = listing.ledger_page(qs, QueryDict(mutable=True) | {"after": token, "before": token}, per_page=20)
    assert page.number == 1 and [n.pk for n in page.object_list] == _walk(qs)[0]


def test_the_total_is_exact_when_small_and_an_estimate_said_so_when_large(messages, django_assert_max_num_queries):
    qs = messages.order_by("-read_at")
    page = listing.ledger_page(qs, QueryDict(), per_page=20)
    assert page.total == 137 and not page.total.estimated and page.num_pages == 7
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE efficiency_notification")
    with django_assert_max_num_queries(2):  # the bounded count and the planner's estimate
        total = listing.count_total(qs, exact_up_to=100)
    assert total.estimated and not total.at_least and 100 < total.n < 1000  # the planner's guess, flagged
    small = listing.ledger_page(qs.filter(stored_title="消息1"), QueryDict(), per_page=50)
    assert small.total == 20 and not small.total.estimated and not small.has_next


def test_the_page_says_about_when_the_total_is_estimated(client, org, messages, monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE efficiency_notification")
    client.force_login(org.clerk_a)
    html = client.get("/inbox/").content.decode()
    assert 'data-total="137"' in html and "共 137 条" in html and "第 1/3 页" in html
    monkeypatch.setattr(listing, "EXACT_COUNT_UP_TO", 100)
    html = client.get("/inbox/").content.decode()
    assert "data-estimated" in html and "约 " in html and "共 137 条" not in html
    assert 'rel="next"' in html and "末页" not in html  # no last page to link when the total is a guess


@pytest.mark.parametrize("order", ORDERS, ids=[str(o) for o in ORDERS])
def test_values_rows_page_and_count_like_model_rows(messages, order, django_assert_num_queries):
    """`listing.values_rows` (a wide list's page as values, no model instance a row): the same
    pages in the same order, the order's columns the rows do not read carried for the cursors,
    and the total in the page's one statement."""
    qs = messages.order_by(*order)
    rows = listing.values_rows(qs, listing.Row, "pk", "stored_title")
    with django_assert_num_queries(1):
        first = listing.ledger_page(rows, QueryDict(), per_page=20, count_qs=qs)
    assert isinstance(first.object_list[0], listing.Row) and first.total == 137 and not first.total.estimated
    assert _walk(rows) == _walk(qs)
