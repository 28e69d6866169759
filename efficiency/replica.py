"""Reads of the cockpit, the scorecards and the exports from a PostgreSQL read replica.

With ``DATABASE_REPLICA_URL`` set, the settings add a ``replica`` alias (a streaming hot
standby of the primary) and this router. Everything writes to the primary, migrations run only
there, and reads go to the primary too — except inside a view marked ``@reads_from_replica``
(the leader's cockpit, the scorecards, the 台账 export: heavy aggregate reads that tolerate a
replica's sub-second lag), where the ORM's reads go to the replica.

Read-your-writes. A streaming replica is behind the primary by its replay lag, so the page a
person lands on after saving would show the old state. ``ReadYourWritesMiddleware`` marks a
browser that has just written (any POST/PUT/PATCH/DELETE) with a cookie holding the time of the
write; for ``REPLICA_PIN_SECONDS`` (local default 10 s, far above a healthy replica's lag)
every request of that browser reads from the primary. A read inside a transaction on the
primary (a view that wrote, then reads) and the related reads of an object loaded from the
primary stay on the primary as well. Without a replica configured, nothing changes.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
PIN_COOKIE = "rw_pin"  # the time (Unix seconds) of the browser's last write
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def pinned_to_primary(request, now: float | None = None) -> bool:
    """Has this browser written within REPLICA_PIN_SECONDS? (A client forging the cookie only
    makes its own reads go to the primary.)"""
    try:
        written = float(request.COOKIES.get(PIN_COOKIE, ""))
    except ValueError:
        return False
    now = time.time() if now is None else now
    return 0 <= now - written < settings.REPLICA_PIN_SECONDS


def reads_from_replica(view):
    """The view's reads go to the replica, unless the request writes or its browser has just
    written (read-your-writes). Put it next to the view function, under the permission
    decorators: the user and session they read come from the primary."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not replica_configured() or request.method not in SAFE_METHODS or pinned_to_primary(request):
            return view(request, *args, **kwargs)
        token = _replica_reads.set(True)
        try:
            return view(request, *args, **kwargs)
        finally:
            _replica_reads.reset(token)

    return wrapper


def read_connection():
    """The connection for a raw SQL read: the one the router gives the ORM's reads here."""
    return connections[ReplicaRouter().db_for_read(None)]


class ReplicaRouter:
    """DATABASE_ROUTERS: the replica for reads inside ``reads_from_replica``, the primary for
    everything else."""

    def db_for_read(self, model, **hints):
        if not _replica_reads.get() or not replica_configured():
            return DEFAULT_DB_ALIAS
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db  # related reads follow the object they start from
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS  # this request wrote (or locks): read what it wrote
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same database, one copy behind the other

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReadYourWritesMiddleware:
    """After a request that may have written, the browser reads from the primary for
    REPLICA_PIN_SECONDS (see the module docstring). Only with a replica configured."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and replica_configured():
            response.set_cookie(PIN_COOKIE, f"{time.time():.3f}", max_age=settings.REPLICA_PIN_SECONDS,
                                httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response
