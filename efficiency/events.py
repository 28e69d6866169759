"""Emitting events: the history of every item, and the outbox of every notification."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from contextlib import nullcontext
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import registry
from .audit import audit_insert_sql
from .celery import app as celery_app
from .event_kinds import event_kind, implied_kinds
from .models import Event
from .pg.prepared import execute_prepared

log = logging.getLogger(__name__)


def subject_label(obj) -> str:
    return obj._meta.label_lower


def event_emit(
    kind: str,
    *,
    subject,
    actor=None,
    message: str = "",
    payload: dict | None = None,
    recipients: list[str] | tuple[str, ...] = (),
    unit=None,
    owner_id: int | None = None,
    level_from: int | None = None,
    level_to: int | None = None,
    at=None,
) -> Event:
    """Write one event in the caller's transaction, run its subscribers, and after commit ask
    a worker to fan it out. The event row is the outbox: if the broker is down, the periodic
    fan-out picks it up later, so nothing is lost. A kind missing from the catalogue
    (`efficiency.event_kinds`) raises `UnknownEventKind` before anything is written."""
    return events_emit([dict(kind=kind, subject=subject, actor=actor, message=message, payload=payload,
                             recipients=recipients, unit=unit, owner_id=owner_id, level_from=level_from,
                             level_to=level_to, at=at)])[0]


def events_emit(specs: list[dict]) -> list[Event]:
    """Several events in one INSERT, each spec holding `event_emit`'s arguments: a service that
    writes two events (a clock started and the item filed) pays one statement, and a handler
    fanning a sweep batch out into a thousand events pays one too. Subscribers registered with
    `batch=True` are called once per kind with an `EventBatch` of its events, so they can answer
    the whole batch in a constant number of statements; the others once per event."""
    if not specs:
        return []
    events = [_event_new(**spec) for spec in specs]
    _events_insert(events)
    by_kind: dict[str, list[Event]] = {}
    for event in events:
        by_kind.setdefault(event.kind, []).append(event)
    for kind, of_kind in by_kind.items():
        _dispatch(EventBatch(kind, [e.pk for e in of_kind], of_kind))
    if any(event.recipients for event in events):
        transaction.on_commit(request_fan_out)
    return events


class EventBatch(Sequence):
    """The events of one kind written by one emitting call, as a batch subscriber hears them:
    `kind` and `ids` (in the order written) — what a subscriber answering in SQL needs, e.g.
    `INSERT … SELECT … FROM efficiency_event WHERE id = ANY(ids)`. Indexing or iterating gives
    the `Event` rows, read in one query the first time when the emitter built none
    (`events_insert_select`)."""

    __slots__ = ("kind", "ids", "_events")

    def __init__(self, kind: str, ids: list[int], events: list[Event] | None = None):
        self.kind, self.ids, self._events = kind, ids, events

    def _rows(self) -> list[Event]:
        if self._events is None:
            found = Event.objects.in_bulk(self.ids)
            self._events = [found[pk] for pk in self.ids]
        return self._events

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        return self._rows()[index]

    def __repr__(self) -> str:
        return f"<EventBatch {self.kind} ×{len(self.ids)}>"


def _dispatch(batch: EventBatch) -> None:
    """Run the subscribers of the batch's kind and of the kinds it implies
    (`EventKind.implies`), each handler once."""
    kinds = (batch.kind, *implied_kinds(batch.kind))
    seen: set = set()
    for kind in kinds:
        for handler in registry.batch_subscribers(kind):
            if handler not in seen:
                seen.add(handler)
                handler(batch)
    per_event: list = []
    for kind in kinds:
        per_event += [handler for handler in registry.subscribers(kind) if handler not in per_event]
    for event in batch if per_event else ():
        for handler in per_event:
            handler(event)


# The columns of the events a statement just wrote, as its subscribers' SQL forms read them
# (`registry.subscribe(…, sql=…)`): `RETURNING` of `write_with`'s, the sweep's and
# `events_insert_select_sql`'s INSERT.
EVENT_COLUMNS = "id, at, kind, subject_type, subject_id, unit_id, actor_id, owner_id, message, payload, fanned_out"


def events_insert_select(kind: str, from_sql: str, params: list, **columns) -> EventBatch:
    """Events of one kind made by one INSERT … SELECT from a query of the caller's, no row built
    in Python (`events_insert_select_sql`'s arguments). The subscribers hear the batch as from
    `events_emit` (an `EventBatch`: kind and ids); a fan-out is asked for after commit when any
    row has recipients."""
    sql, sql_params = events_insert_select_sql(kind, from_sql, params, **columns)
    with connection.cursor() as cur:
        cur.execute(sql, sql_params)
        rows = cur.fetchall()
    batch = EventBatch(kind, [row[0] for row in rows])
    if rows:
        _dispatch(batch)
    if any(not row[-1] for row in rows):
        transaction.on_commit(request_fan_out)
    return batch


def events_insert_select_sql(kind: str, from_sql: str, params: list, *, subject_type: str, subject_id: str,
                             unit_id: str = "NULL", owner_id: str = "NULL", message: str = "''",
                             payload: str = "'{}'::jsonb", recipients: str = "'[]'::jsonb", actor_id: str = "NULL",
                             at=None) -> tuple[str, list]:
    """The INSERT … SELECT of `events_insert_select`, for a writable CTE of the caller's (the
    statement and its parameters; it returns `EVENT_COLUMNS`): `subject_id`, `unit_id`,
    `owner_id`, `actor_id`, `message`, `payload` (jsonb) and `recipients` (a jsonb array of
    recipient specs) are SQL expressions (no placeholder) over `from_sql` (which starts with
    FROM; its placeholders filled by `params`); `at` a moment or `Sql` (an expression without
    placeholders, e.g. over an earlier CTE). The kind must be in the catalogue. A caller that
    runs it inside its own statement runs the subscribers too (`subscriber_ctes`)."""
    event_kind(kind)
    at_sql, at_params = (at.expr, []) if isinstance(at, Sql) else ("%s::timestamptz", [at or timezone.now()])
    return (f"""
        INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, actor_id, owner_id, message,
                                      payload, recipients, fanned_out)
        SELECT {at_sql}, %s, %s, s.subject_id, s.unit_id, s.actor_id, s.owner_id, s.message, s.payload, s.recipients,
               s.recipients = '[]'::jsonb
        FROM (SELECT ({subject_id})::bigint AS subject_id, ({unit_id})::bigint AS unit_id,
                     ({owner_id})::bigint AS owner_id, ({actor_id})::bigint AS actor_id, ({message})::text AS message,
                     ({payload})::jsonb AS payload, ({recipients})::jsonb AS recipients
              {from_sql}) AS s
        RETURNING {EVENT_COLUMNS}""", [*at_params, kind, subject_type, *params])


_EVENT_INSERT = """
    INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, actor_id, owner_id, level_from,
                                  level_to, message, payload, recipients, fanned_out)
    SELECT * FROM unnest(%s::timestamptz[], %s::text[], %s::text[], %s::bigint[], %s::bigint[], %s::bigint[],
                         %s::bigint[], %s::smallint[], %s::smallint[], %s::text[], %s::jsonb[], %s::jsonb[],
                         %s::boolean[])
    RETURNING id"""


def _events_insert(events: list[Event]) -> None:
    """The events in one INSERT of column arrays, their ids set from RETURNING (rows come back in
    the order of the arrays). Plain tuples, no per-field preparation: Django's bulk_create
    compiled every field of every row, which was most of a handler batch's time."""
    from django.db import connection

    dumps = json.dumps
    columns = [[], [], [], [], [], [], [], [], [], [], [], [], []]
    for e in events:
        for column, value in zip(columns, (
                e.at, e.kind, e.subject_type, e.subject_id, e.unit_id, e.actor_id, e.owner_id, e.level_from,
                e.level_to, e.message, dumps(e.payload, ensure_ascii=False),
                dumps(e.recipients, ensure_ascii=False), e.fanned_out)):
            column.append(value)
    with connection.cursor() as cur:
        cur.execute(_EVENT_INSERT, columns)
        for event, (pk,) in zip(events, cur.fetchall()):
            event.pk = pk
            event._state.adding, event._state.db = False, connection.alias


