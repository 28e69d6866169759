"""The sweep: moves every open clock of every registered model up the breach ladder.

Set-based: per model and batch, one UPDATE … RETURNING claims the rows whose next rung is due,
moves each straight to the highest rung it has reached (`efficiency.ladder`, the one table
of rungs, generates the UPDATE's expressions), and in the same statement inserts one
`clock.breach` event per row and the events' deliveries (`notifications.deliveries_sql`; not for
a model with a recusal rule, whose events wait for the fan-out). Exactly once: the UPDATE only matches
rows still below the new rung (a conditional UPDATE is the claim; a concurrent sweep waits on
the rows another batch holds, then finds them already moved), and the events and breach
handlers run in the batch's transaction, so a sweep killed mid-batch leaves nothing behind.

How a batch is taken (`sweep`, `sweep_model`): first one probe for every model, one statement
asking each model's partial index on `next_at` whether a row is due (`LIMIT 1`) — nothing due,
and the sweep is over in one round trip without reading a table. The normal minute (a few due)
is then one statement per model with rows due, the claim of up to SMALL rows (the probe and this
claim are prepared once per connection: `pg.prepared`, generic plans); a full batch, and
the rows due are counted up to max(batch, the table's pages). A wave (at least that many due: a row per page or more)
is walked in physical order, a batch being the heap pages that hold about `batch` rows, read
by a TID range scan and updated in place by one plain UPDATE — no read of the rows first and
no join back to it, so each page is read and written once and in order, as a raw UPDATE's seq
scan would (bench/sweep.py, 1,000,000 clocks: 1.9–2.0× the raw UPDATE, against 2.1–2.2× for
the walk that read each batch first and joined it back by ctid, and 2.5–2.6× for batches in
`next_at` order). Fewer rows due, and the sweep takes the oldest `batch` rows due through the
index, batch after batch, until a batch comes back short.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import documents, ladder, registry
from .events import EVENT_COLUMNS, EventBatch, dispatch_written, events_emit, request_fan_out, subscriber_ctes
from .notifications import deliveries_sql, delivers_in_sql
from .pg.prepared import execute_prepared
from .models import Rung
from .registry import Transition, Transitions

log = logging.getLogger(__name__)

SWEEP_LOCK_KEY = 0x5EE9  # pg advisory lock taken by the beat-scheduled sweep

# Who hears of each rung (DESIGN.md: breach ladder). Notices wait for 09:00 of a working day.
# From 红牌 up the leaders of the item's region (and the one above) hear too: a red card, a 督办单
# and an accountability proposal are what a leader's supervision is for (issue #15).
RUNG_RECIPIENTS = {
    Rung.HINT: ["owner"],
    Rung.YELLOW: ["owner", "head"],
    Rung.RED: ["owner", "head", "office", "leader"],
    Rung.NOTICE: ["owner", "head", "office", "leader"],
    Rung.ACCOUNTABILITY: ["head", "office", "leader"],
}

def recipients_for(level_from: int, level_to: int, overrides: dict[int, Sequence[str]] | None = None) -> list[str]:
    """Everyone who hears of any rung crossed: a sweep that jumps 0 → 5 (a clock resumed or
    started late) still tells the owner. `overrides` (a model's `rung_recipients`, registry)
    replaces the default list of the rungs it names."""
    out: list[str] = []
    for rung in range(level_from + 1, level_to + 1):
        names = overrides[rung] if overrides and rung in overrides else RUNG_RECIPIENTS[Rung(rung)]
        out += [r for r in names if r not in out]
    return out


def _recipients_case(overrides: dict[int, Sequence[str]] | None = None) -> str:
    # jsonb constants (parsed once, when the statement is planned, not once per row).
    return "CASE " + " ".join(
        f"WHEN {{old}} = {a} AND {{new}} = {b} THEN '{json.dumps(recipients_for(a, b, overrides))}'::jsonb"
        for a in range(0, 5) for b in range(a + 1, 6)
    ) + " END"


_RECIPIENTS_SQL = _recipients_case()
_recipients_by_model: dict[tuple, str] = {}


def _recipients_sql(model) -> str:
    """The event's recipients as a CASE over (from-rung, to-rung): the shared constant for a
    model without `rung_recipients`, else that model's own, compiled once."""
    overrides = _rung_overrides(model)
    if not overrides:
        return _RECIPIENTS_SQL
    key = tuple(sorted(overrides.items()))
    if key not in _recipients_by_model:
        _recipients_by_model[key] = _recipients_case(overrides)
    return _recipients_by_model[key]


def _rung_overrides(model) -> dict[int, Sequence[str]] | None:
    entry = registry.clock_model(model._meta.label_lower)
    return entry.rung_recipients if entry else None


_OPEN_DUE_SQL = """t.closed_at IS NULL AND t.paused_at IS NULL AND t.next_at IS NOT NULL
                  AND t.next_at <= %(now)s"""


def _col(model, name: str) -> str:
    # Every clock model has a unit and an owner (nullable) field, named by
    # `clock_unit_field` / `clock_owner_field`.
    return model._meta.get_field(name).column


_NAMED = re.compile(r"%\((\w+)\)s")
# The claim-and-events part of a model's statement, per (model, rows, recipients, delivered): its
# text with positional placeholders, the names of its parameters in order, and the specs its cards
# can name. Built once; a minute's sweep only fills in the values.
_claims: dict[tuple, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}


def _claim_sql(model, rows: str, delivered: bool) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    recipients = _recipients_sql(model)
    key = (model, rows, recipients, delivered)
    if key not in _claims:
        meta = model._meta
        table = connection.ops.quote_name(meta.db_table)
        pk, unit, owner = meta.pk.column, _col(model, model.clock_unit_field), _col(model, model.clock_owner_field)
        level = f"({ladder.rung_sql()})"
        sql = f"""
            WITH moved AS (
                UPDATE {table} AS t
                SET prev_level = t.breach_level, breach_level = {level},
                    clock_state = {ladder.state_sql(level)}, next_at = {ladder.next_sql(level)}
                WHERE {rows.format(table=table)} AND {_OPEN_DUE_SQL} AND {level} > t.breach_level
                RETURNING t.{pk} AS id, t.{unit} AS unit_id, t.{owner} AS owner_id,
                          t.prev_level AS level_from, t.breach_level AS level_to, t.due_at),
            ev AS (
                INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, owner_id,
                                              level_from, level_to, message, payload, recipients, fanned_out)
                SELECT %(now)s, 'clock.breach', %(label)s, m.id, m.unit_id, m.owner_id, m.level_from, m.level_to,
                       '', jsonb_build_object('due_at', m.due_at), {recipients.format(old='m.level_from', new='m.level_to')},
                       {'true' if delivered else 'false'}
                FROM moved AS m
                RETURNING {EVENT_COLUMNS}, level_from, level_to, recipients)"""
        names: list[str] = []

        def put(match):  # `%(name)s` → `%s`: the CTEs that follow come with positional parameters
            names.append(match.group(1))
            return "%s"

        overrides = _rung_overrides(model)
        specs = dict.fromkeys(spec for a in range(0, 5) for b in range(a + 1, 6)
                              for spec in recipients_for(a, b, overrides))
        _claims[key] = (_NAMED.sub(put, sql), tuple(names), tuple(specs))
    return _claims[key]


def _breach_sql(model, rows: str, params: dict) -> tuple[str, list, dict]:
    """The claim of the rows `rows` picks and, in the same statement, one `clock.breach` event
    per row moved, what the subscribers of `clock.breach` that have an SQL form do, and the
    events' deliveries (`notifications.deliveries_sql`: the recipients resolved in SQL, the
    events written fanned out; not for a model with a recusal rule, whose events wait for the
    fan-out) — one round trip for the normal minute's whole work. Returns the statement, its
    parameters and the subscribers to call after it (`subscriber_ctes`). The statement returns a row per (from-rung, to-rung): the events' ids and the
    subject ids as two arrays (a wave's 500,000 transitions come back as one or a few such
    rows, not as a row or four array elements each).

    The claim is one plain UPDATE with no FOR UPDATE and no join: its own condition (`level >
    t.breach_level`, re-checked by PostgreSQL on the newest row version when another sweep got
    there first) is the claim; a second sweep waits for the first's batch, then skips its rows.
    The new rung, state and next time are computed from the row being replaced, and so is the
    event's from-rung (`prev_level = t.breach_level`: every SET expression reads the old row),
    which RETURNING then gives with the new one. Rows are read and written in physical order
    (a TID range or a sorted TID list), so every page is dirtied once and — two sweeps locking
    rows in ascending ctid order — there is no deadlock between them. A row another
    transaction rewrote meanwhile is skipped (its ctid no longer matches) and stays due for
    the next batch or sweep."""
    delivered = delivers_in_sql(model)
    sql, names, specs = _claim_sql(model, rows, delivered)
    params = {**params, "label": model._meta.label_lower}
    values = [params[name] for name in names]
    ctes, more, python_handlers = subscriber_ctes(["clock.breach"])
    if delivered:
        deliveries, deliveries_params = deliveries_sql("ev", specs, model)
        ctes.append(f"dl AS ({deliveries})")
        more += deliveries_params
    sql += "".join(f", {cte}" for cte in ctes) + """
        SELECT ev.level_from, ev.level_to, array_agg(ev.id), array_agg(ev.subject_id)
        FROM ev GROUP BY ev.level_from, ev.level_to"""
    return sql, values + more, python_handlers


# The oldest `batch` rows due, through the partial index on `next_at`, as a TID list (which a
# TID scan sorts into physical order).
_ROWS_BY_NEXT_AT = """t.ctid = ANY(ARRAY(
    SELECT d.ctid FROM {table} AS d
    WHERE d.closed_at IS NULL AND d.paused_at IS NULL AND d.next_at IS NOT NULL AND d.next_at <= %(now)s
    ORDER BY d.next_at LIMIT %(batch)s))"""


@functools.lru_cache(maxsize=8)
def _rows_small(small: int) -> str:
    """The normal minute's claim: `_ROWS_BY_NEXT_AT` with its LIMIT a constant. The statement is
    prepared (`_run_breach`); with `LIMIT $n` PostgreSQL costs its generic plan above the custom
    ones and plans it on every call, with `LIMIT 1000` it keeps the generic plan after five."""
    return _ROWS_BY_NEXT_AT.replace("%(batch)s", str(int(small)))


# The pages [first, end) of the heap, by a TID range scan.
_ROWS_BY_PAGES = "t.ctid >= %(first)s::tid AND t.ctid < %(end)s::tid"

# No JIT: with stale statistics the planner's estimates reach its thresholds and the
# steady-state sweep spent 10–200 ms compiling a plan that finds no row. Walking pages, no index
# or bitmap scan either: the rows are taken in physical order by the TID range scan, whatever
# the planner's statistics from before the wave say about the partial index.
_SET_BATCH = "SET LOCAL jit = off; "
# And no nested loop: the statement's deliveries join the batch's events (estimated at one row, being
# a CTE's) to the users and units, which without index scans a nested loop would read once per event.
_SET_PAGES = _SET_BATCH + ("SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; "
                           "SET LOCAL enable_nestloop = off; ")
# SET LOCAL lasts to the end of the transaction — the batch's, whose breach handlers run after
# the statement, or a caller's around the whole sweep — so each statement puts them back.
_PLANNER = ("jit", "enable_indexscan", "enable_bitmapscan", "enable_seqscan", "enable_indexonlyscan",
            "enable_nestloop")
_RESET = " ".join(f"SET LOCAL {name} TO DEFAULT;" for name in _PLANNER)


def _run_breach(model, rows: str, settings_sql: str, params: dict) -> Transitions:
    sql, values, python_handlers = _breach_sql(model, rows, params)
    with connection.cursor() as cur:
        if settings_sql:
            cur.execute(settings_sql + sql, values)
            groups = cur.fetchall()
            cur.execute(_RESET)
        else:  # the normal minute's claim: parsed and planned once per connection (a generic plan)
            execute_prepared(cur, sql, values, generic=True)
            groups = cur.fetchall()
    moved = Transitions(groups)
    if python_handlers and moved:  # subscribers of clock.breach without an SQL form
        dispatch_written(EventBatch("clock.breach", [t.event_id for t in moved]), python_handlers)
    return moved


def _sweep_batch_postgres(model, now: datetime, batch: int) -> Transitions:
    """The oldest `batch` rows due, through the partial index on `next_at`."""
    return _run_breach(model, _ROWS_BY_NEXT_AT, _SET_BATCH, {"now": now, "batch": batch})


def _sweep_pages_postgres(model, now: datetime, first: int, end: int) -> Transitions:
    """The rows due in the heap pages [first, end), in physical order."""
    return _run_breach(model, _ROWS_BY_PAGES, _SET_PAGES,
                       {"now": now, "first": f"({first},0)", "end": f"({end},0)"})


def _due_wave(model, now: datetime, batch: int) -> tuple[int, int, float]:
    """(rows due, counted up to max(batch, pages); the table's pages; rows per page), through
    the partial index: milliseconds, and no page of the table read when nothing is due. A
    plain index scan, in the index's order: the planner's statistics from before a wave would
    have it count by a seq scan (120 ms at 1,000,000 clocks, on every steady-state sweep), and
    an index-only scan would not mark the index entries of the rows the last wave moved dead."""
    table = connection.ops.quote_name(model._meta.db_table)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; "
                    "SET LOCAL enable_indexonlyscan = off; SET LOCAL jit = off")
        cur.execute("""SELECT pg_relation_size(c.oid) / current_setting('block_size')::int,
                              CASE WHEN c.relpages > 0 AND c.reltuples > 0 THEN c.reltuples / c.relpages END
                       FROM pg_class AS c WHERE c.oid = %s::regclass""", [table])
        pages, density = cur.fetchone()
        cur.execute(f"""SELECT count(*) FROM (SELECT t.breach_level FROM {table} AS t WHERE {_OPEN_DUE_SQL}
                        ORDER BY t.next_at LIMIT %(cap)s) AS s""", {"now": now, "cap": max(batch, pages)})
        due = cur.fetchone()[0]
        cur.execute(_RESET)
        # Not analysed yet: about 40 clock rows fit a page.
        return due, pages, float(density or 40)


