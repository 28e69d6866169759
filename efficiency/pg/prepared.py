"""A hot statement as a server-side prepared statement, for the public POST of issue #17.

The complaint's filing is one writable CTE of ~90 parameters (`efficiency.events.write_with`):
its planning (~0.7 ms on a quiet server, several under load) was as long as its execution.
Prepared once per connection, it is parsed and planned once; each POST sends `EXECUTE name(…)`.
The first use on a connection sends `PREPARE …; EXECUTE …` in the same round trip, so the
statement count per POST stays one (tests/accountability/test_intake_queries.py).

The statement's text is the key: the same text always carries the same parameters in the same
places, so the types PostgreSQL infers at PREPARE hold for every call. A new database
connection (CONN_MAX_AGE, a reconnect) starts with none prepared: the cache belongs to the
driver's connection object it was made on. A migration that changes a table the statement
writes makes PostgreSQL plan it again by itself.

Off with `DATABASE_PREPARED_STATEMENTS = False`: SQL-level PREPARE does not survive a
transaction-pooling connection pooler (PgBouncer's transaction mode), which may hand the next
EXECUTE to another server session. The shipped deployment connects directly (deploy/).
"""

from __future__ import annotations

import re

from django.conf import settings

INVALID_STATEMENT_NAME = "26000"  # SQLSTATE: prepared statement "…" does not exist
MAX_PREPARED = 32  # names per connection: the hot statements are a handful of texts
_PLACEHOLDER = re.compile(r"%%|%s")


def execute_prepared(cursor, sql: str, params: list | tuple, *, generic: bool = False) -> None:
    """`cursor.execute(sql, params)` (psycopg2 `%s` placeholders), as a prepared statement.

    `generic`: its generic plan from the first EXECUTE on (`SET LOCAL plan_cache_mode =
    force_generic_plan` in the same round trip), not after PostgreSQL's five custom plans — for a
    statement run once a minute on a connection that lives minutes (the sweep's). The setting
    lasts to the end of the transaction (of the statement itself outside one); it touches only
    prepared statements, whose plans the caller has checked generic and custom alike."""
    db = cursor.db
    if not getattr(settings, "DATABASE_PREPARED_STATEMENTS", True) or db.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    raw = db.connection
    state = db.__dict__.get("_prepared_statements")
    if state is None or state[0] is not raw:  # a new driver connection: nothing prepared on its session
        state = db.__dict__["_prepared_statements"] = [raw, {}, 0]
    _raw, prepared, made = state
    name = prepared.get(sql)
    if name is None and made >= MAX_PREPARED:
        cursor.execute(sql, params)
        return
    call = ""
    if name is None:
        # A new name for every attempt: a PREPARE outlives the failure of its EXECUTE (and a
        # rollback), so a name tried once is never offered again.
        state[2] = made + 1
        name = f"efficiency_hot_{made + 1}"
        count = 0

        def numbered(match):
            nonlocal count
            if match.group() == "%%":
                return "%%"  # stays escaped: the PREPARE text goes through the driver's formatting too
            count += 1
            return f"${count}"

        call = f"PREPARE {name} AS {_PLACEHOLDER.sub(numbered, sql)}; "
    arguments = f"({', '.join(['%s'] * len(params))})" if params else ""
    force = "SET LOCAL plan_cache_mode = force_generic_plan; " if generic else ""
    try:
        cursor.execute(f"{call}{force}EXECUTE {name}{arguments}", params)
    except Exception as exc:
        if getattr(exc.__cause__ or exc, "pgcode", None) == INVALID_STATEMENT_NAME:
            forget(db)  # the session lost its statements (DEALLOCATE ALL, DISCARD ALL): prepare again next time
        raise
    prepared[sql] = name


def forget(db) -> None:
    """Nothing is prepared on `db`'s session any more as far as this module knows: the next use
    of each statement prepares it again. For whoever ran DEALLOCATE ALL or DISCARD ALL on it."""
    db.__dict__.pop("_prepared_statements", None)