def _event_new(kind: str, *, subject, actor=None, message: str = "", payload: dict | None = None,
               recipients=(), unit=None, owner_id: int | None = None, level_from: int | None = None,
               level_to: int | None = None, at=None) -> Event:
    event_kind(kind)
    if unit is None:
        # The id, not the object: reading `subject.unit` would be a query per event.
        unit_field = getattr(subject, "clock_unit_field", "unit")
        unit_id = getattr(subject, f"{unit_field}_id", None)
    else:
        unit_id = unit if isinstance(unit, int) else unit.pk
    if owner_id is None:
        owner_field = getattr(subject, "clock_owner_field", "owner")
        owner_id = getattr(subject, f"{owner_field}_id", None)
    return Event(
        at=at or timezone.now(),
        kind=kind,
        subject_type=subject_label(subject),
        subject_id=subject.pk,
        unit_id=unit_id,
        actor=actor if getattr(actor, "pk", None) else None,
        owner_id=owner_id,
        level_from=level_from,
        level_to=level_to,
        message=message,
        payload=payload or {},
        recipients=list(recipients),
        # Nothing to deliver: keep it out of the fan-out's pending index.
        fanned_out=not recipients,
    )


class Sql(NamedTuple):
    """A value of `write_with`'s events given as an SQL expression over the row being written
    (the CTE `s`, whose columns are the table's), with its parameters."""

    expr: str
    params: tuple | list = ()


