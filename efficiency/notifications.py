"""Notifications: events fanned out to deliveries (inbox, email, SMS), each sent once.

Fan-out resolves an event's recipient specs to people and writes one `Notification` per
(event, recipient, channel) — the unique constraint makes a repeated fan-out a no-op — and
marks the event done, in one transaction. Sending claims due deliveries with FOR UPDATE SKIP
LOCKED, sends, and records the outcome; a failure is retried with back-off. Notices about
deadlines wait for 09:00 of a working day (never at night or on a holiday).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import permissions, registry, workdays
from .event_kinds import event_kinds, event_label
from .models import Event, Notification, Region, Role, Rung, Unit, User

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
DEFERRED_KINDS = ("clock.breach", "clock.reminder", "clock.rescheduled")


class SmsBackend:
    """Interface for an SMS gateway: implement `send(phone, text)`, raise on failure. A gateway
    with a batch API overrides `send_many` (one call for the whole batch)."""

    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def send_many(self, messages: list[tuple[str, str]]) -> list[Exception | None]:
        """Send (phone, text) pairs; one outcome per message, None when it went out. The default
        sends one at a time through `send`."""
        outcomes: list[Exception | None] = []
        for phone, text in messages:
            try:
                self.send(phone, text)
            except Exception as exc:  # noqa: BLE001 - reported per message, retried by the caller
                outcomes.append(exc)
            else:
                outcomes.append(None)
        return outcomes


class LoggingSmsBackend(SmsBackend):
    """Writes messages to the log; the default until a gateway is configured."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)


class LocmemSmsBackend(SmsBackend):
    """Keeps messages in memory (`LocmemSmsBackend.outbox`), one batch call per `send_many`: for
    tests and the benchmark, like Django's locmem e-mail backend."""

    outbox: list[tuple[str, str]] = []
    calls = 0

    def send(self, phone: str, text: str) -> None:
        self.send_many([(phone, text)])

    def send_many(self, messages: list[tuple[str, str]]) -> list[Exception | None]:
        type(self).calls += 1
        type(self).outbox.extend(messages)
        return [None] * len(messages)


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


_PER = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


def notify_rate(channel: str) -> float:
    """Deliveries per second allowed on `channel`, from `settings.NOTIFY_RATE`
    ({"email": "600/min", "sms": "200/min"}: the gateways' limits), "N/s", "N/min" or "N/h"."""
    spec = str(settings.NOTIFY_RATE.get(channel, settings.NOTIFY_RATE.get("default", "200/min")))
    count, _sep, per = spec.partition("/")
    try:
        return float(count) / _PER[(per or "s").strip().lower()]
    except (KeyError, ValueError):
        raise ValueError(f"NOTIFY_RATE[{channel!r}] = {spec!r}: expected 'N/s', 'N/min' or 'N/h'") from None


# --- formatting -------------------------------------------------------------------------------


def _by_model(events: list[Event]):
    """A batch's subjects as (label, model, ids), one entry per model."""
    from django.apps import apps

    by_type: dict[str, set[int]] = defaultdict(set)
    for e in events:
        by_type[e.subject_type].add(e.subject_id)
    for label, ids in by_type.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        yield label, model, ids


def _subjects(events: list[Event]) -> dict[tuple[str, int], object]:
    """Load every subject of a batch with one query per model (no N+1)."""
    return {(label, pk): obj for label, model, ids in _by_model(events)
            for pk, obj in model._default_manager.in_bulk(ids).items()}


def format_event(event: Event, subject, texts: dict | None = None) -> tuple[str, str, str]:
    """(title, body, link) of an event's notification. `texts`: the batch's translations, looked
    up once per batch rather than once per event (`_batch_texts`)."""
    custom = registry.formatter(event.kind)
    if custom:
        return custom(event, subject)
    texts = texts if texts is not None else _batch_texts()
    name = str(subject) if subject is not None else f"{event.subject_type}#{event.subject_id}"
    link = subject.get_absolute_url() if hasattr(subject, "get_absolute_url") else ""
    if event.kind == "clock.breach":
        rung = texts["rungs"][event.level_to]
        from .clocks import format_due

        # The due time the item had when it crossed the rung (the sweep writes it in the event),
        # not the one it has when the text is read.
        due_at = (event.payload or {}).get("due_at")
        due = format_due(_parse_time(due_at) if due_at else getattr(subject, "due_at", None))
        return (f"【{rung}】{name}", texts["breach"] % {"name": name, "rung": rung, "due": due}, link)
    labels = texts["labels"]
    if event.kind not in labels:
        labels[event.kind] = event_label(event)  # the catalogue's label (efficiency.event_kinds)
    title = f"【{labels[event.kind]}】{name}"
    if event.kind == "clock.reminder":
        return (title, event.message or texts["reminder"], link)
    return (title, event.message, link)


