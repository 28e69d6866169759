"""Writing the rollup tables, set-based, from the raw items and events.

Every registered clock model is rolled up the same way (`efficiency.registry.clock_models`),
so a new part of the product shows on the cockpit without code here. Dates are
Asia/Shanghai dates. For a window [start, end] one pass over the model's table gives:

- flows per day: opened (clock_start), closed on time / late (closed_at, clock_state);
- the stock at the end of each day, as a running sum: an item is open from the day it starts
  to the day it closes, and overdue-open from its due day to its close day (a base count of
  the stock before `start` comes from the same pass);
- yellow and red cards from the sweep's `clock.breach` events.

`rollup_days` replaces the window's rows, so it is safe to repeat; the beat task runs it for
yesterday and today, `manage.py rollup_rebuild` for any range. It ends by storing the months'
scores (`scoring.scores_store`), under the same advisory lock.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from efficiency.models import ClockQuerySet, Rung, Unit
from efficiency.registry import clock_models
from efficiency.workdays import local_date

from .models import RollupDirty, RollupState
from .periods import day_start, month_after, months_touched, week_end
from .scoring import scores_lock, scores_store

TZ = "Asia/Shanghai"
LIVE_STOCK_LOCK = 0x0DA5_B0A2E  # pg_advisory_xact_lock key: one refresh of UnitNow at a time

# Event kinds counted per unit and day (the contract with the other parts).
COUNTED_KINDS = (
    "complaints.filed", "complaints.accepted", "complaints.substantiated", "complaints.rated",
    "approvals.deemed_approved", "approvals.rated", "cases.opened", "cases.decided",
    "rectification.verified", "inspection.finding", "assignment.urged", "keytask.urged",
    "gaming.confirmed",  # the core's: a finding of gaming a clock the office confirmed (issue 18)
)
# Satisfaction on a 0–100 scale: 好差评 满意 / 基本满意 / 不满意, and 1–5 stars for applications.
# complaints.rated carries the choice value (accountability.models.Rating); the Chinese labels
# are accepted too. Any other payload (missing, nested, not an object) scores 0; a score that is
# not one ASCII digit 1–5 is not a rating and is not counted.
RATING_SQL = """CASE
    WHEN kind = 'complaints.rated' THEN CASE
        WHEN payload->>'rating' IN ('satisfied', '满意') THEN 100
        WHEN payload->>'rating' IN ('basically', '基本满意') THEN 60 ELSE 0 END
    WHEN kind = 'approvals.rated' AND payload->>'score' ~ '^[1-5]$' THEN (payload->>'score')::int * 20
    ELSE 0 END"""
RATING_COUNTED_SQL = """CASE WHEN kind = 'approvals.rated' AND NOT coalesce(payload->>'score', '') ~ '^[1-5]$'
    THEN 0 ELSE 1 END"""
# The event's unit, else the unit its payload names when that text is ASCII digits and such a
# unit exists (at most 18 significant digits: always a bigint, so an odd payload cannot fail
# the emitting transaction).
EVENT_UNIT_SQL = """coalesce(unit_id, CASE WHEN payload->>'unit_id' ~ '^0*[0-9]{1,18}$'
    THEN (SELECT id FROM efficiency_unit WHERE id = (payload->>'unit_id')::bigint) END)"""


def _table(model) -> tuple[str, str]:
    unit_col = model._meta.get_field(model.clock_unit_field).column
    return connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(unit_col)


def _items_sql(model, *, units: bool = False) -> str:
    """The SELECT of one model's UnitDay rows for the window (the columns of `DAY_COLUMNS`);
    with `units`, of the units in %(units)s only (an incremental run). Run it inside
    `_local_zone`: `::date` is then the Asia/Shanghai date. (One statement per model: in one
    UNION ALL of every model the planner sorted the grouping sets instead of hashing them,
    4× slower.)

    One scan of the table, one aggregate with four grouping sets (per unit and: start day,
    close day, due day, the later of due and close day) — each item counted once in each, no
    per-item delta rows; the stock before the window is folded into its first day
    (greatest(day, start)). The cards from the sweep's `clock.breach` events join the per-day
    aggregate; one running-sum window gives the stock at the end of each day with a change,
    and `generate_series` carries it over the days without one (a row per day with a flow or
    a stock, as before: the readers see dense rows)."""
    table, unit_col = _table(model)
    only = f" AND {unit_col} = ANY(%(units)s)" if units else ""
    return f"""