def propose_accountability(model, transitions: Sequence[Transition]) -> None:
    """The ladder's last rung (问责建议, R28): one `accountability.propose` per item crossing it,
    in the batch's transaction, for the accountability app to open a proposal against the item's
    unit and owner. The one path from any app's card to a case (issue 13)."""
    ids = registry.items_crossing(transitions, Rung.ACCOUNTABILITY)
    if not ids:
        return
    unit_field, owner_field = model.clock_unit_field, model.clock_owner_field
    reason = _("%(item)s 超期未办，经黄牌、红牌、督办单仍未办结")
    # One read (every non-null foreign key joined, so the item's name costs no query) and one
    # INSERT for the batch; the subscriber (accountability) takes the batch at once.
    items = (model._default_manager.filter(pk__in=ids, **{f"{unit_field}__isnull": False})
             .select_related().order_by("pk"))
    events_emit([dict(kind="accountability.propose", subject=item, unit=getattr(item, f"{unit_field}_id"), payload={
        "person_id": getattr(item, f"{owner_field}_id", None), "unit_id": getattr(item, f"{unit_field}_id"),
        "source": "red_card", "reason": reason % {"item": str(item)}}) for item in items])


# The normal minute's batch: a model's first batch takes up to this many rows due, through the
# partial index, in one statement (the claim); fewer came back, and the model is done. A LIMIT this
# small under ORDER BY next_at is never planned as a seq scan and sort, whatever the statistics.
SMALL = 1000


