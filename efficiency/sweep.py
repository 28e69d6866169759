"""The sweep: moves every open clock of every registered model up the breach ladder.

Set-based: per model and batch, one UPDATE … RETURNING claims the rows whose next rung is due,
moves each straight to the highest rung it has reached, and — on PostgreSQL in the same
statement — inserts one `clock.breach` event per row. Exactly once: the UPDATE only matches
rows still below the new rung (a conditional UPDATE is the claim; a concurrent sweep waits on
the rows another batch holds, then finds them already moved), and the events and breach
handlers run in the batch's transaction, so a sweep killed mid-batch leaves nothing behind.

How a batch is taken (PostgreSQL, `sweep_model`): first the partial index on `next_at` counts
the rows due, up to max(batch, the table's pages) — nothing due, and the sweep is over in a
millisecond without reading the table. A wave (at least that many due: a row per page or more)
is walked in physical order: each batch is the next `batch` rows due after a ctid cursor, read
by a TID range scan, so every page is read and written once and in order, as a raw UPDATE's
seq scan would (bench/sweep.py: 1.95–2.1× the raw UPDATE at 1,000,000 clocks, against
2.5–2.6× taking each batch in `next_at` order through the index). Fewer rows due, or a walk
that skipped a row (another sweep moved it first), and the sweep takes the oldest `batch`
rows due through the index, batch after batch, until a batch comes back short.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from datetime import datetime
from itertools import repeat

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import registry
from .events import request_fan_out
from .models import Event, Rung
from .registry import Transition

log = logging.getLogger(__name__)

SWEEP_LOCK_KEY = 0x5EE9  # pg advisory lock taken by the beat-scheduled sweep

# Who hears of each rung (DESIGN.md: breach ladder). Notices wait for 09:00 of a working day.
RUNG_RECIPIENTS = {
    Rung.HINT: ["owner"],
    Rung.YELLOW: ["owner", "head"],
    Rung.RED: ["owner", "head", "office"],
    Rung.NOTICE: ["owner", "head", "office"],
    Rung.ACCOUNTABILITY: ["head", "office"],
}

_LEVEL_SQL = """
    CASE WHEN t.escalate_at <= %(now)s THEN 5 WHEN t.notice_at <= %(now)s THEN 4
         WHEN t.red_at <= %(now)s THEN 3 WHEN t.due_at <= %(now)s THEN 2 ELSE 1 END
"""
_NEXT_SQL = """
    CASE c.level WHEN 1 THEN COALESCE(t.due_at, t.red_at, t.notice_at, t.escalate_at)
                 WHEN 2 THEN COALESCE(t.red_at, t.notice_at, t.escalate_at)
                 WHEN 3 THEN COALESCE(t.notice_at, t.escalate_at)
                 WHEN 4 THEN t.escalate_at END