def _parse_time(value):
    from django.utils.dateparse import parse_datetime

    return parse_datetime(value) if isinstance(value, str) else value


def notifications_render(notes) -> None:
    """The texts of deliveries written without them (the fan-out's: `stored_title` empty), for a
    page of the inbox, an API page, an export chunk or a chunk about to be sent, in a constant
    number of queries: their events (unless already loaded with them) and the events' subjects,
    one read per model; the fixed texts translated once. A citizen's delivery (a phone or an
    address, no account) reads the text written for them when the event has one, and no staff
    link. Sets each one's `_rendered` (read by `Notification.title`, `.body`, `.link`)."""
    todo = [n for n in notes if not n.stored_title and "_rendered" not in n.__dict__]
    if not todo:
        return
    cached = {n.event_id: n.event for n in todo if Notification.event.is_cached(n)}
    missing = {n.event_id for n in todo} - cached.keys()
    if missing:
        cached.update(Event.objects.in_bulk(missing))
    subjects = _subjects(list(cached.values()))
    texts = _batch_texts()
    for n in todo:
        event = cached.get(n.event_id)
        if event is None:
            n._rendered = ("", "", "")
            continue
        title, body, link = format_event(event, subjects.get((event.subject_type, event.subject_id)), texts)
        if n.user_id is None:
            body, link = (event.payload or {}).get("citizen_message") or body, ""
        n._rendered = (title[:200], body, link)


Notification.render_texts = staticmethod(notifications_render)


class RenderedRows:
    """Deliveries read in chunks, each chunk's texts rendered at once (`notifications_render`): an
    export of the inbox, in a constant number of queries per chunk. `count()` as the queryset's."""

    def __init__(self, qs, chunk: int = 1000):
        self.qs, self.chunk = qs, chunk

    def count(self) -> int:
        return self.qs.count()

    def __iter__(self):
        batch = []
        for note in self.qs.iterator(chunk_size=self.chunk):
            batch.append(note)
            if len(batch) == self.chunk:
                notifications_render(batch)
                yield from batch
                batch = []
        notifications_render(batch)
        yield from batch


# Where a subject's name (`__str__`) comes from in this tree's models: what the inbox's search
# box matches of a delivery rendered on read.
_NAME_FIELDS = ("title", "name", "number", "tracking_number", "receipt_number", "topic")


def notifications_text_q(qs, word: str) -> Q:
    """The search box's condition for one word over deliveries `qs` (an inbox): the stored texts,
    and for those rendered on read what their text is made of — the event's message, its kind's
    label (or the rung's, for a card) and the subject's name fields (`_NAME_FIELDS`, one subquery
    per subject model found in `qs`)."""
    from django.apps import apps

    stored = Q(stored_title__icontains=word) | Q(stored_body__icontains=word)
    word_l = word.lower()
    made = Q(event__message__icontains=word)
    kinds = [k.code for k in event_kinds() if word_l in str(k.label).lower()]
    if kinds:
        made |= Q(event__kind__in=kinds)
    rungs = [int(r) for r in Rung if r and word_l in str(r.label).lower()]
    if rungs:
        made |= Q(event__kind="clock.breach", event__level_to__in=rungs)
    for label in qs.filter(stored_title="").values_list("event__subject_type", flat=True).distinct().order_by():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        fields = [f.name for f in model._meta.get_fields()
                  if f.name in _NAME_FIELDS and getattr(f, "get_internal_type", lambda: "")() == "CharField"]
        if fields:
            named = Q()
            for field in fields:
                named |= Q(**{f"{field}__icontains": word})
            made |= Q(event__subject_type=label,
                      event__subject_id__in=model._default_manager.filter(named).values("pk"))
    return stored | (Q(stored_title="") & made)


def _batch_texts() -> dict:
    """The fixed texts of a fan-out batch in the active language, translated once per batch."""
    return {"rungs": {int(r): str(r.label) for r in Rung}, "labels": {},
            "breach": _("%(name)s 已到“%(rung)s”级别，期限 %(due)s。"), "reminder": _("该事项临近期限，请及时办理。")}