@functools.lru_cache(maxsize=16)
def _probe_sql(models: tuple) -> str:
    """One statement for every model: whether any row is due, each through its partial index on
    `next_at` — the first entry of the index (`ORDER BY next_at LIMIT 1`), compared with the
    moment: the rows due are read once, by the claim. The moment is not in the scan's condition:
    the statement is prepared (`_probe`), and a generic plan of `next_at <= $1` (a third of the
    table, to the planner) read the table by a seq scan, 50–100 ms with nothing due at 200,000
    clocks. A plain index scan (`breach_level`, read, is not in the index), not an index-only
    one, so the first probe after a wave marks the wave's dead index entries and later probes
    skip them."""
    parts = []
    for i, model in enumerate(models):
        table = connection.ops.quote_name(model._meta.db_table)
        parts.append(f"""SELECT {i}, COALESCE((SELECT t.next_at <= %s AND t.breach_level >= 0 FROM {table} AS t
                         WHERE t.closed_at IS NULL AND t.paused_at IS NULL AND t.next_at IS NOT NULL
                         ORDER BY t.next_at LIMIT 1), false)""")
    return " UNION ALL ".join(parts)


def _probe(models, now: datetime) -> list[bool]:
    """Whether each model (in the order of `models`) has a row due, in one round trip."""
    if not models:
        return []
    with connection.cursor() as cur:
        execute_prepared(cur, _probe_sql(tuple(models)), [now] * len(models), generic=True)  # planned once per connection
        due = dict(cur.fetchall())
    return [due[i] for i in range(len(models))]


