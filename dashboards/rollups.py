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
yesterday and today, `manage.py rollup_rebuild` for any range.

The statements are PostgreSQL's; on another database (`make run`: SQLite) `rollup_days` and
`refresh_now` call the portable versions at the end of this module, which write the same rows.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from efficiency.models import ClockQuerySet, Rung
from efficiency.registry import clock_models
from efficiency.workdays import SHANGHAI, local_date

TZ = "Asia/Shanghai"
ROLLUP_LOCK = 0x0DA5_B0A2D  # pg_advisory_xact_lock key: one rollup at a time

# Event kinds counted per unit and day (the contract with the other parts).
COUNTED_KINDS = (
    "complaints.filed", "complaints.accepted", "complaints.substantiated", "complaints.rated",
    "approvals.deemed_approved", "approvals.rated", "cases.opened", "cases.decided",
    "rectification.verified", "inspection.finding", "assignment.urged", "keytask.urged",
)
# Satisfaction on a 0–100 scale: 好差评 满意 / 基本满意 / 不满意, and 1–5 stars for applications.
# complaints.rated carries the choice value (accountability.models.Rating); the Chinese labels
# are accepted too.
RATING_SCORES = {"satisfied": 100, "basically": 60, "dissatisfied": 0, "满意": 100, "基本满意": 60, "不满意": 0}
RATING_SQL = """CASE
    WHEN kind = 'complaints.rated' THEN CASE
        WHEN payload->>'rating' IN ('satisfied', '满意') THEN 100
        WHEN payload->>'rating' IN ('basically', '基本满意') THEN 60 ELSE 0 END
    WHEN kind = 'approvals.rated' AND payload->>'score' ~ '^[1-5]$' THEN (payload->>'score')::int * 20
    ELSE 0 END"""
RATING_COUNTED_SQL = """CASE WHEN kind = 'approvals.rated' AND NOT coalesce(payload->>'score', '') ~ '^[1-5]$'
    THEN 0 ELSE 1 END"""


def day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=SHANGHAI)


def _table(model) -> tuple[str, str]:
    unit_col = model._meta.get_field(model.clock_unit_field).column
    return connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(unit_col)


def _items_sql(model) -> str:
    # One UNION ALL of per-item deltas, one hash aggregate, one window: no joins between the
    # intermediate sets (the planner cannot estimate them and would nest loops).
    table, unit_col = _table(model)
    return f"""
WITH t AS (
    SELECT {unit_col} AS unit_id,
           (clock_start AT TIME ZONE '{TZ}')::date AS ds,
           (closed_at AT TIME ZONE '{TZ}')::date AS dc,
           (due_at AT TIME ZONE '{TZ}')::date AS dd,
           clock_state
    FROM {table}
    WHERE clock_start IS NOT NULL AND clock_start < %(E)s AND (closed_at IS NULL OR closed_at >= %(S)s)
      AND {unit_col} IS NOT NULL
), deltas (unit_id, d, opened, on_time, late, yellow, red, dopen, dover) AS (
    -- the stock before the window, carried in on its first day
    SELECT unit_id, %(start)s::date, 0, 0, 0, 0, 0, 1, (dd < %(start)s)::int FROM t WHERE ds < %(start)s
    UNION ALL
    SELECT unit_id, ds, 1, 0, 0, 0, 0, 1, 0 FROM t WHERE ds >= %(start)s
    UNION ALL
    SELECT unit_id, dc, 0, (clock_state <> 'done_late')::int, (clock_state = 'done_late')::int, 0, 0, -1, 0
      FROM t WHERE dc <= %(end)s
    UNION ALL
    SELECT unit_id, dd, 0, 0, 0, 0, 0, 0, 1 FROM t WHERE dd BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT unit_id, greatest(dd, dc), 0, 0, 0, 0, 0, 0, -1
      FROM t WHERE dd IS NOT NULL AND dc IS NOT NULL AND greatest(dd, dc) <= %(end)s
    UNION ALL
    SELECT unit_id, (at AT TIME ZONE '{TZ}')::date, 0, 0, 0,
           (level_from < 2 AND level_to >= 2)::int, (level_from < 3 AND level_to >= 3)::int, 0, 0
    FROM efficiency_event
    WHERE kind = 'clock.breach' AND subject_type = %(label)s AND at >= %(S)s AND at < %(E)s
      AND unit_id IS NOT NULL
), units AS (
    SELECT DISTINCT unit_id FROM deltas
), daily AS (
    SELECT unit_id, d, sum(opened) AS opened, sum(on_time) AS on_time, sum(late) AS late,
           sum(yellow) AS yellow, sum(red) AS red, sum(dopen) AS dopen, sum(dover) AS dover
    FROM (
        SELECT * FROM deltas
        UNION ALL
        SELECT unit_id, days.d::date, 0, 0, 0, 0, 0, 0, 0
        FROM units CROSS JOIN generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS days(d)
    ) AS all_rows
    GROUP BY unit_id, d
), dense AS (
    SELECT unit_id, d, opened, on_time, late, yellow, red,
           sum(dopen) OVER w AS open_end, sum(dover) OVER w AS overdue_end
    FROM daily
    WINDOW w AS (PARTITION BY unit_id ORDER BY d)
)
INSERT INTO dashboards_unitday (date, unit_id, item_type, opened, closed_on_time, closed_late,
                                yellow_cards, red_cards, open_at_end, overdue_open_at_end)
SELECT d, unit_id, %(label)s, opened, on_time, late, yellow, red, open_end, overdue_end
FROM dense
WHERE opened + on_time + late + yellow + red + open_end + overdue_end > 0
"""