SELECT s.d + n AS date, s.unit_id, %(label)s AS item_type,
       CASE WHEN n = 0 THEN s.opened ELSE 0 END, CASE WHEN n = 0 THEN s.on_time ELSE 0 END,
       CASE WHEN n = 0 THEN s.late ELSE 0 END, CASE WHEN n = 0 THEN s.yellow ELSE 0 END,
       CASE WHEN n = 0 THEN s.red ELSE 0 END, s.open_end::int, s.overdue_end::int
FROM (
    SELECT unit_id, d, opened, on_time, late, yellow, red,
           sum(dopen) OVER w AS open_end, sum(dover) OVER w AS overdue_end,
           coalesce(lead(d) OVER w, %(end)s::date + 1) - d AS span
    FROM (
        SELECT unit_id, d, sum(opened)::int AS opened, sum(on_time)::int AS on_time, sum(late)::int AS late,
               sum(yellow)::int AS yellow, sum(red)::int AS red, sum(dopen)::int AS dopen, sum(dover)::int AS dover
        FROM (
            SELECT unit_id, CASE g WHEN 7 THEN ds WHEN 11 THEN dc WHEN 13 THEN dd ELSE dx END AS d,
                   CASE g WHEN 7 THEN started ELSE 0 END AS opened,
                   CASE g WHEN 11 THEN n - late ELSE 0 END AS on_time, CASE g WHEN 11 THEN late ELSE 0 END AS late,
                   0 AS yellow, 0 AS red,
                   CASE g WHEN 7 THEN n WHEN 11 THEN -n ELSE 0 END AS dopen,
                   CASE g WHEN 13 THEN n WHEN 14 THEN -n ELSE 0 END AS dover
            FROM (
                SELECT unit_id, grouping(ds, dc, dd, dx) AS g, ds, dc, dd, dx, count(*)::int AS n,
                       count(*) FILTER (WHERE started)::int AS started, count(*) FILTER (WHERE late)::int AS late
                FROM (
                    SELECT {unit_col} AS unit_id, clock_start >= %(S)s AS started, clock_state = 'done_late' AS late,
                           greatest(clock_start::date, %(start)s) AS ds, closed_at::date AS dc,
                           CASE WHEN due_at IS NOT NULL THEN greatest(due_at::date, %(start)s) END AS dd,
                           CASE WHEN due_at IS NOT NULL AND closed_at IS NOT NULL
                                THEN greatest(due_at, closed_at)::date END AS dx
                    FROM {table}
                    WHERE clock_start IS NOT NULL AND clock_start < %(E)s AND (closed_at IS NULL OR closed_at >= %(S)s)
                      AND {unit_col} IS NOT NULL{only}
                ) AS t
                GROUP BY GROUPING SETS ((unit_id, ds), (unit_id, dc), (unit_id, dd), (unit_id, dx))
            ) AS sets
            UNION ALL
            SELECT unit_id, at::date, 0, 0, 0,
                   count(*) FILTER (WHERE level_from < 2 AND level_to >= 2),
                   count(*) FILTER (WHERE level_from < 3 AND level_to >= 3), 0, 0
            FROM efficiency_event
            WHERE kind = 'clock.breach' AND subject_type = %(label)s AND at >= %(S)s AND at < %(E)s
              AND unit_id IS NOT NULL{only.replace(unit_col, "unit_id")}
            GROUP BY 1, 2
        ) AS deltas
        WHERE d <= %(end)s
        GROUP BY unit_id, d
    ) AS daily
    WINDOW w AS (PARTITION BY unit_id ORDER BY d)
) AS s, generate_series(0, s.span - 1) AS n
WHERE CASE WHEN n = 0 THEN s.opened + s.on_time + s.late + s.yellow + s.red ELSE 0 END
      + s.open_end + s.overdue_end > 0