def write_with(*, model, row: tuple[str, list], before=(), events=(), audit: dict | None = None,
               select: str = "s.id") -> tuple[tuple, list[int]]:
    """Write one row, its events, what their subscribers do and its audit row in ONE statement (a
    writable CTE): one round trip and, outside a transaction, one commit — for the hot path of
    a public POST (issue #17), where each statement was a round trip.

    - `row`: (sql, params) of a data-modifying statement writing at most one row of `model`
      with `RETURNING *` (`efficiency.bulk.row_insert_select`); it may read the `before` CTEs.
    - `before`: (name, sql, params) CTEs the row reads (a lookup, a DELETE … RETURNING); not
      named `s`, `ev`, `au` or `sub<n>`.
    - `events`: `event_emit`'s arguments without `subject` (the row written is the subject);
      a value may be `Sql(…)` over the row. Written only if the row was.
    - `audit`: `audit_record`'s arguments without `obj` (the row written is the object).
    - `select`: SQL over `s` and the `before` CTEs, the statement's result; the columns of
      `s` are NULL when no row was written.

    Batch subscribers of the events' kinds that gave an SQL form (`registry.subscribe(…,
    sql=…)`) run inside the statement; any other subscriber makes it run in a transaction and
    is called after it, as `events_emit` would. Returns the `select` row and the events' ids."""
    meta, q = model._meta, connection.ops.quote_name
    label = meta.label_lower
    field_names = {f.name for f in meta.concrete_fields}
    ctes, params = [], []
    for name, sql, cte_params in before:
        ctes.append(f"{name} AS ({sql})")
        params += cte_params
    ctes.append(f"s AS ({row[0]})")
    params += row[1]
    python_handlers: dict[str, tuple[list, list]] = {}
    if events:
        ev_sql, ev_params = _events_insert_sql(meta, label, field_names, events)
        ctes.append(f"ev AS ({ev_sql})")
        params += ev_params
        sub_ctes, sub_params, python_handlers = subscriber_ctes(dict.fromkeys(spec["kind"] for spec in events))
        ctes += sub_ctes
        params += sub_params
    if audit is not None:
        au_sql, au_params = audit_insert_sql("s", f"s.{q(meta.pk.column)}", object_type=label, **audit)
        ctes.append(f"au AS ({au_sql})")
        params += au_params
    written = ("ARRAY(SELECT id FROM ev ORDER BY id), EXISTS (SELECT 1 FROM ev WHERE NOT fanned_out)" if events
               else "'{}'::bigint[], FALSE")
    sql = f"WITH {', '.join(ctes)} SELECT {select}, {written} FROM (SELECT 1) AS one LEFT JOIN s ON TRUE"
    # Inside a transaction already: a savepoint, so that a failed statement (a unique key) can be
    # retried. Outside: the statement is its own transaction, unless subscribers run after it.
    with transaction.atomic() if connection.in_atomic_block or python_handlers else nullcontext():
        with connection.cursor() as cur:
            execute_prepared(cur, sql, params)  # parsed and planned once per connection
            *result, event_ids, fan_out = cur.fetchone()
        if python_handlers and event_ids:
            dispatch_written(Event.objects.filter(pk__in=event_ids).order_by("pk"), python_handlers)
    if fan_out:
        transaction.on_commit(request_fan_out)
    return tuple(result), event_ids


