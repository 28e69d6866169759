"""Django's PostgreSQL backend, its per-request health check (CONN_HEALTH_CHECKS) done without a
round trip when the connection is quiet.

Django checks a persistent connection before its first use in each request with `SELECT 1`: a
round trip on every request, as much as the one statement a citizen's complaint now takes
(issue #17). A server that restarts or ends the session (pg_terminate_backend, a crash, an
idle timeout) tells the client: it sends its FATAL message and closes the socket, so the
socket of an idle connection becomes readable. Here the socket is asked first (`poll` with no
wait, no packet sent): nothing to read — the connection is as good as a `SELECT 1` would find
it — the check is done; anything to read, or a closed connection, and Django's own check runs
(`SELECT 1`, and a new connection if it fails). What neither detects at once, a peer gone
silent without a word (a cable pulled), `SELECT 1` would have waited on for the TCP timeout
too. Tests: tests/efficiency/test_pg_health_check.py.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


def socket_quiet(connection) -> bool:
    """Whether the open connection's socket has nothing to read and no error or hang-up (no wait)."""
    if connection.closed:
        return False
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
    return not poller.poll(0)


class DatabaseWrapper(base.DatabaseWrapper):
    """Also: every statement carries the row-level-security scope when it changed (efficiency/rls.py);
    a new connection, a rollback and a savepoint's rollback forget what was sent (PostgreSQL undoes
    a session `set_config` made in a transaction that rolls back)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from efficiency.rls import Scoped

        self.execute_wrappers.append(Scoped())

    def get_new_connection(self, conn_params):
        from efficiency.rls import forget

        forget(self)
        return super().get_new_connection(conn_params)

    def _rollback(self):
        from efficiency.rls import forget

        try:
            return super()._rollback()
        finally:
            forget(self)

    def _savepoint_rollback(self, sid):
        from efficiency.rls import forget

        try:
            return super()._savepoint_rollback(sid)
        finally:
            forget(self)

    def close_if_health_check_failed(self):
        if (self.connection is not None and self.health_check_enabled and not self.health_check_done
                and socket_quiet(self.connection)):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