"""


DAY_KEY = ("date", "unit_id", "item_type")
DAY_FIGURES = ("opened", "closed_on_time", "closed_late", "yellow_cards", "red_cards", "open_at_end",
               "overdue_open_at_end")
DAY_COLUMNS = (*DAY_KEY, *DAY_FIGURES)


@contextmanager
def _local_zone(cursor):
    """Inside: the session's time zone is Asia/Shanghai, so `timestamptz::date` is the local
    date — a third of the cost of `AT TIME ZONE 'Asia/Shanghai'`, which looks the zone up by
    name for every value (3 s of a year's statement at 1 M items). Only raw SQL runs inside:
    Django reads timestamps as in the connection's time zone, restored on the way out."""
    cursor.execute("SELECT current_setting('TimeZone'), set_config('TimeZone', %s, true)", [TZ])
    zone = cursor.fetchone()[0]
    yield
    # Not on an error: the rollback of the transaction (or savepoint) restores the zone.
    cursor.execute("SELECT set_config('TimeZone', %s, true)", [zone])


def _window(start: date, end: date, units) -> dict:
    return {"start": start, "end": end, "S": day_start(start), "E": day_start(end + timedelta(days=1)),
            "units": list(units) if units is not None else None}


def _only_units(units, column: str = "unit_id") -> str:
    return f" AND {column} = ANY(%(units)s)" if units is not None else ""


def _scratch(cursor, table: str, columns, scope: str, params: dict) -> str:
    """Where to compute the rows of `table` matching `scope`: `table` itself when it has none
    there (a first build: nothing to compare, the rows go straight in), else a temporary table
    with these columns (this session's, emptied at commit, empty now) for `_replace`. Created if
    missing in every transaction, so a transaction-pooling pgbouncer that hands the next
    transaction another server connection is fine."""
    cursor.execute(f"SELECT EXISTS (SELECT FROM {table} WHERE {scope})", params)
    if not cursor.fetchone()[0]:
        return table
    name = f"rollup_new_{table.removeprefix('dashboards_')}"
    cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ON COMMIT DELETE ROWS AS "
                   f"SELECT {', '.join(columns)} FROM {table} WITH NO DATA")
    cursor.execute(f"TRUNCATE {name}")
    return name


def _replace(cursor, table: str, new: str, key, figures, scope: str, params: dict, *, nullable=()) -> None:
    """Make the rows of `table` matching `scope` equal the rows of the temporary table `new`,
    writing only the differences: one full join finds them, then the rows that are gone are
    deleted, the changed ones updated and the new ones inserted (in the unique index's order),
    in one statement. A rebuild over rows that mostly hold already (the nightly window, the
    job's days, `rollup_rebuild` of a year) then writes, WAL-logs and index-checks only what
    changed — not every row twice, a DELETE and an INSERT that checks the unique index against
    the row it just deleted. A `nullable` key column (an id) is compared through coalesce(…, 0).
    Nothing to do when the rows went straight into `table` (`_scratch`)."""
    if new == table:
        return
    columns = (*key, *figures)
    same = " AND ".join(f"coalesce(n.{c}, 0) = coalesce(o.{c}, 0)" if c in nullable else f"n.{c} = o.{c}"
                        for c in key)
    cursor.execute(f"""
        WITH old AS (
            SELECT id, {", ".join(columns)} FROM {table} WHERE {scope}
        ), diff AS MATERIALIZED (
            SELECT o.id, n.{key[0]} IS NULL AS gone, {", ".join(f"n.{c}" for c in columns)}
            FROM {new} AS n FULL JOIN old AS o ON {same}
            WHERE o.id IS NULL OR n.{key[0]} IS NULL
               OR ({", ".join(f"o.{c}" for c in figures)}) IS DISTINCT FROM ({", ".join(f"n.{c}" for c in figures)})
        ), gone AS (
            DELETE FROM {table} AS t USING diff WHERE t.id = diff.id AND diff.gone
        ), changed AS (
            UPDATE {table} AS t SET ({", ".join(figures)}) = ({", ".join(f"diff.{c}" for c in figures)})
            FROM diff WHERE t.id = diff.id AND NOT diff.gone
        )
        INSERT INTO {table} ({", ".join(columns)})
        SELECT {", ".join(columns)} FROM diff WHERE id IS NULL ORDER BY {", ".join(key)}""", params)