def sweep_model(model, *, now: datetime, batch: int | None = None, due: bool | None = None) -> int:
    """Sweep one clock model to completion, batch by batch; each batch one transaction.

    `due` is the probe's answer (`_probe`: any row due); without it the model is probed first.
    Nothing due → done. Something due → one statement takes up to SMALL rows through the partial
    index (the normal minute: its plan is the small one, no JIT, no planner setting to put back,
    no count of the table); fewer came back → done. A full batch → the wave's count up to
    max(batch, pages): a wave (at least a batch and a row per page of the table due) is walked
    in physical order, each batch the heap pages that hold about `batch` rows, so a batch never
    moves more than about `batch` rows; a row that another transaction rewrote behind the walk
    meanwhile is due still, and the next sweep takes it. Otherwise the oldest `batch` rows due
    are taken through the partial index, batch after batch, until a batch comes back short.

    Each batch is one transaction — or, when the caller has one open, part of it (no savepoint:
    a failing batch fails the caller's transaction, which the caller rolls back)."""
    batch = batch or settings.SWEEP_BATCH_SIZE
    entry = registry.clock_model(model._meta.label_lower)

    def step(claim) -> Sequence[Transition]:
        with transaction.atomic(savepoint=False):
            moved = claim()
            if moved:
                if entry is None or entry.proposes:
                    # The 督办单 rung issues a real 督办单 to the unit, before any handler and
                    # before the 问责建议 of an item that crossed both in one sweep.
                    documents.supervision_orders_for(model, registry.items_crossing(moved, Rung.NOTICE), now=now)
                for handler in entry.on_breach if entry else []:
                    handler(model, moved)
                if entry is None or entry.proposes:
                    propose_accountability(model, moved)
        return moved

    if due is None:
        due = _probe([model], now)[0]
    if not due:
        return 0
    small = min(SMALL, batch)
    total = len(step(lambda: _run_breach(model, _rows_small(small), "", {"now": now})))
    if total < small:
        # Fewer than a batch: nothing left, or the rest is locked by another sweep.
        return total
    due, pages, density = _due_wave(model, now, batch)
    if not due:
        return total
    if due >= max(batch, pages):
        span = max(1, int(batch / density))
        for first in range(0, pages, span):
            total += len(step(lambda: _sweep_pages_postgres(model, now, first, min(first + span, pages))))
        return total
    while True:
        moved = step(lambda: _sweep_batch_postgres(model, now, batch))
        total += len(moved)
        if len(moved) < batch:
            # Fewer rows than the batch: nothing left, or the rest is locked by another sweep.
            return total


def sweep(*, now: datetime | None = None, batch: int | None = None) -> dict[str, int]:
    """One sweep of every clock, as of `now`. Safe to run concurrently and to repeat.

    One probe for all models first (`_probe`: one statement, an index probe per model), so a
    minute with nothing due is one round trip, and a model with nothing due costs nothing more."""
    now = now or timezone.now()
    entries = list(registry.clock_models())
    due = _probe([e.model for e in entries], now)
    counts = {}
    for entry, any_due in zip(entries, due):
        counts[entry.label] = sweep_model(entry.model, now=now, batch=batch, due=any_due) if any_due else 0
    if any(counts[e.label] and not delivers_in_sql(e.model) for e in entries):
        request_fan_out()  # events written for the fan-out (a model with a recusal rule)
    log.info("sweep as of %s: %s", now.isoformat(), counts)
    return counts


@contextmanager
def single_sweeper():
    """Beat may fire while a previous sweep still runs: let only one run; the other returns."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK_KEY])
        got = cur.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_KEY])