def _rollup_model(cursor, entry, start: date, end: date) -> None:
    params = {"start": start, "end": end, "S": day_start(start), "E": day_start(end + timedelta(days=1)),
              "label": entry.label}
    cursor.execute("DELETE FROM dashboards_unitday WHERE item_type = %(label)s AND date BETWEEN %(start)s AND %(end)s",
                   params)
    cursor.execute(_items_sql(entry.model), params)


def _rollup_counters(cursor, start: date, end: date) -> None:
    params = {"start": start, "end": end, "S": day_start(start), "E": day_start(end + timedelta(days=1)),
              "kinds": list(COUNTED_KINDS)}
    cursor.execute("DELETE FROM dashboards_unitdaycounter WHERE date BETWEEN %(start)s AND %(end)s", params)
    cursor.execute(f"""
        INSERT INTO dashboards_unitdaycounter (date, unit_id, kind, count, value_sum)
        SELECT (at AT TIME ZONE '{TZ}')::date, coalesce(unit_id, CASE WHEN payload->>'unit_id' ~ '^[0-9]+$'
                   THEN (SELECT id FROM efficiency_unit WHERE id = (payload->>'unit_id')::bigint) END),
               kind, sum({RATING_COUNTED_SQL}), sum({RATING_SQL})
        FROM efficiency_event
        WHERE kind = ANY(%(kinds)s) AND at >= %(S)s AND at < %(E)s
        GROUP BY 1, 2, 3
    """, params)


def _json_text(payload, key: str) -> str | None:
    """`payload->>'key'` as PostgreSQL gives it: None for a missing key, JSON null or a payload
    that is not an object; the text of a scalar; the JSON text of an array or object."""
    if not isinstance(payload, dict) or payload.get(key) is None:
        return None
    value = payload[key]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _payload_unit_id(payload) -> int | None:
    """The unit named in the payload when its text is all ASCII digits (`~ '^[0-9]+$'`)."""
    text = _json_text(payload, "unit_id")
    return int(text) if text is not None and re.fullmatch(r"[0-9]+", text) else None


def _event_score(kind: str, payload: dict) -> tuple[int, int]:
    """(count, score) of one event, as RATING_SQL / RATING_COUNTED_SQL compute them (any payload:
    a missing, non-string or nested rating scores 0; a score that is not one digit 1–5 is not
    a rating)."""
    if kind == "complaints.rated":
        return 1, RATING_SCORES.get(_json_text(payload, "rating"), 0)
    if kind == "approvals.rated":
        score = _json_text(payload, "score")
        return (1, int(score) * 20) if score is not None and re.fullmatch(r"[1-5]", score) else (0, 0)
    return 1, 0