# --- fan-out ----------------------------------------------------------------------------------


def _resolve(spec: str, event: Event, people: dict, recusal=None) -> list[tuple[str, User | None]]:
    """A recipient spec to (recipient key, user or None) pairs. `recusal` (the unit the item is
    about, the people it is about; efficiency.permissions): "head", "office" and "leader" never
    name those people nor, for the office and leaders, the unit's own members (回避) — the
    accused hear through the procedure's own notices (`user:` specs)."""
    about, accused = recusal or (None, frozenset())
    if spec == "owner":
        if not event.owner_id:
            return []
        owner = people["by_id"].get(event.owner_id)
        found = [(f"user:{event.owner_id}", owner)]
        if owner is not None and owner.is_absent and owner.backup_id:  # AB岗 (R49): the backup acts
            found.append((f"user:{owner.backup_id}", people["by_id"].get(owner.backup_id)))
        return found
    if spec == "head":
        return [(f"user:{u.pk}", u) for u in people["heads"].get(event.unit_id, []) if u.pk not in accused]
    if spec in ("office", "leader"):
        return [(f"user:{u.pk}", u) for u in _responsible(spec, event, people, about=about) if u.pk not in accused]
    kind, _sep, value = spec.partition(":")
    if kind == "user" and value.isdigit():
        return [(spec, people["by_id"].get(int(value)))]
    if kind in ("phone", "email") and value:
        return [(spec, None)]
    return []


def _responsible(spec: str, event: Event, people: dict, *, about: int | None = None) -> list[User]:
    """The office (or leader) users responsible for the event's unit: 属地管理、分级负责 —
    those of the unit's own region and of the region directly above it (一级抓一级: a county
    item reaches the county's and the city's office, not the province's nor another county's).
    If neither level has any, the nearest region further up that has. An event without a unit
    goes by the unit its item is about, if any; else (or if the region is unknown) it reaches
    every one of them, as before. The members of the unit the item is about are left out
    before looking further up (回避: a complaint about an office reaches the office above)."""
    unit_id = event.unit_id or about
    region = people["unit_region"].get(unit_id) if unit_id else None
    if region is None:
        return [u for u in people[spec]["all"] if about is None or u.unit_id != about]
    memo = people["memo"]
    key = (spec, region, about)
    if key not in memo:
        by_region, parents = people[spec]["by_region"], people["region_parent"]

        def at(r):
            return [u for u in by_region.get(r, ()) if about is None or u.unit_id != about]

        found = at(region)
        up, seen = parents.get(region), {region}
        if up is not None:
            found += at(up)
            seen.add(up)
        while not found and up is not None:  # nobody at either level: the nearest level above
            up = parents.get(up)
            if up is None or up in seen:
                break
            seen.add(up)
            found = at(up)
        memo[key] = found
    return memo[key]


def _recusals(events: list[Event]) -> dict[tuple[str, int], tuple[int | None, frozenset[int]]]:
    """Per subject of a batch, what it is about (efficiency.permissions): one query per model
    that has a recusal rule, none per event."""
    return {(label, pk): recusal for label, model, ids in _by_model(events)
            for pk, recusal in permissions.recusal_of(model, ids).items()}