def _rollup_models(cursor, start: date, end: date, units=None) -> None:
    """The UnitDay rows of every registered model for the window (of `units` only, if given):
    computed into a temporary table and written as differences (`_replace`), or straight into
    the table when it has no rows there (`_scratch`)."""
    entries = list(clock_models())
    window = _window(start, end, units)
    scope, params = ("item_type = ANY(%(labels)s) AND date BETWEEN %(start)s AND %(end)s" + _only_units(units),
                     {**window, "labels": [e.label for e in entries]})
    new = _scratch(cursor, "dashboards_unitday", DAY_COLUMNS, scope, params)
    with _local_zone(cursor):
        for entry in entries:
            cursor.execute(f"INSERT INTO {new} ({', '.join(DAY_COLUMNS)}) "
                           + _items_sql(entry.model, units=units is not None), {**window, "label": entry.label})
    if new != "dashboards_unitday" and units is None:
        cursor.execute(f"ANALYZE {new}")  # a whole window's rows: the full join's estimates
    _replace(cursor, "dashboards_unitday", new, DAY_KEY, DAY_FIGURES, scope, params)


COUNTER_KEY = ("date", "unit_id", "kind")
COUNTER_FIGURES = ("count", "value_sum")


def _counters_sql(where: str, source: str = "efficiency_event", day: str = f"(at AT TIME ZONE '{TZ}')::date",
                  into: str = "dashboards_unitdaycounter") -> str:
    """INSERT the UnitDayCounter rows of the counted events of `source` matching `where` (into
    `into`); `day` is the event's local date (`at::date` inside `_local_zone`)."""
    return f"""
        INSERT INTO {into} (date, unit_id, kind, count, value_sum)
        SELECT {day}, {EVENT_UNIT_SQL}, kind, sum({RATING_COUNTED_SQL}), sum({RATING_SQL})
        FROM {source}
        WHERE {where}
        GROUP BY 1, 2, 3"""


_COUNTER_ADD = """
    ON CONFLICT (date, unit_id, kind) DO UPDATE
       SET count = dashboards_unitdaycounter.count + EXCLUDED.count,
           value_sum = dashboards_unitdaycounter.value_sum + EXCLUDED.value_sum"""


def _rollup_counters(cursor, start: date, end: date, units=None) -> None:
    params = {**_window(start, end, units), "kinds": list(COUNTED_KINDS)}
    scope = "date BETWEEN %(start)s AND %(end)s" + _only_units(units)
    new = _scratch(cursor, "dashboards_unitdaycounter", (*COUNTER_KEY, *COUNTER_FIGURES), scope, params)
    with _local_zone(cursor):
        cursor.execute(_counters_sql("kind = ANY(%(kinds)s) AND at >= %(S)s AND at < %(E)s"
                                     + _only_units(units, EVENT_UNIT_SQL), day="at::date", into=new), params)
    _replace(cursor, "dashboards_unitdaycounter", new, COUNTER_KEY, COUNTER_FIGURES, scope, params,
             nullable=("unit_id",))


def counter_bump(events) -> None:
    """Batch subscriber of the counted kinds (`subscribe(..., batch=True)`): today's counters move
    as the events are written (same transaction), one statement for the emitting call's events
    however many (by their ids, `efficiency.events.EventBatch`: no row read into Python), so the
    cockpit does not wait for the beat task; the task recounts the day from the events with the
    same expressions, so both agree."""
    with connection.cursor() as cursor:
        cursor.execute(_counters_sql("id = ANY(%s)") + _COUNTER_ADD, [list(events.ids)])


def counter_bump_sql(source: str, kinds: list[str]) -> tuple[str, list]:
    """`counter_bump` as one statement over the events of `source` (the core's `write_with`
    runs it inside the statement that writes them: no round trip of its own)."""
    return _counters_sql("kind = ANY(%s::text[])", source) + _COUNTER_ADD, [list(kinds)]