"""
_STATE_SQL = "CASE WHEN c.level >= 2 THEN 'overdue' ELSE 'warning' END"


def recipients_for(level_from: int, level_to: int) -> list[str]:
    """Everyone who hears of any rung crossed: a sweep that jumps 0 → 5 (a clock resumed or
    started late) still tells the owner."""
    out: list[str] = []
    for rung in range(level_from + 1, level_to + 1):
        out += [r for r in RUNG_RECIPIENTS[Rung(rung)] if r not in out]
    return out


# jsonb constants (parsed once, when the statement is planned, not once per row).
_RECIPIENTS_SQL = "CASE " + " ".join(
    f"WHEN {{old}} = {a} AND {{new}} = {b} THEN '{json.dumps(recipients_for(a, b))}'::jsonb"
    for a in range(0, 5) for b in range(a + 1, 6)
) + " END"


_OPEN_DUE_SQL = """t.closed_at IS NULL AND t.paused_at IS NULL AND t.next_at IS NOT NULL
                  AND t.next_at <= %(now)s"""


def _due_by_next_at(table: str) -> str:
    """The oldest `batch` rows due (through the partial index), in physical order."""
    return f"""
        SELECT * FROM (
            SELECT t.ctid AS tid, t.breach_level AS old_level, {_LEVEL_SQL} AS level
            FROM {table} AS t WHERE {_OPEN_DUE_SQL}
            ORDER BY t.next_at LIMIT %(batch)s) AS due
        ORDER BY due.tid"""


def _due_by_pages(table: str) -> str:
    """The next `batch` rows due after the cursor `after`, walking the heap in physical order
    (a TID range scan up to `end`, the table's size when the sweep began)."""
    return f"""
        SELECT t.ctid AS tid, t.breach_level AS old_level, {_LEVEL_SQL} AS level
        FROM {table} AS t
        WHERE t.ctid > %(after)s::tid AND t.ctid < %(end)s::tid AND {_OPEN_DUE_SQL}
          AND {_LEVEL_SQL} > t.breach_level
        LIMIT %(batch)s"""


def _claim_sql(model) -> str:
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    pk = meta.pk.column
    # No FOR UPDATE in the subquery: the UPDATE's own condition (`c.level > t.breach_level`,
    # re-checked by PostgreSQL on the newest row version when another sweep got there first)
    # is the claim. A row lock pass cost a WAL record and a heap write per row (a quarter of
    # the sweep, bench/sweep.py); without it a second sweep waits for the first's batch, then
    # skips its rows. The batch is joined back by its rows' physical address (`ctid`, a TID
    # scan: no index probe) and written in that order: pages dirtied once each, in order, and
    # — every sweep locking rows in ascending ctid order, whichever way it picked them — no
    # deadlock between two sweeps. A row another transaction rewrote meanwhile is skipped
    # (its ctid or its rung no longer matches) and stays due for the next batch or sweep.
    return f"""
        UPDATE {table} AS t SET breach_level = c.level, clock_state = {_STATE_SQL}, next_at = {_NEXT_SQL}
        FROM due AS c
        WHERE t.ctid = c.tid AND c.level > t.breach_level AND t.closed_at IS NULL AND t.paused_at IS NULL
        RETURNING t.{pk}, t.{_col(model, model.clock_unit_field)}, t.{_col(model, model.clock_owner_field)},
                  c.old_level, c.level
    """


def _col(model, name: str) -> str:
    # Every clock model has a unit and an owner (nullable) field, named by
    # `clock_unit_field` / `clock_owner_field`.
    return model._meta.get_field(name).column


# A batch joins its claimed rows back by ctid: a nested loop over TID scans whose cost follows
# the batch, never a hash join over a seq scan of every open clock (which the planner picks
# for a large batch, once per batch). No JIT: with stale statistics the planner's estimates
# reach its thresholds and the steady-state sweep spent 10–200 ms compiling a plan that finds
# no row. Walking pages, no index or bitmap scan either: the rows are taken in physical order.
_SET_BATCH = "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL jit = off; "
_SET_PAGES = _SET_BATCH + "SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; "
# SET LOCAL lasts to the end of the transaction — the batch's, whose breach handlers run after
# the statement, or a caller's around the whole sweep — so each statement puts them back.
_PLANNER = ("enable_hashjoin", "enable_mergejoin", "jit", "enable_indexscan", "enable_bitmapscan",
            "enable_seqscan", "enable_indexonlyscan")
_RESET = " ".join(f"SET LOCAL {name} TO DEFAULT;" for name in _PLANNER)


def _breach_sql(model, due) -> str:
    """The claim and, in the same statement, one `clock.breach` event per row moved. Returns
    one row: the events' ids, subject ids, levels from and to as four arrays (fetched and
    converted in under half the time of a row per event: 0.3 against 0.7 s per 500,000), the
    last ctid taken (the cursor) and how many rows were taken."""
    table = connection.ops.quote_name(model._meta.db_table)
    return f"""
        WITH due AS MATERIALIZED ({due(table)}),
        moved AS ({_claim_sql(model)}),
        ev AS (
            INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, owner_id,
                                          level_from, level_to, message, payload, recipients, fanned_out)
            SELECT %(now)s, 'clock.breach', %(label)s, m.{model._meta.pk.column},
                   m.{_col(model, model.clock_unit_field)}, m.{_col(model, model.clock_owner_field)},
                   m.old_level, m.level, '', '{{}}'::jsonb,
                   {_RECIPIENTS_SQL.format(old='m.old_level', new='m.level')}, false
            FROM moved AS m
            RETURNING id, subject_id, level_from, level_to)
        SELECT array_agg(ev.id), array_agg(ev.subject_id), array_agg(ev.level_from), array_agg(ev.level_to),
               (SELECT max(tid)::text FROM due), (SELECT count(*) FROM due)
        FROM ev
    """


def _run_breach(model, sql: str, settings_sql: str, params: dict) -> tuple[list[Transition], str | None, int]:
    """(transitions, cursor, rows taken)."""
    with connection.cursor() as cur:
        cur.execute(settings_sql + sql, {**params, "label": model._meta.label_lower})
        ids, subjects, levels_from, levels_to, cursor, taken = cur.fetchone()
        cur.execute(_RESET)
    if not ids:
        return [], cursor, taken
    # tuple.__new__ straight from the zipped arrays: the named tuple's own __new__ (a Python
    # function) took 0.2 s per 500,000 transitions, this takes 0.05.
    return list(map(tuple.__new__, repeat(Transition), zip(ids, subjects, levels_from, levels_to))), cursor, taken


def _sweep_batch_postgres(model, now: datetime, batch: int) -> list[Transition]:
    """The oldest `batch` rows due, through the partial index on `next_at`."""
    return _run_breach(model, _breach_sql(model, _due_by_next_at), _SET_BATCH, {"now": now, "batch": batch})[0]


def _sweep_pages_postgres(model, now: datetime, batch: int, after: str, end: str):
    """The next `batch` rows due after ctid `after`, in physical order."""
    return _run_breach(model, _breach_sql(model, _due_by_pages), _SET_PAGES,
                       {"now": now, "batch": batch, "after": after, "end": end})


def _due_wave(model, now: datetime, batch: int) -> tuple[int, int]:
    """(rows due, counted up to max(batch, pages); the table's pages), through the partial
    index: milliseconds, and no page of the table read when nothing is due. A plain index
    scan, in the index's order: the planner's statistics from before a wave would have it
    count by a seq scan (120 ms at 1,000,000 clocks, on every steady-state sweep), and an
    index-only scan would not mark the index entries of the rows the last wave moved dead."""
    table = connection.ops.quote_name(model._meta.db_table)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; "
                    "SET LOCAL enable_indexonlyscan = off; SET LOCAL jit = off")
        cur.execute("SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int", [table])
        pages = cur.fetchone()[0]
        cur.execute(f"""SELECT count(*) FROM (SELECT t.breach_level FROM {table} AS t WHERE {_OPEN_DUE_SQL}
                        ORDER BY t.next_at LIMIT %(cap)s) AS s""", {"now": now, "cap": max(batch, pages)})
        due = cur.fetchone()[0]
        cur.execute(_RESET)
        return due, pages