def subscriber_ctes(kinds, source: str = "ev", prefix: str = "sub") -> tuple[list[str], list, dict[str, tuple[list, list]]]:
    """What the subscribers of events of `kinds` written by a statement's CTE `source` do, as
    more CTEs of that statement (a writable CTE: no round trip of their own) — `write_with`'s,
    the sweep's, 超时默认's: the batch subscribers of each kind and of the kinds it implies that
    gave an SQL form (`registry.subscribe(…, sql=…)`), one CTE `<prefix><i>` each, or the CTEs
    the form gives whole (`name AS (…)`: a subscriber that writes rows, then their events); and, kind → (batch
    handlers, per-event handlers), those without one (or whose form answered None), for the
    caller to call after the statement (`dispatch_written`). Positional parameters, in the order
    of the CTEs. `prefix`: for a subscriber's own subscribers (CTE names are the statement's)."""
    ctes, params, python_handlers, by_handler = [], [], {}, {}
    for kind in kinds:
        batch_handlers, per_event = [], []
        for heard_as in (kind, *implied_kinds(kind)):  # as `_dispatch`: the implied kinds' subscribers too
            for handler in registry.batch_subscribers(heard_as):
                if registry.batch_subscriber_sql(handler) is None:
                    if handler not in batch_handlers:
                        batch_handlers.append(handler)
                elif kind not in by_handler.setdefault(handler, []):
                    by_handler[handler].append(kind)
            per_event += [handler for handler in registry.subscribers(heard_as) if handler not in per_event]
        python_handlers[kind] = (batch_handlers, per_event)
    for i, (handler, of_kinds) in enumerate(by_handler.items()):  # one statement per handler: ON CONFLICT
        form = registry.batch_subscriber_sql(handler)(source, of_kinds)  # meets a row once
        if form is None:  # no SQL form this time: called after the statement
            for kind in of_kinds:
                python_handlers[kind][0].append(handler)
            continue
        sub_sql, sub_params = form
        ctes += [f"{prefix}{i} AS ({sub_sql})"] if isinstance(sub_sql, str) else list(sub_sql)
        params += sub_params
    return ctes, params, {kind: h for kind, h in python_handlers.items() if h[0] or h[1]}


def _events_insert_sql(meta, label: str, field_names: set[str], events) -> tuple[str, list]:
    """INSERT … SELECT of `write_with`'s events, one SELECT from the written row `s` per event."""
    q = connection.ops.quote_name
    dumps = json.dumps

    def column(attr: str, default: str) -> str:
        name = getattr(meta.model, attr, default)
        return f"s.{q(meta.get_field(name).column)}" if name in field_names else "NULL::bigint"

    unit_column, owner_column = column("clock_unit_field", "unit"), column("clock_owner_field", "owner")
    selects, params = [], []
    for spec in events:
        spec = dict(spec)
        spec.pop("subject", None)
        kind = spec.pop("kind")
        event_kind(kind)
        actor = spec.pop("actor", None)
        values = [("%s::timestamptz", [spec.pop("at", None) or timezone.now()]), ("%s::text", [kind]),
                  ("%s::text", [label]), (f"s.{q(meta.pk.column)}", [])]
        values += [_key_value(spec.pop("unit", None), unit_column),
                   ("%s::bigint", [actor.pk if getattr(actor, "pk", None) else None]),
                   _key_value(spec.pop("owner_id", None), owner_column)]
        values += [("%s::smallint", [spec.pop("level_from", None)]), ("%s::smallint", [spec.pop("level_to", None)]),
                   ("%s::text", [str(spec.pop("message", ""))])]
        payload, recipients = spec.pop("payload", None) or {}, spec.pop("recipients", ())
        if spec:
            raise TypeError(f"unknown event arguments {sorted(spec)}")
        for value in (payload, recipients):
            if isinstance(value, Sql):
                values.append((f"({value.expr})::jsonb", list(value.params)))
            else:
                values.append(("%s::jsonb", [dumps(value if isinstance(value, dict) else list(value),
                                                   ensure_ascii=False)]))
        if isinstance(recipients, Sql):  # nothing to deliver: out of the fan-out's pending index
            values.append((f"({recipients.expr})::jsonb = '[]'::jsonb", list(recipients.params)))
        else:
            values.append(("%s::boolean", [not recipients]))
        selects.append("SELECT " + ", ".join(expr for expr, _ in values) + " FROM s")
        for _expr, value_params in values:
            params += value_params
    return (f"""INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, actor_id, owner_id,
                                              level_from, level_to, message, payload, recipients, fanned_out)
                {' UNION ALL '.join(selects)}
                RETURNING {EVENT_COLUMNS}"""), params