def _people(events: list[Event], recusals: dict | None = None) -> dict:
    """Everyone a batch's recipient specs can name, with a fixed number of queries per batch
    (none per event): owners and `user:` ids, the heads of the events' units, and — only when
    some event names "office" or "leader" — those users with their unit's region, the events'
    units' regions and the region tree."""
    ids = {e.owner_id for e in events if e.owner_id}
    for e in events:
        ids.update(int(s[5:]) for s in e.recipients if s.startswith("user:") and s[5:].isdigit())
    units = {e.unit_id for e in events if e.unit_id}
    units |= {about for about, _accused in (recusals or {}).values() if about}
    roles = sorted({spec for e in events for spec in e.recipients if spec in ("office", "leader")})
    # One read of every user the batch can name: the owners and `user:` ids, the heads of the
    # events' units, and the office / leader users with their unit's region when named.
    wanted = Q(pk__in=ids) | Q(role=Role.HEAD, unit_id__in=units)
    if roles:
        wanted |= Q(role__in=roles)
    active = User.objects.filter(is_active=True)
    found = list(active.filter(wanted).annotate(region_id=F("unit__region_id")).order_by("pk"))
    heads = defaultdict(list)
    by_id = {}
    for u in found:
        if u.pk in ids:
            by_id[u.pk] = u
        if u.role == Role.HEAD and u.unit_id in units:
            heads[u.unit_id].append(u)
    backups = {u.backup_id for u in by_id.values() if u.is_absent and u.backup_id} - by_id.keys()
    if backups:  # AB岗 (R49): an absent owner's backup hears in their place
        by_id.update((u.pk, u) for u in active.filter(pk__in=backups))
    people = {
        "by_id": by_id,
        "heads": heads,
        "unit_region": {},
        "region_parent": {},
        "memo": {},
    }
    for spec in ("office", "leader"):
        people[spec] = {"all": [], "by_region": defaultdict(list)}
    if roles:
        for u in found:
            if u.role in roles:
                people[u.role]["all"].append(u)
                people[u.role]["by_region"][u.region_id].append(u)
        if units:
            people["unit_region"] = dict(Unit.objects.filter(pk__in=units).values_list("pk", "region_id"))
            people["region_parent"] = dict(Region.objects.values_list("pk", "parent_id"))
    return people


# A batch's deliveries from a relation `v(event_id, user_id, recipient, channel, later)` — ids, the
# recipient key, the channel, whether it waits for 09:00 — and no text: the status, the times and
# the texts follow from those (`notifications_render` when read). The fan-out's ON CONFLICT DO
# NOTHING keeps the once-per-(event, recipient, channel) constraint a no-op when it runs again;
# events written by the same statement have no delivery yet, so theirs need no arbiter (a
# speculative insertion costs an index probe and a WAL record more per row). The Python
# fan-out gives the relation as five arrays (`_deliveries_insert`); a statement that writes events
# gives it as their recipients resolved in SQL (`deliveries_sql`). Parameters: the relation's,
# then the time of the deliveries and the 09:00 they wait for.
_INSERT_DELIVERIES = """
    INSERT INTO efficiency_notification (event_id, user_id, recipient, channel, title, body, link, status,
                                         deliver_after, sent_at, attempts, last_error, created_at)
    SELECT v.event_id, v.user_id, v.recipient, v.channel, '', '', '',
           CASE WHEN v.channel = 'inbox' THEN 'sent' ELSE 'pending' END,
           CASE WHEN v.channel <> 'inbox' AND v.later THEN n.later ELSE n.now END,
           CASE WHEN v.channel = 'inbox' THEN n.now END, 0, '', n.now
    FROM {rows} AS v(event_id, user_id, recipient, channel, later),
         (SELECT %s::timestamptz, %s::timestamptz) AS n(now, later)
    {conflict}"""
_ARRAYS = "unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::boolean[])"


def _deliveries_insert(columns: tuple[list, ...], now, later) -> None:
    """A fan-out batch's deliveries in one INSERT of five column arrays (`_INSERT_DELIVERIES`)."""
    if not columns[0]:
        return
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(_INSERT_DELIVERIES.format(rows=_ARRAYS, conflict="ON CONFLICT DO NOTHING"), [*columns, now, later])


