"""What the apps record when an item is taken in or rated, for the gaming detectors (issue 18):
the keyed hash of a rater's phone and device (never the raw number or address), and the check
of an arrival time a channel or the intake gives (体外循环: the materials' arrival)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .client import client_ip

# 本地默认 (种子未规定): an arrival older than this is refused as a typing error, not recorded.
MAX_ARRIVAL_AGE = timedelta(days=366)


def keyed_hash(kind: str, value: str) -> str:
    """HMAC-SHA256 with SECRET_KEY of `value` (digits only for a phone), "" when there is none:
    equal for the same phone or device, unreadable without the key."""
    value = (value or "").strip()
    if kind == "phone":
        value = "".join(c for c in value if c.isdigit())
    if not value:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def device_hash(request) -> str:
    """The device a request came from: the client's address (`client.client_ip`, proxies
    handled) and its user agent, hashed together."""
    if request is None:
        return ""
    ip = client_ip(request) or ""
    agent = request.META.get("HTTP_USER_AGENT", "")[:512]
    return keyed_hash("device", f"{ip}|{agent}") if ip or agent else ""


def arrival_check(value: datetime | None, *, now: datetime, field: str) -> datetime:
    """The arrival time given by a channel or the intake, or `now` when none is given. Refused
    (ValidationError on `field`) when naive, later than now, or older than `MAX_ARRIVAL_AGE`."""
    if value is None:
        return now
    if value.tzinfo is None:
        raise ValidationError({field: [_("收件时间须带时区（如 2026-01-05T09:30:00+08:00）。")]})
    if value > now:
        raise ValidationError({field: [_("收件时间不能晚于当前时间。")]})
    if value < now - MAX_ARRIVAL_AGE:
        raise ValidationError({field: [_("收件时间早于一年前，请核对。")]})
    return value


def burst_sql(source: str, source_params: list, *, subject_type: str, code: str, count: int, hours: int,
              start, end, events: str) -> tuple[str, list]:
    """The SELECT (FINDING_COLUMNS) of a rating burst: `count` or more ratings from one phone
    or one device (one keyed hash) for one unit within `hours` hours. `source` is a SELECT of
    (id, item_id, unit_id, at, kind, hash) — the good ratings with each non-empty hash — over
    [start − hours, end) (bound by the caller with `source_params`), so a burst across `start`
    is seen whole; a burst is reported when one of its ratings falls in [start, end). One
    finding per burst, keyed by its first rating; `events` is an SQL array expression over
    `b.rating_ids` and `b.item_ids` (the events that prove it)."""
    hours = int(hours)
    span = f"'{hours} hours'::interval"
    sql = f"""
        WITH s AS (  -- the hash's first 64 bits as the group key: a bigint hashes and sorts cheaply
            SELECT s0.*, ('x' || left(s0.hash, 16))::bit(64)::bigint AS hkey FROM ({source}) s0
        ), c AS (  -- a hash aggregate first: only a phone or device with `count` ratings in all is sorted
            SELECT s.unit_id, s.kind, s.hkey FROM s GROUP BY 1, 2, 3 HAVING count(*) >= %s::int
        ), r AS (
            SELECT s.*, count(*) OVER (PARTITION BY s.unit_id, s.kind, s.hkey ORDER BY s.at
                                       RANGE BETWEEN CURRENT ROW AND {span} FOLLOWING) AS ahead
            FROM s JOIN c USING (unit_id, kind, hkey)
        ), m AS (  -- the ratings inside some window of `hours` holding `count` or more
            SELECT r.*, bool_or(r.ahead >= %s::int) OVER (PARTITION BY r.unit_id, r.kind, r.hkey ORDER BY r.at
                                                         RANGE BETWEEN {span} PRECEDING AND CURRENT ROW) AS member
            FROM r
        ), i AS (  -- bursts: a new one after a gap longer than `hours`
            SELECT m.*, count(*) FILTER (WHERE m.prev IS NULL OR m.at - m.prev > {span})
                        OVER (PARTITION BY m.unit_id, m.kind, m.hkey ORDER BY m.at, m.id) AS burst
            FROM (SELECT m.*, lag(m.at) OVER (PARTITION BY m.unit_id, m.kind, m.hkey ORDER BY m.at, m.id) AS prev
                  FROM m WHERE m.member) m
        ), b AS (
            SELECT i.unit_id, i.kind, min(i.hash) AS hash, array_agg(i.id ORDER BY i.at, i.id) AS rating_ids,
                   array_agg(i.item_id ORDER BY i.at, i.id) AS item_ids, min(i.at) AS first_at, max(i.at) AS last_at
            FROM i GROUP BY i.unit_id, i.kind, i.hkey, i.burst
            HAVING count(*) >= %s::int AND max(i.at) >= %s
        )
        SELECT '{subject_type}'::text AS subject_type, b.item_ids[1]::bigint AS subject_id,
               b.unit_id::bigint AS unit_id,
               '{code}:' || b.kind || ':' || left(b.hash, 16) || ':' || b.rating_ids[1] AS key,
               jsonb_build_object('by', b.kind, 'hash', left(b.hash, 12), 'count', cardinality(b.rating_ids),
                                  'rating_ids', b.rating_ids, 'item_ids', b.item_ids,
                                  'first_at', b.first_at, 'last_at', b.last_at,
                                  'threshold_count', %s::int, 'threshold_hours', {hours}) AS figures,
               ({events})::bigint[] AS event_ids
        FROM b"""
    return sql, [*source_params, count, count, count, start, count]