def _key_value(value, default: str) -> tuple[str, list]:
    """A unit or owner of `write_with`'s event: an id, an object, `Sql`, or the row's own column."""
    if isinstance(value, Sql):
        return f"({value.expr})::bigint", list(value.params)
    if value is None:
        return default, []
    return "%s::bigint", [value if isinstance(value, int) else value.pk]


def dispatch_written(events, handlers: dict[str, tuple[list, list]]) -> None:
    """Call the subscribers that have no SQL form (`subscriber_ctes`) with the events written
    (`write_with`, the sweep): a batch subscriber hears an `EventBatch`, as from `events_emit`."""
    by_kind: dict[str, list[Event]] = {}
    for event in events:
        by_kind.setdefault(event.kind, []).append(event)
    for kind, (batch_handlers, per_event) in handlers.items():
        of_kind = by_kind.get(kind, [])
        batch = EventBatch(kind, [event.pk for event in of_kind], of_kind)
        for handler in batch_handlers if of_kind else ():
            handler(batch)
        for event in of_kind:
            for handler in per_event:
                handler(event)


# The clock of the fan-out window: process-local and monotonic (tests set it instead of sleeping).
monotonic = time.monotonic
_fan_out_asked_at = float("-inf")  # when this process last handed a fan-out task to the broker


def request_fan_out() -> None:
    """Ask a worker to deliver pending notifications; never fails the caller (Redis may be down).

    Coalesced per process (issue #17: a broker round trip on every complaint POST): at most one
    task per `FAN_OUT_WINDOW_SECONDS` (settings, default 1 s), sent with a countdown of the window.
    Why no event is left behind: this runs after the emitting transaction committed (on_commit).
    A call at time t that skips the send found a task asked at t0 > t − window, whose ETA is
    ≥ t0 + window > t (the countdown is counted from the send, which follows t0): that task
    starts after t, and its claim reads every event committed before t — this call's included.
    The event row stays the outbox: should the worker's clock run ahead of this host's (the
    ETA is wall-clock time), or the task be lost, the beat's fan-out every minute delivers the
    event. Window 0, or tasks run eagerly (no worker, no countdown): one task per call.

    The task is named, not imported: `efficiency.tasks` sits on top of the core's layers
    (it wraps notifications and the sweep, which emit events), so this layer may not import it."""
    global _fan_out_asked_at
    window = float(getattr(settings, "FAN_OUT_WINDOW_SECONDS", 1.0))
    if celery_app.conf.task_always_eager:
        window = 0.0
    now = monotonic()
    if window > 0 and now - _fan_out_asked_at < window:
        return  # the task asked at _fan_out_asked_at runs after this commit (see above)
    try:
        celery_app.signature("efficiency.notifications_fan_out").apply_async(countdown=window or None)
    except Exception:  # noqa: BLE001 - the broker being down must not lose the write
        log.warning("broker unavailable; pending notifications wait for the periodic fan-out", exc_info=True)
    else:  # only a task that left opens the window: after a failure the next call tries again
        _fan_out_asked_at = now


def events_for(obj):
    """The timeline of an item."""
    return Event.objects.filter(subject_type=subject_label(obj), subject_id=obj.pk).select_related("actor")