# The recipients of the events of `{src}` (columns id, kind, unit_id, owner_id, recipients) in SQL,
# one SELECT per recipient spec, each (event_id, user_id, email, recipient key, kind): what
# `_recipients` gives for an item without a recusal rule. Active users only; an absent owner's
# backup (AB岗, R49); "office" / "leader": those of the unit's region and the one above, else the
# nearest region further up with any (`_responsible`), everyone of the role for an event whose
# unit has no region.
_SPEC_SQL = {
    # The owner, and an absent owner's backup, with one read of the owner.
    "owner": """SELECT e.id, p.id, p.email, 'user:' || p.id, e.kind FROM {src} AS e
                JOIN efficiency_user AS o ON o.id = e.owner_id
                CROSS JOIN LATERAL (SELECT o.id, o.email UNION ALL
                                    SELECT b.id, b.email FROM efficiency_user AS b
                                    WHERE o.is_absent AND b.id = o.backup_id AND b.is_active) AS p(id, email)
                WHERE e.recipients ? 'owner' AND o.is_active""",
    "head": """SELECT e.id, u.id, u.email, 'user:' || u.id, e.kind FROM {src} AS e
               JOIN efficiency_user AS u ON u.unit_id = e.unit_id AND u.role = 'head'
               WHERE e.recipients ? 'head' AND u.is_active""",
    "user": """SELECT e.id, u.id, u.email, s.spec, e.kind FROM {src} AS e
               CROSS JOIN LATERAL jsonb_array_elements_text(e.recipients) AS s(spec)
               JOIN efficiency_user AS u
                 ON u.id = CASE WHEN s.spec ~ '^user:[0-9]{{1,18}}$' THEN substr(s.spec, 6)::bigint END
               WHERE u.is_active""",
    # Per event and role, the users of the role in the regions above the unit's (depth 0: its
    # own), those at depth <= max(1, the nearest depth that has any); the events whose unit has
    # no region: everyone of the role.
    "office": """SELECT f.event_id, f.user_id, f.email, 'user:' || f.user_id, f.kind FROM (
                     SELECT e.id AS event_id, e.kind, u.id AS user_id, u.email, a.depth,
                            min(a.depth) OVER (PARTITION BY e.id, r.role) AS nearest
                     FROM {src} AS e
                     CROSS JOIN LATERAL (SELECT x FROM jsonb_array_elements_text(e.recipients) AS x
                                         WHERE x IN ('office', 'leader')) AS r(role)
                     JOIN efficiency_unit AS eu ON eu.id = e.unit_id
                     JOIN (WITH RECURSIVE up(start, region, depth) AS (
                               SELECT DISTINCT eu2.region_id, eu2.region_id, 0
                               FROM {src} AS e2 JOIN efficiency_unit AS eu2 ON eu2.id = e2.unit_id
                               WHERE e2.recipients ?| '{{office,leader}}' AND eu2.region_id IS NOT NULL
                               UNION ALL
                               SELECT up.start, g.parent_id, up.depth + 1
                               FROM up JOIN efficiency_region AS g ON g.id = up.region
                               WHERE g.parent_id IS NOT NULL AND up.depth < 64)
                           SELECT * FROM up) AS a ON a.start = eu.region_id
                     JOIN efficiency_unit AS uu ON uu.region_id = a.region
                     JOIN efficiency_user AS u ON u.unit_id = uu.id AND u.role = r.role AND u.is_active
                     WHERE e.recipients ?| '{{office,leader}}') AS f
                 WHERE f.depth <= greatest(1, f.nearest)
                 UNION
                 SELECT e.id, u.id, u.email, 'user:' || u.id, e.kind FROM {src} AS e
                 CROSS JOIN LATERAL (SELECT x FROM jsonb_array_elements_text(e.recipients) AS x
                                     WHERE x IN ('office', 'leader')) AS r(role)
                 JOIN efficiency_user AS u ON u.role = r.role AND u.is_active
                 WHERE e.recipients ?| '{{office,leader}}'
                   AND NOT EXISTS (SELECT 1 FROM efficiency_unit AS eu WHERE eu.id = e.unit_id
                                   AND eu.region_id IS NOT NULL)""",
}
_SPEC_SQL["leader"] = _SPEC_SQL["office"]
# A phone number or an address named by the event: one SMS or e-mail, no account.
_ADDRESS_SQL = """
    SELECT e.id, NULL::bigint, s.spec, CASE WHEN s.spec LIKE 'phone:%%' THEN 'sms' ELSE 'email' END,
           e.kind = ANY(%s::text[])
    FROM {src} AS e CROSS JOIN LATERAL jsonb_array_elements_text(e.recipients) AS s(spec)
    WHERE s.spec LIKE 'phone:_%%' OR s.spec LIKE 'email:_%%'"""


def delivers_in_sql(model) -> bool:
    """Whether events about items of `model` can be delivered by `deliveries_sql`: not with a
    recusal rule (回避), which the Python fan-out applies."""
    rule = permissions.scope_rule(model) if model is not None else None
    return rule is None or rule.about is None


