"""A hot statement prepared once per connection (efficiency/pg/prepared.py, issue #17): the
same results as the plain statement, one round trip even the first time, a new connection
prepares again, a failed first use leaves no name behind that would clash, and the setting
turns it off (a transaction-pooling pooler)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from efficiency.pg.prepared import execute_prepared
from efficiency.rls import without_scope

pytestmark = pytest.mark.django_db

SQL = "SELECT %s::int + %s::int, 'a%%b', %s::text[]"


def run(sql=SQL, params=(1, 2, ["x", "y"])):
    with connection.cursor() as cur:
        execute_prepared(cur, sql, list(params))
        return cur.fetchone()


def prepared_names() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM pg_prepared_statements ORDER BY name")
        return [name for (name,) in cur.fetchall()]


def test_a_statement_is_prepared_once_and_executed_by_name():
    with CaptureQueriesContext(connection) as first:
        assert run() == (3, "a%b", ["x", "y"])
    with CaptureQueriesContext(connection) as again:
        assert run(params=(5, 6, [])) == (11, "a%b", [])
    assert len(first) == 1 and without_scope(first[0]["sql"]).startswith("PREPARE ")  # one round trip: PREPARE; EXECUTE
    assert len(again) == 1 and without_scope(again[0]["sql"]).startswith("EXECUTE efficiency_hot_")
    assert without_scope(again[0]["sql"]).split("(")[0].split()[-1] in prepared_names()


@pytest.mark.django_db(transaction=True)  # a connection of its own, closed outside any transaction
def test_a_new_connection_prepares_again():
    run()
    connection.close()
    with CaptureQueriesContext(connection) as captured:
        assert run() == (3, "a%b", ["x", "y"])
    assert without_scope(captured[0]["sql"]).startswith("PREPARE ")


def test_a_failed_first_use_is_retried_under_a_new_name():
    sql = "SELECT 1 / %s::int"
    with pytest.raises(Exception), transaction.atomic():  # division by zero after the PREPARE went through
        run(sql, [0])
    assert run(sql, [1]) == (1,)  # not "prepared statement already exists"
    assert run(sql, [2]) == (0,)


def test_the_setting_turns_it_off(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as captured:
        assert run() == (3, "a%b", ["x", "y"])
    assert without_scope(captured[0]["sql"]).startswith("SELECT ")


def test_a_unique_violation_in_a_prepared_write_is_an_integrity_error():
    """The complaint's filing retries a duplicate tracking number (IntegrityError) as before."""
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE prepared_once (k int PRIMARY KEY)")
    sql = "INSERT INTO prepared_once VALUES (%s) RETURNING k"
    assert run(sql, [1]) == (1,)
    with pytest.raises(IntegrityError), transaction.atomic():
        run(sql, [1])
    assert run(sql, [2]) == (2,)


@pytest.mark.django_db(transaction=True)  # a real transaction, for SET LOCAL to end with
def test_generic_forces_the_generic_plan_from_the_first_execute_for_the_transaction_only():
    sql = "SELECT count(*) FROM pg_class WHERE relpages >= %s"
    with transaction.atomic():
        with connection.cursor() as cur:
            execute_prepared(cur, sql, [0], generic=True)
            execute_prepared(cur, sql, [1], generic=True)
            cur.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                        "WHERE statement LIKE '%%relpages >= $1%%'")
            assert cur.fetchone() == (2, 0)  # PostgreSQL alone: five custom plans first
    with connection.cursor() as cur:
        cur.execute("SHOW plan_cache_mode")
        assert cur.fetchone() == ("auto",)  # SET LOCAL: over with the transaction


def test_the_worker_keeps_its_connection_between_tasks_by_djangos_rule(monkeypatch):
    """Celery's Django fixup closed the worker's connection after every task, and with it the
    sweep's prepared statements; now it never does (CELERY_DB_REUSE_MAX), and the worker closes
    the connection when Django would (efficiency/celery.py) — not for an eager task."""
    from types import SimpleNamespace

    from celery.fixups.django import DjangoWorkerFixup

    import efficiency.celery as worker

    assert DjangoWorkerFixup(worker.app).db_reuse_max >= 2**31
    calls = []
    monkeypatch.setattr("django.db.close_old_connections", lambda: calls.append(1))
    worker.close_old_connections(sender=SimpleNamespace(request=SimpleNamespace(is_eager=True)))
    assert calls == []
    worker.close_old_connections(sender=SimpleNamespace(request=SimpleNamespace(is_eager=False)))
    assert calls == [1]


def test_a_session_that_lost_its_statements_fails_once_then_prepares_again():
    """Someone ran DEALLOCATE ALL (or DISCARD ALL) on the session behind our back: the call that
    finds its name gone fails, the module forgets what it had prepared, and the next call works."""
    assert run() == (3, "a%b", ["x", "y"])
    with connection.cursor() as cur:
        cur.execute("DEALLOCATE ALL")
    with pytest.raises(Exception, match="does not exist"), transaction.atomic():
        run()
    with CaptureQueriesContext(connection) as captured:
        assert run() == (3, "a%b", ["x", "y"])
    assert without_scope(captured[0]["sql"]).startswith("PREPARE ")