def counter_bump(event) -> None:
    """Subscriber of the counted kinds: today's counter moves as the event is written (same
    transaction), so the cockpit does not wait for the beat task; the task recounts the day from
    the events anyway, so both agree."""
    count, score = _event_score(event.kind, event.payload)
    unit_id = event.unit_id if event.unit_id is not None else _payload_unit_id(event.payload)
    day = local_date(event.at)
    if connection.vendor != "postgresql":
        # SQLite (make run) has no NULLS NOT DISTINCT unique constraint to conflict on; its
        # writers are serialised, so update-else-insert is enough there.
        from efficiency.models import Unit

        from .models import UnitDayCounter

        if unit_id is not None and not Unit.objects.filter(pk=unit_id).exists():
            unit_id = None
        row = UnitDayCounter.objects.filter(date=day, unit_id=unit_id, kind=event.kind)
        if not row.update(count=F("count") + count, value_sum=F("value_sum") + score):
            UnitDayCounter.objects.create(date=day, unit_id=unit_id, kind=event.kind, count=count, value_sum=score)
        return
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO dashboards_unitdaycounter (date, unit_id, kind, count, value_sum)
            VALUES (%s, (SELECT id FROM efficiency_unit WHERE id = %s), %s, %s, %s)
            ON CONFLICT (date, unit_id, kind) DO UPDATE
               SET count = dashboards_unitdaycounter.count + EXCLUDED.count,
                   value_sum = dashboards_unitdaycounter.value_sum + EXCLUDED.value_sum
        """, [day, unit_id, event.kind, count, score])


def _rollup_months(cursor, start: date, end: date) -> None:
    first = start.replace(day=1)
    last = (end.replace(day=1) + timedelta(days=32)).replace(day=1)
    params = {"first": first, "last": last}
    cursor.execute("DELETE FROM dashboards_unitmonth WHERE month >= %(first)s AND month < %(last)s", params)
    cursor.execute("""
        INSERT INTO dashboards_unitmonth (month, unit_id, item_type, opened, closed_on_time, closed_late,
                                          yellow_cards, red_cards)
        SELECT date_trunc('month', date)::date, unit_id, item_type, sum(opened), sum(closed_on_time),
               sum(closed_late), sum(yellow_cards), sum(red_cards)
        FROM dashboards_unitday WHERE date >= %(first)s AND date < %(last)s
        GROUP BY 1, 2, 3
    """, params)


def _store_scores(start: date, end: date) -> None:
    from .scoring import scores_store  # scoring reads the tables written here

    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    scores_store(months)


def week_end(now: datetime) -> datetime:
    today = local_date(now)
    return day_start(today + timedelta(days=7 - today.weekday()))  # next Monday 00:00


def refresh_now(*, now: datetime | None = None) -> None:
    """The live stock per unit and type (UnitNow)."""
    now = now or timezone.now()
    if connection.vendor != "postgresql":
        refresh_now_portable(now=now)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK + 1])
        for entry in clock_models():
            cursor.execute("DELETE FROM dashboards_unitnow WHERE item_type = %s", [entry.label])
            stock, params = _live_stock(entry.model, now).query.sql_with_params()
            cursor.execute(f"""
                INSERT INTO dashboards_unitnow (unit_id, open, yellow_open, red_open, overdue_open, due_this_week,
                                                item_type, refreshed_at)
                SELECT s.*, %s, %s FROM ({stock}) AS s""", [entry.label, now, *params])


def _live_stock(model, now: datetime):
    """One model's open items per unit: open, yellow, red, overdue and due this week, in that
    order, as the clock defines them (`efficiency.models.ClockQuerySet`)."""
    unit_field = model.clock_unit_field
    return (model.objects.started().open().filter(**{f"{unit_field}__isnull": False})
            .order_by().values(unit_field)
            .annotate(n=Count("pk"), yellow=Count("pk", filter=ClockQuerySet.q_at_rung(Rung.YELLOW)),
                      red=Count("pk", filter=ClockQuerySet.q_at_rung(Rung.RED, or_above=True)),
                      overdue=Count("pk", filter=ClockQuerySet.q_overdue(now)),
                      week=Count("pk", filter=ClockQuerySet.q_due_before(week_end(now), now))))


def rollup_days(start: date, end: date) -> None:
    """Recompute every rollup of the days [start, end] from the raw items and events."""
    if end < start:
        raise ValueError("end before start")
    if connection.vendor != "postgresql":
        rollup_days_portable(start, end)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])
        cursor.execute("SET LOCAL work_mem = '256MB'")  # the year's deltas aggregate in memory
        for entry in clock_models():
            _rollup_model(cursor, entry, start, end)
        _rollup_counters(cursor, start, end)
        _rollup_months(cursor, start, end)
        _store_scores(start, end)


def rollup_recent(*, now: datetime | None = None) -> None:
    """The beat task: yesterday (late closes and breaches after midnight) and today so far."""
    now = now or timezone.now()
    today = local_date(now)
    rollup_days(today - timedelta(days=1), today)
    refresh_now(now=now)


# --- the same rollups on another database (make run: SQLite) -----------------------------------
#
# The statements above are PostgreSQL's and stay so (benchmarked at province scale). On any other
# vendor the same rows come from the ORM and a pass in Python over the window's items and events:
# the embedded defaults hold demo-size data, and SQLite serialises its writers, so no lock is
# taken. Each function follows the SQL it stands for, NULLs included;
# tests/dashboards/test_portable_rollups.py runs both on PostgreSQL and compares the rows.

# Positions in a day's delta row, in the order of the SQL's `deltas` columns.
_OPENED, _ON_TIME, _LATE, _YELLOW, _RED, _DOPEN, _DOVER = range(7)


def _days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def unit_days_portable(entry, start: date, end: date) -> list:
    """The UnitDay rows of one clock model for [start, end], as `_items_sql` computes them
    (not saved)."""
    from efficiency.models import ClockState, Event

    from .models import UnitDay

    model, label = entry.model, entry.label
    S, E = day_start(start), day_start(end + timedelta(days=1))
    unit_field = model.clock_unit_field
    deltas: dict[tuple, list[int]] = defaultdict(lambda: [0] * 7)
    items = (model._base_manager.filter(clock_start__isnull=False, clock_start__lt=E,
                                        **{f"{unit_field}__isnull": False})
             .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=S)).order_by()
             .values_list(model._meta.get_field(unit_field).attname, "clock_start", "closed_at", "due_at",
                          "clock_state"))
    for unit, started, closed, due, state in items.iterator(chunk_size=5000):
        ds = local_date(started)
        dc = local_date(closed) if closed is not None else None
        dd = local_date(due) if due is not None else None
        if ds < start:  # the stock before the window, carried in on its first day
            row = deltas[(unit, start)]
            row[_DOPEN] += 1
            row[_DOVER] += dd is not None and dd < start
        else:
            row = deltas[(unit, ds)]
            row[_OPENED] += 1
            row[_DOPEN] += 1
        if dc is not None and dc <= end:
            row = deltas[(unit, dc)]
            row[_ON_TIME] += state != ClockState.DONE_LATE
            row[_LATE] += state == ClockState.DONE_LATE
            row[_DOPEN] -= 1
        if dd is not None and start <= dd <= end:
            deltas[(unit, dd)][_DOVER] += 1
        if dd is not None and dc is not None and max(dd, dc) <= end:
            deltas[(unit, max(dd, dc))][_DOVER] -= 1
    breaches = (Event._base_manager.filter(kind="clock.breach", subject_type=label, at__gte=S, at__lt=E,
                                           unit__isnull=False).order_by()
                .values_list("unit_id", "at", "level_from", "level_to"))
    for unit, at, level_from, level_to in breaches.iterator(chunk_size=5000):
        row = deltas[(unit, local_date(at))]
        # `(level_from < 2 AND level_to >= 2)::int`: a NULL level counts nothing
        known = level_from is not None and level_to is not None
        row[_YELLOW] += known and level_from < 2 and level_to >= 2
        row[_RED] += known and level_from < 3 and level_to >= 3
    out = []
    for unit in sorted({u for u, _d in deltas}):
        open_end = overdue_end = 0
        for d in _days(start, end):
            row = deltas.get((unit, d), [0] * 7)
            open_end += row[_DOPEN]
            overdue_end += row[_DOVER]
            if sum(row[_OPENED:_RED + 1]) + open_end + overdue_end > 0:
                out.append(UnitDay(date=d, unit_id=unit, item_type=label, opened=row[_OPENED],
                                   closed_on_time=row[_ON_TIME], closed_late=row[_LATE], yellow_cards=row[_YELLOW],
                                   red_cards=row[_RED], open_at_end=open_end, overdue_open_at_end=overdue_end))
    return out


def unit_day_counters_portable(start: date, end: date) -> list:
    """The UnitDayCounter rows of [start, end], as `_rollup_counters` computes them (not saved)."""
    from efficiency.models import Event, Unit

    from .models import UnitDayCounter

    events = list(Event._base_manager.filter(kind__in=COUNTED_KINDS, at__gte=day_start(start),
                                             at__lt=day_start(end + timedelta(days=1))).order_by()
                  .values_list("at", "unit_id", "kind", "payload"))
    # coalesce(unit_id, the payload's unit_id when such a unit exists)
    named = {_payload_unit_id(payload) for _at, unit, _k, payload in events if unit is None} - {None}
    existing = set(Unit.objects.filter(pk__in=named).values_list("pk", flat=True)) if named else set()
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for at, unit, kind, payload in events:
        if unit is None:
            unit = _payload_unit_id(payload)
            unit = unit if unit in existing else None
        count, score = _event_score(kind, payload)
        row = sums[(local_date(at), unit, kind)]
        row[0] += count
        row[1] += score
    return [UnitDayCounter(date=d, unit_id=unit, kind=kind, count=count, value_sum=value)
            for (d, unit, kind), (count, value) in sums.items()]


def _month_range(start: date, end: date) -> tuple[date, date]:
    return start.replace(day=1), (end.replace(day=1) + timedelta(days=32)).replace(day=1)


def unit_months_portable(start: date, end: date) -> list:
    """The UnitMonth rows of the months [start, end] touches, summed from UnitDay as
    `_rollup_months` does (not saved)."""
    from .models import UnitDay, UnitMonth

    first, last = _month_range(start, end)
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0] * 5)
    days = (UnitDay.objects.filter(date__gte=first, date__lt=last).order_by()
            .values_list("date", "unit_id", "item_type", "opened", "closed_on_time", "closed_late", "yellow_cards",
                         "red_cards"))
    for d, unit, item_type, *flows in days.iterator(chunk_size=5000):
        row = sums[(d.replace(day=1), unit, item_type)]
        for i, n in enumerate(flows):
            row[i] += n
    return [UnitMonth(month=month, unit_id=unit, item_type=item_type, opened=f[0], closed_on_time=f[1],
                      closed_late=f[2], yellow_cards=f[3], red_cards=f[4])
            for (month, unit, item_type), f in sums.items()]


def rollup_days_portable(start: date, end: date) -> None:
    """`rollup_days` for any database vendor: the same rows, by the ORM and Python."""
    from .models import UnitDay, UnitDayCounter, UnitMonth

    if end < start:
        raise ValueError("end before start")
    with transaction.atomic():
        for entry in clock_models():
            UnitDay.objects.filter(item_type=entry.label, date__gte=start, date__lte=end).delete()
            UnitDay.objects.bulk_create(unit_days_portable(entry, start, end), batch_size=2000)
        counters = unit_day_counters_portable(start, end)
        UnitDayCounter.objects.filter(date__gte=start, date__lte=end).delete()
        UnitDayCounter.objects.bulk_create(counters, batch_size=2000)
        first, last = _month_range(start, end)
        UnitMonth.objects.filter(month__gte=first, month__lt=last).delete()
        UnitMonth.objects.bulk_create(unit_months_portable(start, end), batch_size=2000)
        _store_scores(start, end)


def refresh_now_portable(*, now: datetime | None = None) -> None:
    """`refresh_now` for any database vendor: the live stock per unit and type by the ORM."""
    from .models import UnitNow

    now = now or timezone.now()
    with transaction.atomic():
        for entry in clock_models():
            unit_field = entry.model.clock_unit_field
            UnitNow.objects.filter(item_type=entry.label).delete()
            stock = _live_stock(entry.model, now)
            UnitNow.objects.bulk_create([
                UnitNow(unit_id=r[unit_field], item_type=entry.label, open=r["n"], yellow_open=r["yellow"],
                        red_open=r["red"], overdue_open=r["overdue"], due_this_week=r["week"], refreshed_at=now)
                for r in stock], batch_size=2000)