def deliveries_sql(source: str, specs, model=None) -> tuple[str, list] | None:
    """The fan-out of the events of `source` as one INSERT … SELECT (`_INSERT_DELIVERIES`), their
    recipients resolved in SQL: the same deliveries as `notifications_fan_out` (tested), so that a
    statement writing events can deliver them in itself (the sweep: claim, events and deliveries
    in one round trip) and write them already fanned out. `source`: a relation with the event
    table's columns `id, kind, unit_id, owner_id, recipients`, events written by the same
    statement (they have no delivery yet: no ON CONFLICT); `specs`: every recipient spec its
    events may name (only those are compiled in). None when this cannot be done in SQL: events
    about items of `model` with a recusal rule (回避, `permissions.recusal_of`) — those wait for
    the fan-out."""
    if not delivers_in_sql(model):
        return None
    parts = dict.fromkeys(("user" if s.startswith("user:") else s) for s in specs)
    people = list(dict.fromkeys(_SPEC_SQL[part] for part in parts if part in _SPEC_SQL))
    addresses = any(s.startswith(("phone:", "email:")) for s in specs)
    now = timezone.now()
    later = workdays.next_working_moment(now)
    rows, params = [], []
    if people:
        rows.append(f"""SELECT p.event_id, p.user_id, p.recipient, c.channel, p.kind = ANY(%s::text[])
                        FROM ({' UNION '.join(people)}) AS p(event_id, user_id, email, recipient, kind)
                        CROSS JOIN LATERAL (VALUES ('inbox'), ('email')) AS c(channel)
                        WHERE c.channel = 'inbox' OR p.email <> ''""".format(src=source))
        params.append(list(DEFERRED_KINDS))
    if addresses:
        rows.append(_ADDRESS_SQL.format(src=source))
        params.append(list(DEFERRED_KINDS))
    if not rows:
        return "SELECT 1 WHERE false", []
    # UNION: one row per (event, recipient, channel) — an address named twice is one delivery.
    return _INSERT_DELIVERIES.format(rows=f"({' UNION '.join(rows)})", conflict=""), [*params, now, later]


_CLAIM = """
    UPDATE efficiency_event SET fanned_out = true
    WHERE id = ANY(ARRAY(SELECT id FROM efficiency_event WHERE NOT fanned_out ORDER BY id LIMIT %s
                         FOR UPDATE SKIP LOCKED))
    RETURNING id, kind, subject_type, subject_id, unit_id, owner_id, recipients::text"""


class _Claimed(NamedTuple):
    """What the fan-out reads of an event: who hears of it, not what it says."""

    id: int
    kind: str
    subject_type: str
    subject_id: int
    unit_id: int | None
    owner_id: int | None
    recipients: list[str]


def _events_claim(batch: int) -> list[_Claimed]:
    """Claim up to `batch` pending events and mark them fanned out, in one statement: the oldest
    not locked by another worker (FOR UPDATE SKIP LOCKED), so two workers fanning out at once
    take different events, and each event is fanned out by exactly one transaction (a rollback
    puts it back). `= ANY(ARRAY(…))`, not `IN (…)`: the ids are probed through the primary key,
    where `IN` let the planner join the whole event table by a hash. Only the columns that say
    who hears (no model instance; the specs parsed once per distinct list)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(_CLAIM, [batch])
        rows = sorted(cur.fetchall())
    specs: dict[str, list[str]] = {}
    events = []
    for pk, kind, subject_type, subject_id, unit_id, owner_id, recipients in rows:
        if recipients not in specs:
            specs[recipients] = json.loads(recipients)
        events.append(_Claimed(pk, kind, subject_type, subject_id, unit_id, owner_id, specs[recipients]))
    return events


def notifications_fan_out(*, batch: int = 1000) -> int:
    """Turn pending events into deliveries. Returns how many events were fanned out.

    Per batch, a constant number of statements: the claim (which also marks the events), recusals
    (one read per model that has a recusal rule), the people the batch names, and the deliveries
    in one INSERT of id arrays. No subject is loaded and no text written: a delivery's texts are
    rendered from its event when read or sent (`notifications_render`). The recipients of events
    with the same specs, unit, owner and recusal are resolved once."""
    done = 0
    while True:
        # Each batch one transaction — or part of the caller's (no savepoint), as the sweep's.
        with transaction.atomic(savepoint=False):
            events = _events_claim(batch)
            if not events:
                return done
            recusals = _recusals(events)
            people = _people(events, recusals)
            resolved: dict[tuple, list[tuple[str, User | None]]] = {}
            now = timezone.now()
            later_at = None
            columns: tuple[list, ...] = ([], [], [], [], [])
            event_ids, user_ids, keys, channels, deferred = columns
            for event in events:
                recusal = recusals.get((event.subject_type, event.subject_id))
                key = (tuple(event.recipients), event.unit_id, event.owner_id, recusal)
                if key not in resolved:
                    resolved[key] = _recipients(event, people, recusal)
                later = event.kind in DEFERRED_KINDS
                if later and later_at is None:
                    later_at = workdays.next_working_moment(now)  # once per batch, not per event
                for recipient, user in resolved[key]:
                    if user is not None:
                        channel_list = ("inbox", "email") if user.email else ("inbox",)
                    elif recipient.startswith("phone:"):
                        channel_list = ("sms",)
                    elif recipient.startswith("email:"):
                        channel_list = ("email",)
                    else:
                        continue
                    for channel in channel_list:
                        event_ids.append(event.id)
                        user_ids.append(user.pk if user is not None else None)
                        keys.append(recipient)
                        channels.append(channel)
                        deferred.append(later)
            _deliveries_insert(columns, now, later_at or now)
        done += len(events)
        if len(events) < batch:
            return done


def _recipients(event, people: dict, recusal) -> list[tuple[str, User | None]]:
    """An event's distinct recipients (key, user or None), in the order of its specs."""
    seen, found = set(), []
    for spec in event.recipients:
        for key, user in _resolve(spec, event, people, recusal):
            if key in seen or (key.startswith("user:") and user is None):
                continue
            seen.add(key)
            found.append((key, user))
    return found


