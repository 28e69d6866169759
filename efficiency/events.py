"""Emitting events: the history of every item, and the outbox of every notification."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from . import registry
from .celery import app as celery_app
from .event_kinds import event_kind, implied_kinds
from .models import Event

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


def events_insert_select(kind: str, from_sql: str, params: list, *, subject_type: str, subject_id: str,
                         unit_id: str = "NULL", owner_id: str = "NULL", message: str = "''",
                         payload: str = "'{}'::jsonb", recipients: str = "'[]'::jsonb", actor_id: str = "NULL",
                         at=None) -> EventBatch:
    """Events of one kind made by one INSERT … SELECT from a query of the caller's, no row built
    in Python: `subject_id`, `unit_id`, `owner_id`, `actor_id`, `message`, `payload` (jsonb)
    and `recipients` (a jsonb array of recipient specs) are SQL expressions (no placeholder) over
    `from_sql` (which starts with FROM; its placeholders filled by `params`). The subscribers
    hear the batch as from `events_emit` (an `EventBatch`: kind and ids); a fan-out is asked for
    after commit when any row has recipients. The kind must be in the catalogue."""
    from django.db import connection

    event_kind(kind)
    with connection.cursor() as cur:
        cur.execute(f"""
            INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, actor_id, owner_id, message,
                                          payload, recipients, fanned_out)
            SELECT %s, %s, %s, s.subject_id, s.unit_id, s.actor_id, s.owner_id, s.message, s.payload, s.recipients,
                   s.recipients = '[]'::jsonb
            FROM (SELECT ({subject_id})::bigint AS subject_id, ({unit_id})::bigint AS unit_id,
                         ({owner_id})::bigint AS owner_id, ({actor_id})::bigint AS actor_id, ({message})::text AS message,
                         ({payload})::jsonb AS payload, ({recipients})::jsonb AS recipients
                  {from_sql}) AS s
            RETURNING id, fanned_out""", [at or timezone.now(), kind, subject_type, *params])
        rows = cur.fetchall()
    batch = EventBatch(kind, [pk for pk, _fanned in rows])
    if rows:
        _dispatch(batch)
    if any(not fanned for _pk, fanned in rows):
        transaction.on_commit(request_fan_out)
    return batch


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


def request_fan_out() -> None:
    """Ask a worker to deliver pending notifications; never fails the caller (Redis may be down).

    The task is named, not imported: `efficiency.tasks` sits on top of the core's layers
    (it wraps notifications and the sweep, which emit events), so this layer may not import it."""
    try:
        celery_app.signature("efficiency.notifications_fan_out").delay()
    except Exception:  # noqa: BLE001 - the broker being down must not lose the write
        log.warning("broker unavailable; pending notifications wait for the periodic fan-out", exc_info=True)


def events_for(obj):
    """The timeline of an item."""
    return Event.objects.filter(subject_type=subject_label(obj), subject_id=obj.pk).select_related("actor")