def _sweep_batch_generic(model, now: datetime, batch: int) -> list[Transition]:
    """SQLite (development). SQLite's RETURNING cannot name the FROM subquery and it has no
    SKIP LOCKED, so: take the database's write lock first (a no-op UPDATE), read the rows
    due with their old and new rung, then one conditional UPDATE per new rung, and insert
    the events. The write lock makes the read and the writes one step for other sweeps."""
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    pk = meta.pk.column
    unit, owner = _col(model, model.clock_unit_field), _col(model, model.clock_owner_field)
    # SQLite compares datetimes as text: pass `now` as Django stores them (naive UTC).
    params = {"now": connection.ops.adapt_datetimefield_value(now), "batch": batch}
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET next_at = next_at WHERE 1 = 0")
        cur.execute(f"""
            SELECT t.{pk}, t.{unit}, t.{owner}, t.breach_level, {_LEVEL_SQL} AS level FROM {table} AS t
            WHERE t.closed_at IS NULL AND t.paused_at IS NULL AND t.next_at IS NOT NULL
              AND t.next_at <= %(now)s
            ORDER BY t.next_at LIMIT %(batch)s""", params)
        rows = [r for r in cur.fetchall() if r[4] > r[3]]
        by_level: dict[int, list] = {}
        for row in rows:
            by_level.setdefault(row[4], []).append(row[0])
        for level, ids in by_level.items():
            nxt = _NEXT_SQL.replace("c.level", str(level)).replace("t.", "")
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cur.execute(
                    f"UPDATE {table} SET breach_level = %s, clock_state = %s, next_at = {nxt} "
                    f"WHERE {pk} IN ({marks}) AND breach_level < %s",
                    [level, "overdue" if level >= Rung.YELLOW else "warning", *chunk, level],
                )
    events = Event.objects.bulk_create(
        Event(at=now, kind="clock.breach", subject_type=meta.label_lower, subject_id=pk_, unit_id=unit_id,
              owner_id=owner_id, level_from=old, level_to=new,
              recipients=recipients_for(old, new))
        for pk_, unit_id, owner_id, old, new in rows
    )
    return [Transition(e.pk, e.subject_id, e.level_from, e.level_to) for e in events]


