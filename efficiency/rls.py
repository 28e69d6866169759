"""Row-level security, the second wall behind `efficiency.permissions` (issue #18, docs/rls.md).

PostgreSQL policies on every business table that carries a unit admit a row only if the
session's scope allows it. The scope is one custom setting, `efficiency.scope`:

- `all` — region-wide staff (the office, leaders) and system work run under the app role;
- `public` — an anonymous request on a public path (the portal, the complaint form and its
  lookups, the public API, Open311): those pages read across units by design and keep their own
  checks (an unguessable code, the phone number);
- a unit's key, digits — a clerk or a head: that unit's rows and the rows shared with the unit's
  group through the model's guardian direct group-permission table (`view_<model>`);
- `none`, empty or unset — nothing (fail closed: a new connection has it unset).

Every policy also admits the row a statement is writing (`efficiency_row_being_written`): an
INSERT … RETURNING or an UPDATE that hands an item to another unit must pass its own new row,
which PostgreSQL checks against the read policy before storing it.

How the scope reaches the server, with no round trip of its own: the connection remembers what
it last sent; when the scope wanted now (the request's user, a task's user, the process
default) differs, `set_config(…, false)` travels in front of the next statement, in the same
round trip (`Scoped.__call__`). Session-level, not `SET LOCAL`: pages run in autocommit and the
public POST is one statement without BEGIN (issue #17). A rollback, a failed statement or a new
connection forgets what was sent, so it is sent again. A web process's default outside a request
is `none`; a worker's, beat's or management command's is system (`all`, under the system role
that bypasses RLS when there is one).

With `DATABASE_RLS_ROLE` set (the worker and beat, which log in as the system role with
BYPASSRLS), every scope but system also switches the session's role to that (non-bypassing) app
role, so a task acting for a user is walled like a request; system work resets the role.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Mapping
from contextlib import contextmanager

from django.conf import settings
from django.utils.functional import SimpleLazyObject, empty

SYSTEM = "system"  # the scope of system work: `all`, and the login role (which may bypass RLS)
ALL, PUBLIC, NONE = "all", "public", "none"

_wanted: contextvars.ContextVar = contextvars.ContextVar("efficiency_rls_scope", default=None)
_resolving: contextvars.ContextVar = contextvars.ContextVar("efficiency_rls_resolving", default=False)
_process_default = [SYSTEM]


def scope_of(user) -> str:
    """The `efficiency.scope` value for a user, following `efficiency.permissions.scope`."""
    from .permissions import REGION_WIDE_ROLES, UNIT_ROLES

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NONE
    if user.role in REGION_WIDE_ROLES:
        return ALL
    if user.role in UNIT_ROLES and user.unit_id:
        return str(int(user.unit_id))
    return NONE  # the three administrators, a pending account


def set_process_default(scope: str) -> None:
    """What a statement outside any request or task runs as: the web process sets `none`."""
    _process_default[0] = scope


def wanted() -> str:
    value = _wanted.get()
    if value is None:
        return _process_default[0]
    return value() if callable(value) else value


@contextmanager
def scoped(scope):
    """Run the block under `scope` (a value above, or a callable giving it at each statement)."""
    token = _wanted.set(scope)
    try:
        yield
    finally:
        _wanted.reset(token)


def acting_for(user):
    """A task (or any code) acting for `user`: that user's scope, never the system's bypass."""
    return scoped(scope_of(user))


def system():
    """System work (the sweep, rollups, fan-out): every unit, under the login role."""
    return scoped(SYSTEM)


# Transaction control goes alone: ROLLBACK TO SAVEPOINT runs in an aborted transaction, where a
# `set_config` in front of it would fail too.
_CONTROL = ("ROLLBACK", "SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")
_SENT = re.compile(r"^SELECT set_config\('efficiency\.scope', [^;]*\); ")


def without_scope(sql: str) -> str:
    """A captured statement without the scope sent in front of it (for tests that read SQL)."""
    return _SENT.sub("", sql, count=1)


class Scoped:
    """The connection's execute wrapper (installed by `efficiency.pg.base`)."""

    def __call__(self, execute, sql, params, many, context):
        db = context["connection"]
        if not getattr(settings, "DATABASE_RLS", True) or _resolving.get() or (
                isinstance(sql, str) and sql.startswith(_CONTROL)):
            return execute(sql, params, many, context)
        token = _resolving.set(True)  # resolving the request's user may run queries of its own
        try:
            scope = wanted()
        finally:
            _resolving.reset(token)
        if db.__dict__.get("_rls_sent") == scope:
            return execute(sql, params, many, context)
        role = getattr(settings, "DATABASE_RLS_ROLE", "")
        setting = ALL if scope == SYSTEM else scope
        named = isinstance(params, Mapping)  # `%(name)s` placeholders
        head = "SELECT set_config('efficiency.scope', {}, false)"
        head_params = [setting]
        if role:
            head += ", set_config('role', {}, false)"
            head_params.append("none" if scope == SYSTEM else role)
        if named:
            keys = [f"_efficiency_rls_{n}" for n in range(len(head_params))]
            head = head.format(*(f"%({k})s" for k in keys))
            head_params = dict(zip(keys, head_params))
        else:
            head = head.format(*(["%s"] * len(head_params)))
        db.__dict__["_rls_sent"] = None  # unknown until the statement succeeds
        cursor = context["cursor"]
        if many or getattr(cursor, "name", None) or params is None or not isinstance(sql, str):
            # executemany, a server-side cursor (DECLARE takes one statement), a text without
            # placeholders to merge with or a composed one (psycopg2.sql): a statement of its own.
            with db.connection.cursor() as plain:
                plain.execute(head, head_params)
            result = execute(sql, params, many, context)
        else:
            merged = {**params, **head_params} if named else [*head_params, *params]
            result = execute(f"{head}; {sql}", merged, many, context)
        db.__dict__["_rls_sent"] = scope
        return result


