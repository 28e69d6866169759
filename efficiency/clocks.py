"""Services that start, pause, resume, extend, close and recompute a clock (R02, R22, R23).

Apps call these inside their own service functions (which hold the transaction); each one
changes the item's clock fields, saves them and writes one event. Nothing else writes them,
except the sweep, which only moves `breach_level`, `prev_level`, `clock_state` and `next_at` up
(tests/efficiency/test_clock_single_writer.py). The ladder's rules are `efficiency.ladder`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import ladder, process_cache, workdays
from .events import Sql, event_emit
from .models import ClockState, LimitUnit, Rung, TimeLimitRule
from .workdays import SHANGHAI, end_of_day, local_date

CLOCK_FIELDS = [
    "time_rule", "clock_start", "limit_value", "limit_unit", "legal_limit_value", "legal_limit_unit",
    "due_at", "legal_due_at", "warn_at", "red_at", "notice_at", "escalate_at", "next_at",
    "breach_level", "clock_state", "paused_at", "pause_reason", "pauses", "extension_value",
    "extension_unit", "extension_reason", "extension_approver", "extended_at", "is_provisional", "closed_at",
]


class ClockError(ValidationError):
    pass


@dataclass(frozen=True)
class Limit:
    value: int
    unit: str = LimitUnit.WORKDAYS

    def __str__(self):
        return f"{self.value}{LimitUnit(self.unit).label}"


# --- pure arithmetic --------------------------------------------------------------------------


def limit_end(start: datetime, value: int, unit: str) -> datetime:
    """Where a limit counted from `start` ends (R02: the start day itself is not counted)."""
    if unit == LimitUnit.HOURS:
        return start + timedelta(hours=value)
    d = local_date(start)
    if unit == LimitUnit.WORKDAYS:
        return end_of_day(workdays.add_workdays(d, value))
    end = d + timedelta(days=value) if unit == LimitUnit.DAYS else workdays.add_months(d, value)
    # 民法典 §203: a period whose last day is a statutory holiday ends on the day after it.
    return end_of_day(workdays.index().next_workday(end))


def shift(moment: datetime, value: int, unit: str) -> datetime:
    """Move a due time later by `value` units (an extension, a pause credit). Like a limit, a
    day or month shift ends at the end of a working day: one that lands on a weekend or a
    holiday moves on to the next working day (R01), never leaving a due date on a rest day."""
    return moment if value == 0 else limit_end(moment, value, unit)


def credit_unit(limit_unit: str) -> str:
    """The unit a pause is credited in: a month-limit item is credited calendar days."""
    return LimitUnit.DAYS if limit_unit == LimitUnit.MONTHS else limit_unit


def pause_credit(paused_at: datetime, resumed_at: datetime, unit: str) -> int:
    """Paused time, in `credit_unit(unit)`, that does not count against the item (R23).

    Working days: the working days after the pause day up to and including the resume day
    (the same counting rule as the limit, R02), so weekends and holidays inside the pause are
    never credited (glpi#10594, frappe/helpdesk#3776 credited them). Calendar days and months:
    calendar days, likewise. Hours: whole hours paused.
    """
    if unit == LimitUnit.HOURS:
        return max(0, int((resumed_at - paused_at).total_seconds() // 3600))
    a, b = local_date(paused_at), local_date(resumed_at)
    if unit == LimitUnit.WORKDAYS:
        return max(0, workdays.count_workdays(a, b))
    return max(0, (b - a).days)


def _end_pause(item, now: datetime, **extra) -> int:
    credit = pause_credit(item.paused_at, now, item.limit_unit)
    pauses = list(item.pauses)
    pauses[-1] = {**pauses[-1], "to": now.isoformat(), "credit": credit,
                  "unit": credit_unit(item.limit_unit), **extra}
    item.pauses, item.paused_at, item.pause_reason = pauses, None, ""
    return credit


def _before(moment: datetime, value: int | None, unit: str) -> datetime | None:
    if value is None:
        return None
    if unit == LimitUnit.HOURS:
        return moment - timedelta(hours=value)
    d = local_date(moment)
    if unit == LimitUnit.WORKDAYS:
        # 提示 once at most `value` working days remain: from the end of the working day
        # `value` working days before the due date.
        return end_of_day(workdays.sub_workdays(d, value)) if value else moment
    return end_of_day(d - timedelta(days=value))


def _workdays_after(moment: datetime | None, n: int | None) -> datetime | None:
    if moment is None or n is None:
        return None
    return end_of_day(workdays.add_workdays(local_date(moment), n)) if n else moment


def schedule(item, *, now: datetime | None = None) -> None:
    """Recompute every threshold of a started clock from its start, limits, extension and
    pauses. Lowers the rung if the new dates put the item back on time; never raises it —
    only the sweep does that, so every rung crossed is an event."""
    if item.clock_start is None or item.limit_value is None:
        item.due_at = item.legal_due_at = item.warn_at = item.red_at = None
        item.notice_at = item.escalate_at = item.next_at = None
        return
    now = now or timezone.now()
    rule: TimeLimitRule | None = item.time_rule
    credits = [(p["credit"], credit_unit(p.get("unit", item.limit_unit))) for p in item.pauses if p.get("to")]

    def end(value, unit):
        moment = limit_end(item.clock_start, value, unit)
        if item.extension_value:
            moment = shift(moment, item.extension_value, item.extension_unit)
        for credit, credit_unit in credits:
            moment = shift(moment, credit, credit_unit)
        return moment

    item.due_at = end(item.limit_value, item.limit_unit)
    item.legal_due_at = end(item.legal_limit_value, item.legal_limit_unit) if item.legal_limit_value is not None else None
    warn_value, warn_unit = (rule.warn_value, rule.warn_unit) if rule else (1, LimitUnit.WORKDAYS)
    if item.limit_unit == LimitUnit.HOURS and warn_unit != LimitUnit.HOURS and warn_value is not None:
        warn_value, warn_unit = max(1, item.limit_value // 4), LimitUnit.HOURS
    item.warn_at = _before(item.due_at, warn_value, warn_unit)
    if item.warn_at is not None and item.warn_at <= item.clock_start:
        item.warn_at = None  # too short a limit to warn about
    if item.legal_due_at is not None and item.legal_due_at > item.due_at:
        item.red_at = item.legal_due_at
    else:
        item.red_at = _workdays_after(item.due_at, rule.red_after_workdays if rule else 3)
    item.notice_at = _workdays_after(item.red_at, rule.notice_after_workdays if rule else 2)
    item.escalate_at = _workdays_after(item.notice_at, rule.accountability_after_workdays if rule else 3)
    idx = workdays.index()
    item.is_provisional = any(
        at is not None and idx.is_provisional(local_date(at)) for at in (item.due_at, item.legal_due_at)
    )
    if item.closed_at is None:
        item.breach_level = min(item.breach_level, ladder.rung_at(item, now))
        item.clock_state = ladder.state_for(item.breach_level)
    # A paused clock has no next rung: the sweep's index leaves it out until it resumes.
    item.next_at = ladder.next_at(item) if item.closed_at is None and item.paused_at is None else None


def _save(item, fields=CLOCK_FIELDS):
    item.save(update_fields=list(fields))
    clocks_changed(type(item), [item.pk])


def clocks_changed(model, ids) -> None:
    """Tell the model's `on_change` hooks (`registry.register_clock_model`) that the clock fields
    of `ids` were just written, in the writer's transaction. Every writer here calls it; a
    service that inserts items started with `clock_start(save=False)` calls it after its INSERT."""
    from .registry import clock_model

    entry = clock_model(model._meta.label_lower)
    if entry is not None and entry.on_change and ids:
        for hook in entry.on_change:
            hook(model, list(ids))


def _rule_limits(rule: TimeLimitRule | None, limit: Limit | None, legal: Limit | None):
    if limit is None and rule is not None:
        limit = Limit(rule.limit_value, rule.limit_unit)
    if legal is None and rule is not None and rule.legal_limit_value is not None:
        legal = Limit(rule.legal_limit_value, rule.legal_limit_unit)
    if limit is None:
        raise ClockError(_("没有时限：请指定时限或时限规则。"))
    if legal is not None and legal.unit == limit.unit and limit.value > legal.value:
        # R16: the committed limit is never above the legal one.
        raise ClockError(_("承诺时限（%(limit)s）不得超过法定时限（%(legal)s）。") % {"limit": limit, "legal": legal})
    return limit, legal


# --- services ---------------------------------------------------------------------------------


def rule_get(code: str) -> TimeLimitRule:
    return TimeLimitRule.objects.get(code=code)


_rules: dict[str, TimeLimitRule] = {}
_rules_staleness = process_cache.Staleness(drop=_rules.clear)


def rule_cached(code: str) -> TimeLimitRule:
    """`rule_get` from this process's copy, for a hot path (a citizen's complaint): a rule edited
    here is read again at once, one edited in another process within a second."""
    if _rules_staleness.due():
        _rules.clear()  # read again, at most once a second
        _rules_staleness.checked()
    rule = _rules.get(code)
    if rule is None:
        rule = _rules[code] = rule_get(code)
    return rule


def rules_changed(**_signal) -> None:
    _rules.clear()
    _rules_staleness.changed_here()


def clock_start(item, *, actor, rule: TimeLimitRule | str | None = None, limit: Limit | None = None,
                legal: Limit | None = None, start: datetime | None = None, save: bool = True,
                message: str = ""):
    """Start (or restart) the item's clock. `start` defaults to now; the limit comes from the
    rule unless given. Emits `clock.started`."""
    if isinstance(rule, str):
        rule = rule_get(rule)
    if rule is not None and not rule.is_active and item.time_rule_id != rule.pk:
        # A rule switched off (停用) governs no new item; one already running on it keeps it.
        raise ClockError(_("时限规则“%(name)s”已停用，不能用于新的事项。") % {"name": rule.name})
    limit, legal = _rule_limits(rule, limit, legal)
    now = timezone.now()
    item.time_rule = rule
    item.clock_start = start or now
    item.limit_value, item.limit_unit = limit.value, limit.unit
    item.legal_limit_value = legal.value if legal else None
    item.legal_limit_unit = legal.unit if legal else LimitUnit.WORKDAYS
    item.breach_level = Rung.NONE
    item.paused_at, item.pause_reason, item.pauses = None, "", []
    item.extension_value, item.extension_reason, item.extension_approver, item.extended_at = None, "", None, None
    item.closed_at = None
    schedule(item, now=now)
    if save:
        _save(item)
        event_emit(**clock_started_event(item, actor=actor, message=message))
    return item


def clock_started_event(item, *, actor, message: str = "") -> dict:
    """The `clock.started` event of a clock started with `save=False`, for a service that inserts
    the item with its clock in one statement and writes its events together (`events_emit`)."""
    return dict(kind="clock.started", subject=item, actor=actor,
                message=message or _("开始计时，期限 %(due)s") % {"due": format_due(item.due_at)},
                payload={"due_at": item.due_at.isoformat(), "limit": str(Limit(item.limit_value, item.limit_unit))})


def clock_pause(item, *, actor, reason: str, note: str = ""):
    """Suspend the clock for a period the law excludes (R23: 听证、检验检测、专家评审 …)."""
    if item.closed_at:
        raise ClockError(_("已办结的事项不能暂停计时。"))
    if item.paused_at:
        raise ClockError(_("该事项已在暂停计时中。"))
    if item.clock_start is None:
        raise ClockError(_("该事项尚未开始计时。"))
    now = timezone.now()
    item.paused_at, item.pause_reason = now, reason
    item.pauses = [*item.pauses, {"reason": reason, "note": note, "by": actor.pk if actor else None,
                                  "from": now.isoformat(), "to": None, "credit": 0,
                                  "unit": credit_unit(item.limit_unit)}]
    item.next_at = None
    _save(item)
    # The due time at the pause: what gaming detection (late_pause) measures the pause against.
    event_emit("clock.paused", subject=item, actor=actor, message=note,
               payload={"reason": reason, "due_at": iso(item.due_at)})
    return item


def clock_resume(item, *, actor, note: str = "", at: datetime | None = None):
    """End the pause; the paused working time is credited to every deadline of the item."""
    if not item.paused_at:
        raise ClockError(_("该事项没有暂停计时。"))
    now = at or timezone.now()
    old_due = item.due_at
    credit = _end_pause(item, now, resumed_by=actor.pk if actor else None)
    schedule(item, now=now)
    _save(item)
    event_emit("clock.resumed", subject=item, actor=actor, message=note,
               payload={"credit": credit, "unit": credit_unit(item.limit_unit), "old_due_at": iso(old_due),
                        "due_at": iso(item.due_at)})
    return item


def clock_extend(item, *, actor, value: int, unit: str = LimitUnit.WORKDAYS, reason: str,
                 requested_at: datetime | None = None):
    """Record the one approved extension (R22: 20 + 10 working days, approved by the head).

    It must be asked for and approved before the due time; later it is refused and the
    item counts as late (超时办结)."""
    now = timezone.now()
    if item.closed_at:
        raise ClockError(_("已办结的事项不能延期。"))
    if item.extension_value:
        raise ClockError(_("该事项已延期一次，不能再次延期。"))
    if not reason or not reason.strip():
        raise ClockError(_("延期必须说明理由。"))
    if value <= 0:
        raise ClockError(_("延期时限必须大于零。"))
    if item.due_at is None:
        raise ClockError(_("该事项尚未开始计时。"))
    deadline = item.due_at
    if (requested_at or now) > deadline or now > deadline:
        raise ClockError(_("延期须在期限（%(due)s）届满前申请并批准；逾期申请不予受理，按超时办结计。")
                         % {"due": format_due(deadline)})
    old_due = item.due_at
    item.extension_value, item.extension_unit = value, unit
    item.extension_reason, item.extension_approver, item.extended_at = reason.strip(), actor, now
    schedule(item, now=now)
    _save(item)
    event_emit("clock.extended", subject=item, actor=actor, message=reason,
               payload={"value": value, "unit": unit, "old_due_at": iso(old_due), "due_at": iso(item.due_at)})
    return item


def clock_close(item, *, actor, message: str = "", at: datetime | None = None):
    """Stop the clock: done, or done_late if the (extended, pause-credited) due time passed.

    Closing straight from a pause first ends the pause, so its hold time is kept."""
    if item.closed_at:
        raise ClockError(_("该事项已办结。"))
    now = at or timezone.now()
    if item.paused_at:
        _end_pause(item, now, resumed_by=actor.pk if actor else None)
        schedule(item, now=now)
    late = item.is_late(now)
    item.closed_at = now
    item.clock_state = ClockState.DONE_LATE if late else ClockState.DONE
    item.next_at = None
    _save(item)
    event_emit("clock.closed", subject=item, actor=actor, message=message,
               payload={"late": late, "due_at": iso(item.due_at)})
    return item


def clock_set_closed(item, *, at: datetime, level: int = Rung.NONE, prev_level: int = Rung.NONE):
    """The fields `clock_close` writes, set on an unsaved item whose clock was started with
    `clock_start(..., save=False)` and that closed at `at` after its ladder reached `level` — for
    a past written in bulk (the demo's twelve months of history), with no event: the caller
    writes the events of that past itself."""
    item.closed_at = at
    item.clock_state = ClockState.DONE_LATE if item.is_late(at) else ClockState.DONE
    item.breach_level, item.prev_level, item.next_at = level, prev_level, None
    return item


def clocks_close(model, items, *, actor, message: str = "", at: datetime | None = None,
                 events: list[dict] | None = None) -> list:
    """`clock_close` for many items of one model in a constant number of statements: one UPDATE
    for the running clocks (closed_at, next_at and the done / done-late state, per row), one
    `bulk_update` of every clock field for the few closed straight from a pause (their pause
    ends first, as in `clock_close`), and the `clock.closed` events in one INSERT — together
    with `events`, the caller's own event specs, when it passes them. Items already closed are
    left out. Returns the items closed."""
    from django.db import connection

    from .events import events_emit

    now = at or timezone.now()
    items = [item for item in items if item.closed_at is None]
    paused = []
    for item in items:
        if item.paused_at:
            _end_pause(item, now, resumed_by=actor.pk if actor else None)
            schedule(item, now=now)
            paused.append(item)
        item.closed_at = now
        item.clock_state = ClockState.DONE_LATE if item.is_late(now) else ClockState.DONE
        item.next_at = None
    running = [item for item in items if item not in paused]
    if running:
        meta = model._meta
        q = connection.ops.quote_name
        table, pk = q(meta.db_table), q(meta.pk.column)
        with connection.cursor() as cur:
            cur.execute(f"""UPDATE {table} AS t SET closed_at = %s, next_at = NULL, clock_state = v.state
                            FROM unnest(%s::bigint[], %s::text[]) AS v(id, state) WHERE t.{pk} = v.id""",
                        [now, [item.pk for item in running], [item.clock_state for item in running]])
    if paused:
        model._default_manager.bulk_update(paused, CLOCK_FIELDS)
    clocks_changed(model, [item.pk for item in items])
    events_emit([*(dict(kind="clock.closed", subject=item, actor=actor, message=message, at=now,
                        payload={"late": item.clock_state == ClockState.DONE_LATE, "due_at": iso(item.due_at)})
                   for item in items), *(events or ())])
    return items


def clocks_close_claim(model, ids, *, at: datetime, kind: str, values: dict, where: dict) -> list[int]:
    """Close the running clocks of `ids` and claim them in the same UPDATE: `values` (the item's
    own fields: its status, decision) are set and `where` checked on the row (e.g. still
    undecided), so a second sweep or worker claims nothing. One statement, no item read, for a
    batch of any size: closed_at, next_at and the done / done-late state as `clocks_close` sets
    them. A paused clock is left alone (its time is not running). No `clock.closed` row: the
    caller's own event of `kind` states the close, so `kind` must imply `clock.closed` in the
    catalogue (`EventKind.implies`). Returns the ids closed, in id order."""
    from django.db import connection

    ids = list(ids)
    if not ids:
        return []
    sql, params = clocks_close_claim_sql(model, Sql("%s", [ids]), at=Sql("%s::timestamptz", [at]), kind=kind,
                                         values=values, where=where, returning="id")
    with connection.cursor() as cur:
        cur.execute(sql, params)
        closed = sorted(pk for (pk,) in cur.fetchall())
    clocks_changed(model, closed)
    return closed


def clocks_close_claim_sql(model, ids: Sql, *, at: Sql, kind: str, values: dict, where: dict, condition: Sql = None,
                           returning: str = "*") -> tuple[str, list]:
    """`clocks_close_claim` as one UPDATE for a writable CTE of the caller's (超时默认 claims,
    closes, writes its events, their subscribers' rows and its audit rows in one statement):
    `ids` an SQL array of keys, `at` the moment, `values`' items a value or `Sql`, `condition`
    more SQL on the row (`t`); it returns `returning` of the rows claimed. The caller calls
    `clocks_changed` with the ids once the statement ran."""
    from django.db import connection

    from .event_kinds import implied_kinds

    if "clock.closed" not in implied_kinds(kind):
        raise ValueError(f"{kind!r} does not imply clock.closed: close through clocks_close")
    meta, q = model._meta, connection.ops.quote_name
    fields = {name: meta.get_field(name) for name in (*values, *where)}
    if any(name in CLOCK_FIELDS for name in fields):
        raise ValueError("the clock's own fields are set here, not by the caller")
    sets = "".join(f", {q(fields[name].column)} = {value.expr if isinstance(value, Sql) else '%s'}"
                   for name, value in values.items())
    checks = "".join(f" AND t.{q(fields[name].column)} = %s" for name in where)
    sql = f"""
        UPDATE {q(meta.db_table)} AS t
        SET closed_at = {at.expr}, next_at = NULL,
            clock_state = CASE WHEN t.due_at IS NOT NULL AND t.due_at < {at.expr} THEN %s ELSE %s END{sets}
        WHERE t.{q(meta.pk.column)} = ANY({ids.expr}) AND t.closed_at IS NULL AND t.paused_at IS NULL{checks}
              {"AND " + condition.expr if condition else ""}
        RETURNING {returning}"""
    params = [*at.params, *at.params, ClockState.DONE_LATE, ClockState.DONE]
    for name, value in values.items():
        if isinstance(value, Sql):
            params += list(value.params)
        else:
            params.append(fields[name].get_db_prep_save(value, connection))
    params += [*ids.params, *(fields[name].get_db_prep_save(v, connection) for name, v in where.items()),
               *(condition.params if condition else [])]
    return sql, params


THRESHOLDS = ("due_at", "legal_due_at", "warn_at", "red_at", "notice_at", "escalate_at")


def clocks_recompute(*, actor=None, since: date | None = None, reason: str = "") -> dict:
    """After a calendar change: recompute every open clock whose dates may move, clear the
    provisional flag where the official year now holds its due date, and tell each owner the
    old and new due date (one `clock.rescheduled` event per moved item).

    A change on day D can move any threshold on or after D — the due date, but also a red
    card or notice date counted in working days after a due date that is already past — so
    the candidates are the open clocks with any threshold from the day before D on, plus
    paused ones. Calendar changes are rare (a year a year, a few edits), so this is a batched
    Python pass over the candidates, not the sweep's set-based path."""
    from django.db.models import Q

    from .registry import clock_models

    now = timezone.now()
    moved = 0
    cutoff = end_of_day(since) - timedelta(days=1) if since else None
    for entry in clock_models():
        qs = entry.model.objects.started().open()
        if cutoff is not None:
            near = Q(paused_at__isnull=False)
            for name in THRESHOLDS:
                near |= Q(**{f"{name}__gte": cutoff})
            qs = qs.filter(near)
        ids = list(qs.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), 1000):
            with transaction.atomic():
                for item in entry.model.objects.select_for_update().filter(pk__in=ids[start:start + 1000]):
                    moved += _recompute_one(item, actor=actor, now=now, reason=reason)
    return {"recomputed": moved}


def _recompute_one(item, *, actor, now: datetime, reason: str) -> int:
    before = [getattr(item, name) for name in (*THRESHOLDS, "is_provisional", "breach_level", "next_at")]
    old_due = item.due_at
    schedule(item, now=now)
    after = [getattr(item, name) for name in (*THRESHOLDS, "is_provisional", "breach_level", "next_at")]
    if before == after:
        return 0
    _save(item)
    if item.due_at != old_due:
        event_emit(
            "clock.rescheduled", subject=item, actor=actor, recipients=["owner"],
            message=_("因工作日历调整（%(reason)s），期限由 %(old)s 改为 %(new)s")
            % {"reason": reason, "old": format_due(old_due), "new": format_due(item.due_at)},
            payload={"old_due_at": iso(old_due), "due_at": iso(item.due_at)},
        )
    return 1


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def format_due(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(SHANGHAI)
    if local.hour == 23 and local.minute == 59:
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m-%d %H:%M")
