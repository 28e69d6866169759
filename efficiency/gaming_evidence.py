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