def sweep_model(model, *, now: datetime, batch: int | None = None) -> int:
    """Sweep one clock model to completion, batch by batch; each batch one transaction.

    PostgreSQL: nothing due → one index probe, done. A wave (at least a batch and a row per
    page of the table due) is walked page by page in physical order first; then, and for
    small waves only, the oldest rows due are taken batch by batch through the partial index
    until none is left (which also picks up any row the walk skipped)."""
    batch = batch or settings.SWEEP_BATCH_SIZE
    entry = registry.clock_model(model._meta.label_lower)

    def step(claim) -> list[Transition]:
        with transaction.atomic():
            moved = claim()
            if moved:
                for handler in [*(entry.on_breach if entry else []), *registry.breach_subscribers()]:
                    handler(model, moved)
        return moved

    total = 0
    if connection.vendor != "postgresql":
        while True:
            moved = step(lambda: _sweep_batch_generic(model, now, batch))
            total += len(moved)
            if len(moved) < batch:
                return total

    due, pages = _due_wave(model, now, batch)
    if not due:
        return 0
    if due >= max(batch, pages):
        after, end, clean = "(0,0)", f"({pages},0)", True
        while True:
            walked = []

            def claim():
                moved, cursor, taken = _sweep_pages_postgres(model, now, batch, after, end)
                walked.append((cursor, taken))
                return moved

            moved = step(claim)
            total += len(moved)
            (after, taken), = walked
            clean = clean and len(moved) == taken
            if taken < batch:
                break  # the end of the table
        if clean:
            # Every row taken was moved: nothing left behind. (A row another transaction
            # rewrote behind the cursor during the walk is left to the next sweep.)
            return total
    while True:
        moved = step(lambda: _sweep_batch_postgres(model, now, batch))
        total += len(moved)
        if len(moved) < batch:
            # Fewer rows than the batch: nothing left, or the rest is locked by another sweep.
            return total


def sweep(*, now: datetime | None = None, batch: int | None = None) -> dict[str, int]:
    """One sweep of every clock, as of `now`. Safe to run concurrently and to repeat."""
    now = now or timezone.now()
    counts = {}
    for entry in registry.clock_models():
        counts[entry.label] = sweep_model(entry.model, now=now, batch=batch)
    if any(counts.values()):
        request_fan_out()
    log.info("sweep as of %s: %s", now.isoformat(), counts)
    return counts


@contextmanager
def single_sweeper():
    """Beat may fire while a previous sweep still runs: let only one run; the other returns."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK_KEY])
        got = cur.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_KEY])