def _send_email(due: list[Notification]) -> list[Exception | None]:
    """Every e-mail of a chunk through one connection of the configured backend (one SMTP
    session: `get_connection()` opened once, `send_messages` per message so that one refused
    address fails alone)."""
    connection = get_connection(fail_silently=False)
    messages = [EmailMessage(n.title, f"{n.body}\n\n{n.link}".strip(), None,
                             [n.user.email if n.user_id else n.recipient.partition(":")[2]], connection=connection)
                for n in due]
    try:
        connection.open()
    except Exception as exc:  # noqa: BLE001 - the server is down: the whole chunk is retried
        return [exc] * len(due)
    outcomes: list[Exception | None] = []
    try:
        for message in messages:
            try:
                connection.send_messages([message])
            except Exception as exc:  # noqa: BLE001 - any gateway failure is retried
                outcomes.append(exc)
            else:
                outcomes.append(None)
    finally:
        connection.close()
    return outcomes


def _send_sms(due: list[Notification]) -> list[Exception | None]:
    """A chunk of SMS in one call of the backend (`SmsBackend.send_many`)."""
    try:
        return sms_backend().send_many([(n.recipient.partition(":")[2], f"{n.title} {n.body}") for n in due])
    except Exception as exc:  # noqa: BLE001 - the gateway is down: the whole chunk is retried
        return [exc] * len(due)


SENDERS = {Notification.Channel.EMAIL: _send_email, Notification.Channel.SMS: _send_sms}


def _send_chunk(channel: str, size: int, now) -> tuple[int, int, int]:
    """Claim up to `size` due deliveries of `channel` (FOR UPDATE SKIP LOCKED: concurrent workers
    take different rows), send them through one connection, and record the outcomes in two
    statements (the sent ones, the failed ones with their back-off); the texts are rendered
    for the chunk at once. (claimed, sent, failed)."""
    from django.db import connection

    with transaction.atomic():
        due = list(
            # of=self: the user is an outer join (SMS and plain addresses have none).
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "event")
            .filter(status=Notification.Status.PENDING, deliver_after__lte=now, channel=channel)
            .order_by("deliver_after")[:size]
        )
        if not due:
            return 0, 0, 0
        notifications_render(due)  # the texts, rendered for the whole chunk (its subjects: a read per model)
        outcomes = SENDERS[channel](due)
        sent = [n.pk for n, exc in zip(due, outcomes) if exc is None]
        failed = [(n, exc) for n, exc in zip(due, outcomes) if exc is not None]
        if sent:
            Notification.objects.filter(pk__in=sent).update(
                status=Notification.Status.SENT, sent_at=now, attempts=F("attempts") + 1)
        if failed:
            attempts = [n.attempts + 1 for n, _exc in failed]
            with connection.cursor() as cur:
                cur.execute("""
                    UPDATE efficiency_notification AS n
                    SET attempts = v.attempts, last_error = v.error,
                        status = CASE WHEN v.attempts >= %s THEN %s ELSE n.status END,
                        deliver_after = CASE WHEN v.attempts >= %s THEN n.deliver_after
                                             ELSE %s + make_interval(mins => power(2, v.attempts)::int) END
                    FROM unnest(%s::bigint[], %s::int[], %s::text[]) AS v(id, attempts, error)
                    WHERE n.id = v.id""",
                    [MAX_ATTEMPTS, Notification.Status.FAILED, MAX_ATTEMPTS, now,
                     [n.pk for n, _exc in failed], attempts, [str(exc)[:2000] for _n, exc in failed]])
    return len(due), len(sent), len(failed)


