"""The core's gaming detectors (issue 18): patterns every clocked item can show, read from the
clock's own events (`efficiency.clocks` writes them) and the items' clock columns, over every
registered clock model at once (one UNION ALL per detector: one statement whatever the number of
models or items). The apps register their own (体外循环, ratings, re-submission) the same way.

- `late_pause`: a pause started within the last `share` of the limit, or on the last
  `last_workdays` working days before due, by a unit that did so at least `min_count` times in
  the window. One finding per item; figures: each such pause (when, due, share of the limit
  left, working days left) and the unit's count; evidence: the pause events.
- `serial_extension`: the same item's clock extended `min_extensions` times or more (`clock_extend`
  allows one extension per clock run: a second one needs a restart), the last one in the window;
  figures: each extension and the days it added; evidence: the extension events.
- `close_reopen`: a clock closed when it had at most `share` of its limit left (or was overdue)
  and started again on the same item within `max_gap_days`, with a later due date: the lapse
  hidden behind a fresh limit. (Apps close and start an item's clock from one stage to the next —
  a complaint accepted then assigned, a monthly progress report — early in the limit: not this.)
  Figures: when it closed, the share left then, when it started again, the due dates before and
  after, the days given back.
- `restart`: a clock started again while it was running (not closed), `min_restarts` times or
  more for the item; figures: each restart and the days it gave back.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils.translation import gettext_lazy as _

from . import registry

TZ = "Asia/Shanghai"
# How far before the window a restart's previous start is looked for (本地默认): an item restarted
# more than this after its first start is not seen as restarted.
HISTORY_DAYS = 400
# The due time the clock had at a moment, from the events that carry it (started, extended,
# resumed, rescheduled, closed and — since issue 18 — paused).
DUE_KINDS = ("clock.started", "clock.extended", "clock.resumed", "clock.rescheduled", "clock.closed", "clock.paused")


def clock_tables():
    """(label, table, unit column) of every registered clock model."""
    qn = connection.ops.quote_name
    for entry in registry.clock_models():
        model = entry.model
        unit_col = model._meta.get_field(model.clock_unit_field).column
        yield entry.label, qn(model._meta.db_table), qn(unit_col)


def _union(part: str, params_of) -> tuple[str, list]:
    """`part` (a SELECT with {label}, {table}, {unit} holes) for every clock model, UNION ALL."""
    parts, params = [], []
    for label, table, unit in clock_tables():
        parts.append(part.format(table=table, unit=unit))
        params += params_of(label)
    return " UNION ALL ".join(f"({p})" for p in parts), params


def _due_before(alias: str, before: str) -> str:
    """The due time of item `{alias}` as the last event carrying one before `{before}` (at, id)."""
    return f"""(SELECT (p.payload->>'due_at')::timestamptz
        FROM efficiency_event p
        WHERE p.subject_type = {alias}.subject_type AND p.subject_id = {alias}.subject_id
          AND p.kind IN ({", ".join(f"'{k}'" for k in DUE_KINDS)}) AND p.payload ? 'due_at'
          AND (p.at, p.id) < {before}
        ORDER BY p.at DESC, p.id DESC LIMIT 1)"""


def late_pause_sql(th, start, end):
    part = f"""
        SELECT e.id AS event_id, e.subject_type, e.subject_id, coalesce(e.unit_id, i.{{unit}}) AS unit_id, e.at,
               d.due_at, i.clock_start,
               extract(epoch FROM d.due_at - e.at) / nullif(extract(epoch FROM d.due_at - i.clock_start), 0) AS share_left,
               wdd.n - wdp.n AS wd_left
        FROM efficiency_event e
        JOIN {{table}} i ON i.id = e.subject_id
        CROSS JOIN LATERAL (SELECT coalesce(
            (e.payload->>'due_at')::timestamptz,
            (SELECT (r.payload->>'old_due_at')::timestamptz FROM efficiency_event r
             WHERE r.subject_type = e.subject_type AND r.subject_id = e.subject_id AND r.kind = 'clock.resumed'
               AND (r.at, r.id) > (e.at, e.id) ORDER BY r.at, r.id LIMIT 1),
            i.due_at) AS due_at) d
        -- LEFT: a due date beyond `wd` (a limit of months) is judged by its share of the limit only.
        LEFT JOIN wd wdp ON wdp.d = (e.at AT TIME ZONE '{TZ}')::date
        LEFT JOIN wd wdd ON wdd.d = (d.due_at AT TIME ZONE '{TZ}')::date
        WHERE e.kind = 'clock.paused' AND e.subject_type = %s AND e.at >= %s AND e.at < %s
          AND i.clock_start IS NOT NULL AND i.clock_start <= e.at AND d.due_at > e.at"""
    pauses, params = _union(part, lambda label: [label, start, end])
    sql = f"""
        SELECT lp.subject_type, lp.subject_id, lp.unit_id,
               'late_pause:' || lp.subject_type || ':' || lp.subject_id AS key,
               jsonb_build_object(
                   'pauses', jsonb_agg(jsonb_build_object(
                       'paused_at', lp.at, 'due_at', lp.due_at, 'clock_start', lp.clock_start,
                       'share_left', round(lp.share_left::numeric, 3), 'workdays_left', lp.wd_left) ORDER BY lp.at),
                   'unit_count', max(lp.unit_count), 'min_count', %s::int, 'share', %s::float,
                   'last_workdays', %s::int) AS figures,
               array_agg(lp.event_id ORDER BY lp.at, lp.event_id) AS event_ids
        FROM (SELECT p.*, count(*) OVER (PARTITION BY p.unit_id) AS unit_count
              FROM ({pauses}) p
              WHERE p.share_left <= %s::float OR p.wd_left < %s::int) lp
        WHERE lp.unit_count >= %s::int AND lp.unit_id IS NOT NULL
        GROUP BY lp.subject_type, lp.subject_id, lp.unit_id"""
    share, last, n = th["share"], th["last_workdays"], th["min_count"]
    return sql, [n, share, last, *params, share, last, n]


def serial_extension_sql(th, start, end):
    part = """
        SELECT e.id AS event_id, e.subject_type, e.subject_id, coalesce(e.unit_id, i.{unit}) AS unit_id, e.at,
               e.payload->>'value' AS value, e.payload->>'unit' AS unit, e.payload->>'old_due_at' AS old_due_at,
               e.payload->>'due_at' AS due_at,
               round((extract(epoch FROM (e.payload->>'due_at')::timestamptz
                              - (e.payload->>'old_due_at')::timestamptz) / 86400.0)::numeric, 1) AS days
        FROM efficiency_event e JOIN {table} i ON i.id = e.subject_id
        WHERE e.kind = 'clock.extended' AND e.subject_type = %s AND e.at >= %s AND e.at < %s"""
    rows, params = _union(part, lambda label: [label, start - timedelta(days=th["lookback_days"]), end])
    sql = f"""
        SELECT x.subject_type, x.subject_id, max(x.unit_id) AS unit_id,
               'serial_extension:' || x.subject_type || ':' || x.subject_id AS key,
               jsonb_build_object(
                   'extensions', jsonb_agg(jsonb_build_object('at', x.at, 'value', x.value, 'unit', x.unit,
                                                              'old_due_at', x.old_due_at, 'due_at', x.due_at,
                                                              'days', x.days) ORDER BY x.at),
                   'count', count(*), 'days_added', sum(x.days), 'min_extensions', %s::int,
                   'lookback_days', %s::int) AS figures,
               array_agg(x.event_id ORDER BY x.at, x.event_id) AS event_ids
        FROM ({rows}) x
        GROUP BY x.subject_type, x.subject_id
        HAVING count(*) >= %s::int AND max(x.at) >= %s"""
    n, back = th["min_extensions"], th["lookback_days"]
    return sql, [n, back, *params, n, start]


def _starts_sql(start, end) -> tuple[str, list]:
    """Every clock start in the window that follows an earlier start of the same item (within
    `HISTORY_DAYS` before the window), with the close between them (if any), the due time before
    it and the one it set. The previous start comes from a window function over the starts (one
    sort), not a probe per start: most items start once, and a probe each cost 3.7 s at 200,000."""
    part = f"""
        SELECT s.id AS event_id, s.subject_type, s.subject_id, coalesce(s.unit_id, i.{{unit}}) AS unit_id, s.at,
               (s.payload->>'due_at')::timestamptz AS new_due_at, s.prev_id, s.prev_at,
               cl.id AS closed_id, cl.at AS closed_at,
               {_due_before('s', '(s.at, s.id)')} AS old_due_at
        FROM (SELECT e.id, e.at, e.subject_type, e.subject_id, e.unit_id, e.payload,
                     lag(e.id) OVER w AS prev_id, lag(e.at) OVER w AS prev_at
              FROM efficiency_event e
              WHERE e.kind = 'clock.started' AND e.subject_type = %s AND e.at >= %s AND e.at < %s
              WINDOW w AS (PARTITION BY e.subject_id ORDER BY e.at, e.id)) s
        JOIN {{table}} i ON i.id = s.subject_id
        LEFT JOIN LATERAL (SELECT c.id, c.at FROM efficiency_event c
            WHERE c.subject_type = s.subject_type AND c.subject_id = s.subject_id AND c.kind = 'clock.closed'
              AND (c.at, c.id) > (s.prev_at, s.prev_id) AND (c.at, c.id) < (s.at, s.id)
            ORDER BY c.at DESC, c.id DESC LIMIT 1) cl ON true
        WHERE s.at >= %s AND s.prev_id IS NOT NULL"""
    return _union(part, lambda label: [label, start - timedelta(days=HISTORY_DAYS), end, start])


def close_reopen_sql(th, start, end):
    starts, params = _starts_sql(start, end)
    sql = f"""
        SELECT r.subject_type, r.subject_id, r.unit_id,
               'close_reopen:' || r.subject_type || ':' || r.subject_id || ':' || r.event_id AS key,
               jsonb_build_object('closed_at', r.closed_at, 'reopened_at', r.at, 'old_due_at', r.old_due_at,
                                  'new_due_at', r.new_due_at,
                                  'gap_hours', round((extract(epoch FROM r.at - r.closed_at) / 3600.0)::numeric, 1),
                                  'days_given_back', round((extract(epoch FROM r.new_due_at - r.old_due_at)
                                                            / 86400.0)::numeric, 1),
                                  'share_left_at_close', round((extract(epoch FROM r.old_due_at - r.closed_at)
                                      / nullif(extract(epoch FROM r.old_due_at - r.prev_at), 0))::numeric, 3),
                                  'max_gap_days', %s::int, 'share', %s::float) AS figures,
               ARRAY[r.closed_id, r.event_id]::bigint[] AS event_ids
        FROM ({starts}) r
        WHERE r.closed_id IS NOT NULL AND r.at - r.closed_at <= make_interval(days => %s::int)
          AND r.new_due_at > r.old_due_at
          AND extract(epoch FROM r.old_due_at - r.closed_at)
              <= %s::float * extract(epoch FROM r.old_due_at - r.prev_at)"""
    return sql, [th["max_gap_days"], th["share"], *params, th["max_gap_days"], th["share"]]


def restart_sql(th, start, end):
    starts, params = _starts_sql(start, end)
    sql = f"""
        SELECT r.subject_type, r.subject_id, max(r.unit_id) AS unit_id,
               'restart:' || r.subject_type || ':' || r.subject_id AS key,
               jsonb_build_object(
                   'restarts', jsonb_agg(jsonb_build_object(
                       'at', r.at, 'previous_start', r.prev_at, 'old_due_at', r.old_due_at, 'new_due_at', r.new_due_at,
                       'days_given_back', round((extract(epoch FROM r.new_due_at - r.old_due_at) / 86400.0)::numeric, 1))
                       ORDER BY r.at),
                   'count', count(*),
                   'days_given_back', round((sum(extract(epoch FROM r.new_due_at - r.old_due_at)) / 86400.0)::numeric, 1),
                   'min_restarts', %s::int) AS figures,
               array_agg(r.prev_id ORDER BY r.at) || array_agg(r.event_id ORDER BY r.at) AS event_ids
        FROM ({starts}) r
        WHERE r.closed_id IS NULL
        GROUP BY r.subject_type, r.subject_id
        HAVING count(*) >= %s::int"""
    return sql, [th["min_restarts"], *params, th["min_restarts"]]


def register() -> None:
    """Called from the core's AppConfig.ready. Every threshold is a local default (本地默认,
    种子未规定): the office sets its own in the thresholds table."""
    reg = registry.register_gaming_detector
    reg("late_pause", label=_("临期暂停"), sql=late_pause_sql, thresholds={
        "share": (0.1, _("暂停时剩余时限占比不超过")),
        "last_workdays": (1, _("或在到期前最后几个工作日内暂停")),
        "min_count": (3, _("同一单位在识别时段内至少次数")),
    }, description=_("在时限最后十分之一或到期前最后一个工作日暂停计时，同一单位反复出现。"))
    reg("serial_extension", label=_("连续延期"), sql=serial_extension_sql, thresholds={
        "min_extensions": (2, _("同一事项延期至少次数")),
        "lookback_days": (365, _("回溯天数")),
    }, description=_("同一事项经重新计时后一再延期。"))
    reg("close_reopen", label=_("临期办结后重新计时"), sql=close_reopen_sql, thresholds={
        "share": (0.1, _("办结时剩余时限占比不超过（超期为负）")),
        "max_gap_days": (30, _("办结后多少天内重新计时")),
    }, description=_("临近期限或已超期时停止计时，随即对同一事项重新计时，得到更晚的期限。"
                     "环节之间的正常转换（受理后交办、按月进度报告）在期限之前办结，不在此列。"))
    reg("restart", label=_("重复起算"), sql=restart_sql, thresholds={
        "min_restarts": (2, _("同一事项未办结即重新起算至少次数")),
    }, description=_("事项未办结即重新开始计时，时限被一再重置。"))
