"""The per-request health check of a persistent connection without a round trip (efficiency/pg,
issue #17): a quiet socket is trusted, a connection the server ended is replaced, not failed."""

import select

import pytest
from django.db import connection


def _request_starts() -> None:
    """What Django does on `request_started` for a persistent connection (CONN_MAX_AGE not
    reached: the test settings may keep none)."""
    connection.close_at = None
    connection.close_if_unusable_or_obsolete()


def _pid() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


@pytest.fixture
def selects_1(monkeypatch):
    """Counts Django's own check (`is_usable`: SELECT 1)."""
    calls = []
    real = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: calls.append(1) or real())
    return calls


@pytest.mark.django_db(transaction=True)
def test_a_quiet_connection_is_reused_without_select_1(selects_1):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] and connection.health_check_enabled
    pid = _pid()
    _request_starts()
    assert not connection.health_check_done
    assert _pid() == pid
    assert selects_1 == [] and connection.health_check_done


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_checked_and_replaced(selects_1, other_process):
    pid = _pid()
    with other_process.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's FATAL message on its way: wait for the socket (not a timing assertion).
    assert select.select([connection.connection.fileno()], [], [], 10)[0]
    _request_starts()
    new_pid = _pid()  # no OperationalError: the check saw the socket, ran SELECT 1, reconnected
    assert new_pid != pid and selects_1 == [1]
