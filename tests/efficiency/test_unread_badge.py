"""The unread badge on every page (issue 17): counted up to a bound through a LIMITed subquery
over a partial index, shown as "99+" from there."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from efficiency.events import event_emit
from efficiency.models import Notification
from efficiency.notifications import UNREAD_BOUND, inbox_unread_count

pytestmark = pytest.mark.django_db


def _unread(user, n):
    event = event_emit("test.notice", subject=user, actor=None, recipients=[], message="x")
    Notification.objects.bulk_create(
        Notification(event=event, user=user, recipient=f"user:{user.pk}#{i}", channel="inbox") for i in range(n))


def _badge(client):
    return client.get("/inbox/badge/").content.decode()


def test_the_badge_shows_the_count_below_the_bound_and_99_plus_above(client, org):
    client.force_login(org.clerk_a)
    _unread(org.clerk_a, 7)
    _unread(org.clerk_b, 150)  # another person's messages count for them only
    assert '<span class="badge" id="unread-count">7</span>' in _badge(client)
    _unread(org.clerk_a, UNREAD_BOUND - 8)  # 99
    assert '<span class="badge" id="unread-count">99</span>' in _badge(client)
    _unread(org.clerk_a, 1)  # 100
    assert '<span class="badge" id="unread-count">99+</span>' in _badge(client)
    _unread(org.clerk_a, 400)
    assert '<span class="badge" id="unread-count">99+</span>' in _badge(client)
    assert "您有 99+ 条未读消息" in client.get("/").content.decode()
    client.force_login(org.clerk_b)
    assert '<span class="badge" id="unread-count">99+</span>' in _badge(client)


def test_the_count_is_one_bounded_statement(org):
    _unread(org.clerk_a, UNREAD_BOUND + 50)
    with CaptureQueriesContext(connection) as captured:
        assert inbox_unread_count(org.clerk_a) == UNREAD_BOUND
    (sql,) = [q["sql"] for q in captured.captured_queries]
    assert f"LIMIT {UNREAD_BOUND}" in sql and '"read_at" IS NULL' in sql


def test_a_partial_index_serves_the_unread_count():
    with connection.cursor() as c:
        c.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'notification_unread_inbox'")
        (indexdef,) = c.fetchone()
    assert "(user_id)" in indexdef and "read_at IS NULL" in indexdef and "'inbox'" in indexdef