def forget(db) -> None:
    """The server's scope is no longer known (a rollback undoes a session `set_config`). `db`: a
    connection, or `django.db.connection` (a proxy: the wrapper behind it)."""
    if "_alias" in db.__dict__ and "_connections" in db.__dict__:
        db = db._connections[db._alias]
    db.__dict__.pop("_rls_sent", None)


PUBLIC_PREFIXES = ("/public/", "/api/v1/public/", "/open311/", "/inspection/public/",
                   "/supervision/public/", "/captcha/", "/healthz")


def request_scope(request) -> str:
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject) and object.__getattribute__(user, "_wrapped") is empty:
        # Not loaded yet (its own session and user queries are running, or none has asked): the
        # request's first statements read no walled table; `none` until it is loaded, then the
        # user's scope with the next statement. Asking here would load it twice.
        return NONE
    if user is not None and getattr(user, "is_authenticated", False):
        return scope_of(user)
    return PUBLIC if request.path.startswith(PUBLIC_PREFIXES) else NONE


class RowLevelScopeMiddleware:
    """Every statement of the request runs under the user's scope; after it, the process
    default (`none` in a web process). Read at each statement, not once: DRF authenticates a
    token inside the view and sets `request.user` then."""

    def __init__(self, get_response):
        self.get_response = get_response
        set_process_default(NONE)

    def __call__(self, request):
        request.user.is_authenticated  # noqa: B018 - loaded here, before the scope asks (IdleTimeout does anyway)
        with scoped(lambda: request_scope(request)):
            return self.get_response(request)


# ---- the policies (DDL, run by migrations as the owner) ----

FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION efficiency_scope_all() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT coalesce(current_setting('efficiency.scope', true) IN ('all', 'public'), false) $$;

CREATE OR REPLACE FUNCTION efficiency_scope_unit() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN s ~ '^[0-9]{1,18}$' THEN s::bigint END FROM current_setting('efficiency.scope', true) AS s $$;

-- The arguments by position: in a SQL function a column's name wins over an argument's, so
-- `ct.model = model` would compare the column with itself (any model of the app: 0020).
CREATE OR REPLACE FUNCTION efficiency_view_permission(app text, model text) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT ap.id FROM auth_permission ap JOIN django_content_type ct ON ct.id = ap.content_type_id
   WHERE ct.app_label = $1 AND ct.model = $2 AND ap.codename = 'view_' || $2 $$;

CREATE OR REPLACE FUNCTION efficiency_scope_group() RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT group_id FROM efficiency_unit WHERE id = efficiency_scope_unit() $$;

