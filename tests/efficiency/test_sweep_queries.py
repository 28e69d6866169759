"""The normal minute costs a constant number of queries, whatever the number of open clocks
(issue 17): one probe for every clock model, then one statement per model with rows due — the
claim, its events and their deliveries."""

from datetime import datetime, timedelta

import pytest

from efficiency import clocks
from efficiency.clocks import Limit
from efficiency.models import Event, Notification
from efficiency.notifications import notifications_fan_out
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem

START = datetime(2025, 9, 1, 9, tzinfo=SHANGHAI)
SWEEP_AT = datetime(2025, 9, 5, 10, tzinfo=SHANGHAI)  # 3 working days from START are past due

pytestmark = pytest.mark.django_db


def make_items(org, n: int, start: datetime) -> None:
    items = []
    for i in range(n):
        item = TimedItem(unit=org.unit_a, owner=org.clerk_a, title=f"事项{i}")
        clocks.clock_start(item, actor=None, limit=Limit(3), start=start, save=False)
        items.append(item)
    TimedItem.objects.bulk_create(items)


@pytest.mark.parametrize("open_clocks", [10, 1000])
def test_the_normal_minute_issues_the_same_few_queries_at_any_table_size(
        org, open_clocks, django_assert_max_num_queries, django_assert_num_queries):
    make_items(org, open_clocks, START + timedelta(days=30))  # not due at SWEEP_AT
    make_items(org, 5, START)  # due: 0 → 黄牌

    # The probe (whether any row is due, per model), and for the one model with rows due the
    # claim with its events and their deliveries — in the caller's transaction, no savepoint. No
    # count of the table, no planner settings to put back, nothing per row, no fan-out after.
    with django_assert_max_num_queries(2):
        counts = sweep(now=SWEEP_AT)
    assert counts["clocktest.timeditem"] == 5
    assert sum(counts.values()) == 5
    cards = Event.objects.filter(kind="clock.breach", level_to=2)
    assert cards.count() == 5 and not cards.filter(fanned_out=False).exists()
    # 黄牌: the owner and the unit's head, inbox and e-mail each.
    assert Notification.objects.filter(event__in=cards).count() == 5 * 4
    with django_assert_num_queries(1):
        assert notifications_fan_out() == 0

    # Nothing due: one statement for every clock model.
    with django_assert_num_queries(1):
        assert sum(sweep(now=SWEEP_AT + timedelta(minutes=1)).values()) == 0


def _statements(captured) -> list[str]:
    return [q["sql"].removeprefix(GENERIC).split("(")[0].split()[0] for q in captured]


GENERIC = "SET LOCAL plan_cache_mode = force_generic_plan; "


def test_the_normal_minute_is_prepared_once_per_connection_and_the_walk_is_not(org, settings):
    """The probe and the small claim are server-side prepared statements (efficiency/pg/prepared.py:
    parsed and planned once per connection, a generic plan from the first EXECUTE on); a full
    first batch's count and the batches after it are planned each time (their sizes vary, and they
    set the planner first). `DATABASE_PREPARED_STATEMENTS = False` (PgBouncer's transaction mode):
    plain statements, the same rows."""
    from django.db import DEFAULT_DB_ALIAS, connection, connections
    from django.test.utils import CaptureQueriesContext

    from efficiency.pg.prepared import forget

    with connection.cursor() as cur:  # as a new connection: nothing prepared (another test's may be)
        cur.execute("DEALLOCATE ALL")
    forget(connections[DEFAULT_DB_ALIAS])  # the wrapper itself: `connection` is only a proxy to it
    make_items(org, 3, START)
    with CaptureQueriesContext(connection) as first:
        assert sweep(now=SWEEP_AT)["clocktest.timeditem"] == 3
    make_items(org, 3, START)
    with CaptureQueriesContext(connection) as again:
        assert sweep(now=SWEEP_AT)["clocktest.timeditem"] == 3
    assert _statements(first) == ["PREPARE", "PREPARE"]  # PREPARE …; EXECUTE …: one round trip each
    assert _statements(again) == ["EXECUTE", "EXECUTE"]
    assert all(GENERIC in q["sql"] for q in [*first, *again])  # a generic plan from the first EXECUTE
    with connection.cursor() as cur:
        cur.execute("SELECT sum(generic_plans), sum(custom_plans) FROM pg_prepared_statements")
        assert cur.fetchone() == (4, 0)  # the probe and the claim, planned once each: generic

    make_items(org, 5, START)
    with CaptureQueriesContext(connection) as walked:  # a full first batch of 2: the batches after it
        assert sweep(now=SWEEP_AT, batch=2)["clocktest.timeditem"] == 5
    kinds = _statements(walked)
    assert kinds[:2] == ["EXECUTE", "PREPARE"]  # the probe; the claim of LIMIT 2 (a text of its own)
    assert "PREPARE" not in kinds[2:] and "EXECUTE" not in kinds[2:]

    settings.DATABASE_PREPARED_STATEMENTS = False
    make_items(org, 3, START)
    with CaptureQueriesContext(connection) as plain:
        assert sweep(now=SWEEP_AT)["clocktest.timeditem"] == 3
    assert _statements(plain)[0] == "SELECT" and _statements(plain)[1] == "WITH"
    assert Event.objects.filter(kind="clock.breach").count() == 14