def notifications_send(*, window: float | None = None, chunk: int | None = None) -> dict[str, int]:
    """Send due e-mail and SMS deliveries once each, in chunks of `chunk` (NOTIFY_CHUNK), each
    chunk through one connection of its backend; failures back off and retry. Per channel at
    most its rate (`NOTIFY_RATE`) × `window` seconds (NOTIFY_WINDOW, the beat interval: 60) per
    run, so a gateway's limit holds from run to run."""
    window = settings.NOTIFY_WINDOW if window is None else window
    chunk = chunk or settings.NOTIFY_CHUNK
    sent = failed = 0
    now = timezone.now()
    for channel in SENDERS:
        quota = int(notify_rate(channel) * window)
        while quota > 0:
            claimed, ok, bad = _send_chunk(channel, min(chunk, quota), now)
            sent, failed, quota = sent + ok, failed + bad, quota - claimed
            if claimed < chunk:
                break
    return {"sent": sent, "failed": failed}


REMINDER_LOCK_KEY = 0x5EEA  # pg advisory lock: one reminders run at a time


def reminders_emit(*, now=None) -> int:
    """09:00 on each working day: one reminder per open item in warning, to its owner.

    Once per item per day: the day is in the event's payload and checked under a
    transaction-level advisory lock, so a repeated or concurrent run adds nothing."""
    from django.db import connection

    from .events import events_emit

    now = now or timezone.now()
    if not workdays.is_workday(workdays.local_date(now)):
        return 0
    count = 0
    day = workdays.local_date(now).isoformat()
    text = _("临近期限提醒：请在 %(due)s 前办结。")
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [REMINDER_LOCK_KEY])
        for entry in registry.clock_models():
            # Per model: one read of the items on the rung not yet reminded today (the day's
            # reminders an anti-join), and their events in INSERTs of REMINDER_BATCH — a constant
            # number of statements per batch, none per item.
            unit_field, owner_field = entry.model.clock_unit_field, entry.model.clock_owner_field
            reminded = Event.objects.filter(kind="clock.reminder", subject_type=entry.label, payload__day=day)
            rows = (entry.model.objects.running().at_rung(Rung.HINT)
                    .exclude(pk__in=reminded.values("subject_id"))
                    .order_by("pk").values_list("pk", f"{unit_field}_id", f"{owner_field}_id", "due_at"))
            specs = []
            for pk, unit_id, owner_id, due_at in rows.iterator(chunk_size=REMINDER_BATCH):
                due = due_at.astimezone(workdays.SHANGHAI).strftime("%Y-%m-%d") if due_at else "—"
                specs.append(dict(kind="clock.reminder", subject=_Subject(entry.model, pk, unit_id, owner_id),
                                  recipients=["owner"], payload={"day": day}, message=text % {"due": due},
                                  unit=unit_id, owner_id=owner_id))
                if len(specs) == REMINDER_BATCH:
                    count += len(events_emit(specs))
                    specs = []
            count += len(events_emit(specs))
    return count


REMINDER_BATCH = 1000


class _Subject:
    """An item known by its id only: what an event needs of its subject, without loading it."""

    def __init__(self, model, pk, unit_id, owner_id):
        self._meta, self.pk = model._meta, pk
        self.clock_unit_field, self.clock_owner_field = model.clock_unit_field, model.clock_owner_field
        setattr(self, f"{model.clock_unit_field}_id", unit_id)
        setattr(self, f"{model.clock_owner_field}_id", owner_id)


UNREAD_BOUND = 100


def inbox_unread_count(user) -> int:
    """The person's unread inbox messages, counted up to UNREAD_BOUND (the badge shows "99+" from
    there): a LIMITed subquery over the partial index notification_unread_inbox, so the badge on
    every page costs the same however many messages lie unread."""
    unread = Notification.objects.filter(user=user, channel="inbox", read_at__isnull=True)
    return unread.values("pk")[:UNREAD_BOUND].count()


def inbox_mark_read(*, user, ids=None) -> int:
    qs = Notification.objects.filter(user=user, channel="inbox", read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