-- The row a statement is writing, as PostgreSQL checks it against the read policy before storing
-- it (INSERT … RETURNING, an UPDATE's new version): its ctid is still the invalid (4294967295,0),
-- which no stored row has. One expression, inlined into the policy.
CREATE OR REPLACE FUNCTION efficiency_row_being_written(row_ctid tid) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT row_ctid = '(4294967295,0)'::tid $$;
"""

VIEW_PERMISSION_SQL = FUNCTIONS_SQL[FUNCTIONS_SQL.index("-- The arguments by position"):
                                    FUNCTIONS_SQL.index("CREATE OR REPLACE FUNCTION efficiency_scope_group")]

DROP_FUNCTIONS_SQL = """
DROP FUNCTION IF EXISTS efficiency_row_being_written(tid);
DROP FUNCTION IF EXISTS efficiency_scope_group();
DROP FUNCTION IF EXISTS efficiency_view_permission(text, text);
DROP FUNCTION IF EXISTS efficiency_scope_unit();
DROP FUNCTION IF EXISTS efficiency_scope_all();
"""

POLICY = "efficiency_unit_scope"


def policy_sql(table: str, *, unit_column: str = "unit_id", pk: str = "id", shared: tuple | None = None) -> str:
    """ENABLE (not FORCE: the owner migrates unhindered) and one policy on `table`. `shared`:
    (the guardian direct group-permission table, app_label, model_name) of a shareable model:
    its co-unit arm is `pk IN (SELECT efficiency_shared_<table>(group, permission))`: the ids
    shared with the group, read once per statement into a hash (a hashed sub-plan over a function
    PostgreSQL does not inline, so it plans no join) — an EXISTS over the grant table in the
    policy tripled the planning time of every statement on the table, a function per row made a
    clerk's list five times slower (docs/rls.md)."""
    arms = ["(SELECT efficiency_scope_all())", f"{unit_column} = (SELECT efficiency_scope_unit())",
            f"efficiency_row_being_written({table}.ctid)"]
    function = ""
    if shared:
        perm_table, app_label, model = shared
        function = (
            f"CREATE OR REPLACE FUNCTION efficiency_shared_{table}(unit_group integer, permission integer) "
            "RETURNS SETOF bigint\nLANGUAGE sql STABLE PARALLEL SAFE ROWS 100 AS\n"
            f"$$ SELECT p.content_object_id FROM {perm_table} p WHERE p.group_id = unit_group\n"
            "   AND p.permission_id = permission $$;\n")
        arms.append(f"{table}.{pk} IN (SELECT efficiency_shared_{table}((SELECT efficiency_scope_group()), "
                    f"(SELECT efficiency_view_permission('{app_label}', '{model}'))))")
    using = "\n     OR ".join(arms)
    return (f"{function}ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;\n"
            f"DROP POLICY IF EXISTS {POLICY} ON {table};\n"
            f"CREATE POLICY {POLICY} ON {table} FOR ALL\n  USING ({using})\n  WITH CHECK (true);\n")


def drop_policy_sql(table: str) -> str:
    return (f"DROP POLICY IF EXISTS {POLICY} ON {table};\nALTER TABLE {table} DISABLE ROW LEVEL SECURITY;\n"
            f"DROP FUNCTION IF EXISTS efficiency_shared_{table}(integer, integer);\n")


def policies(tables) -> tuple[str, str]:
    """(forward, backward) SQL for a migration's RunSQL: `tables` are `policy_sql` arguments."""
    forward = "".join(policy_sql(t, **kw) for t, kw in tables)
    backward = "".join(drop_policy_sql(t) for t, _kw in tables)
    return forward, backward


# Tables with a `unit` that carry no policy, and why (tests/efficiency/test_rls.py checks that
# every other table with a `unit` foreign key has one, so a new table cannot forget it).
EXEMPT = {
    "efficiency_user": "the people, not business data: login and every page read them",
    "efficiency_section": "the organisation chart",
    "efficiency_event": "the timeline and notification outbox: read through its (walled) item",
    "approvals_serviceitem": "the public catalogue of services (办事指南)",
    "approvals_rating": "read through its application; the unit is the rated party",
    "approvals_unitsatisfaction": "an aggregate published on the portal",
    "accountability_complaintassignment": "read through its complaint; the unit is the one handed it",
    "accountability_complaintreview": "read through its complaint",
    "accountability_casestatement": "read through its case",
    "supervision_tasknode": "read through its key task; the unit is a co-unit's step",
    "supervision_progressdue": "read through its key task",
    "supervision_assignmenttarget": "read through its assignment; the unit is the one assigned",
    "supervision_coordination": "read through its assignment",
    "supervision_consultation": "read through its policy document",
    "supervision_consultationopinion": "read through its consultation; the unit is the one asked",
    "supervision_internalprocedure": "a unit's published procedure list",
    "supervision_projectprocedure": "read through its key project",
    "supervision_problemmilestone": "read through its hard problem",
    "dashboards_unitday": "rollups: counts, no item's content; rankings are shown to every unit",
    "dashboards_unitmonth": "rollups",
    "dashboards_unitdaycounter": "rollups",
    "dashboards_unitnow": "rollups",
    "dashboards_unitmonthscore": "rollups",
    "dashboards_rollupdirty": "the rollups' work queue",
    "dashboards_annualreview": "the annual assessment, published",
    "dashboards_annualassessment": "the annual assessment, published",
    "duty_bodyduty": "the directory of duties (岗位职责)",
    "duty_post": "the directory of posts",
}