def _rollup_months(cursor, start: date, end: date, units=None) -> None:
    params = {"first": start.replace(day=1), "last": month_after(end), "units": list(units or ())}
    cursor.execute("DELETE FROM dashboards_unitmonth WHERE month >= %(first)s AND month < %(last)s"
                   + _only_units(units), params)
    cursor.execute("""
        INSERT INTO dashboards_unitmonth (month, unit_id, item_type, opened, closed_on_time, closed_late,
                                          yellow_cards, red_cards)
        SELECT date_trunc('month', date)::date, unit_id, item_type, sum(opened), sum(closed_on_time),
               sum(closed_late), sum(yellow_cards), sum(red_cards)
        FROM dashboards_unitday WHERE date >= %(first)s AND date < %(last)s""" + _only_units(units) + """
        GROUP BY 1, 2, 3
    """, params)


def refresh_now(*, now: datetime | None = None, units=None) -> None:
    """The live stock per unit and type (UnitNow); with `units`, of those units only."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LIVE_STOCK_LOCK])
        for entry in clock_models():
            if units is None:
                cursor.execute("DELETE FROM dashboards_unitnow WHERE item_type = %s", [entry.label])
            else:
                cursor.execute("DELETE FROM dashboards_unitnow WHERE item_type = %s AND unit_id = ANY(%s)",
                               [entry.label, list(units)])
            stock, params = _live_stock(entry.model, now, units).query.sql_with_params()
            cursor.execute(f"""
                INSERT INTO dashboards_unitnow (unit_id, open, yellow_open, red_open, overdue_open, due_this_week,
                                                item_type, refreshed_at)
                SELECT s.*, %s, %s FROM ({stock}) AS s""", [entry.label, now, *params])


def _live_stock(model, now: datetime, units=None):
    """One model's open items per unit: open, yellow, red, overdue and due this week, in that
    order, as the clock defines them (`efficiency.models.ClockQuerySet`)."""
    unit_field = model.clock_unit_field
    qs = model.objects.started().open().filter(**{f"{unit_field}__isnull": False})
    if units is not None:
        qs = qs.filter(**{f"{unit_field}__in": list(units)})
    return (qs
            .order_by().values(unit_field)
            .annotate(n=Count("pk"), yellow=Count("pk", filter=ClockQuerySet.q_at_rung(Rung.YELLOW)),
                      red=Count("pk", filter=ClockQuerySet.q_at_rung(Rung.RED, or_above=True)),
                      overdue=Count("pk", filter=ClockQuerySet.q_overdue(now)),
                      week=Count("pk", filter=ClockQuerySet.q_due_before(week_end(now), now))))


def rollup_days(start: date, end: date) -> None:
    """Recompute every rollup of the days [start, end] from the raw items and events, then the
    scores of the months they touch."""
    if end < start:
        raise ValueError("end before start")
    with transaction.atomic(), connection.cursor() as cursor:
        scores_lock()  # one rollup at a time, and no score writer meanwhile
        cursor.execute("SET LOCAL work_mem = '256MB'")  # the year's deltas aggregate in memory
        _rollup_models(cursor, start, end)
        _rollup_counters(cursor, start, end)
        _rollup_months(cursor, start, end)
        scores_store(months_touched(start, end))


def dirty_collect(cursor) -> int:
    """Turn the events written since the last run into dirty (unit, day) rows; returns how many
    events were read. One statement, one snapshot: the new events' units and days go into
    RollupDirty, and the new high-water mark and count come back from the same read.

    Event ids are given at insert and rows become visible at commit, so an event may commit
    after a later id was read. The previous run's id range is read again; if it holds more
    events than it did (a late commit), it is collected again (idempotent: ON CONFLICT)."""
    state, _created = RollupState.objects.select_for_update().get_or_create(pk=1)
    cursor.execute("SELECT count(*) FROM efficiency_event WHERE id > %s AND id <= %s",
                   [state.prev_low, state.last_event_id])
    low = state.prev_low if cursor.fetchone()[0] != state.prev_count else state.last_event_id
    cursor.execute(f"""
        WITH ev AS (
            SELECT id, {EVENT_UNIT_SQL} AS unit_id, (at AT TIME ZONE '{TZ}')::date AS d
            FROM efficiency_event WHERE id > %(low)s
        ), dirty AS (
            INSERT INTO dashboards_rollupdirty (unit_id, date)
            SELECT DISTINCT unit_id, d FROM ev WHERE unit_id IS NOT NULL
            ON CONFLICT (unit_id, date) DO NOTHING
        )
        SELECT coalesce(max(id), %(last)s), count(*) FILTER (WHERE id > %(last)s), count(*) FROM ev
    """, {"low": low, "last": state.last_event_id})
    high, new_count, read = cursor.fetchone()
    if high > state.last_event_id:
        state.prev_low, state.prev_count, state.last_event_id = state.last_event_id, new_count, high
    elif low == state.last_event_id:
        return 0  # nothing new: the state stays as it is
    else:
        state.prev_count = read  # the previous range, recounted with its late event(s)
    state.save()
    return read


def dirty_mark(unit_ids, day: date) -> None:
    """Ask the next run to re-roll these units from `day` on (for a change that wrote no event)."""
    RollupDirty.objects.bulk_create([RollupDirty(unit_id=u, date=day) for u in unit_ids], ignore_conflicts=True)


def rollup_changes(*, now: datetime | None = None) -> dict:
    """The beat task's work: re-roll only the units and days touched since the last run.

    Once a day (the first run of a new day), yesterday and today are rolled whole: the stock at
    the end of a day moves with the date alone, without an event. Otherwise the run reads the
    new events (by id, from the high-water mark), and for each dirty unit re-rolls its days from
    the earliest dirty one to today, its months and its score rows, re-ranks the months touched,
    and refreshes its live stock. A run with nothing new does a constant handful of queries.

    Returns what was recomputed: {"full_days": (start, end) or None, "units": {unit_id: first
    day}, "months": [...]}."""
    now = now or timezone.now()
    today = local_date(now)
    done = {"full_days": None, "units": {}, "months": []}
    with transaction.atomic(), connection.cursor() as cursor:
        scores_lock()
        dirty_collect(cursor)
        if RollupState.objects.filter(pk=1).exclude(day=today).update(day=today):
            # a new day: yesterday and today whole; their dirty rows are covered by it
            rollup_days(today - timedelta(days=1), today)
            refresh_now(now=now)
            done["full_days"] = (today - timedelta(days=1), today)
            cursor.execute("DELETE FROM dashboards_rollupdirty WHERE date >= %s", [today - timedelta(days=1)])
        cursor.execute("DELETE FROM dashboards_rollupdirty RETURNING unit_id, date")
        firsts: dict[int, date] = {}
        for unit_id, day in cursor.fetchall():
            firsts[unit_id] = min(day, firsts.get(unit_id, day))
        if not firsts:
            return done
        by_start: dict[date, list[int]] = {}
        for unit_id, day in firsts.items():
            by_start.setdefault(min(day, today), []).append(unit_id)
        months: set[date] = set()
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # Many units dirty from the same day: their items read by the unit index cost more than
        # one scan of the table, so that window is re-rolled for every unit (the job then costs
        # at most the full recompute of the window).
        bound = max(WIDE_MIN_UNITS, WIDE_SHARE * Unit.objects.count()) if len(firsts) >= WIDE_MIN_UNITS else None
        wide = False
        for start, units in sorted(by_start.items()):
            only = units
            if bound is not None and len(units) >= bound:
                only, wide = None, True
            _rollup_models(cursor, start, today, only)
            _rollup_counters(cursor, start, today, only)
            _rollup_months(cursor, start, today, only)
            months.update(months_touched(start, today))
        units = None if wide else sorted(firsts)
        done["months"] = scores_store(sorted(months), unit_ids=units)
        refresh_now(now=now, units=units)
        done["units"] = firsts
    return done


# When at least WIDE_MIN_UNITS units and WIDE_SHARE of all units are dirty, `rollup_changes`
# re-rolls the window for every unit in one scan per table instead of reading each dirty unit's
# items by its index (bench/rollups.py: at 500 units, 430 dirty units by the index cost 2–3× the
# scan of every unit; 90 cost half of it).
WIDE_MIN_UNITS = 50
WIDE_SHARE = 0.3


def rollup_recent(*, now: datetime | None = None) -> dict:
    """The beat task (every five minutes): the changes since the last run (`rollup_changes`)."""
    return rollup_changes(now=now)
