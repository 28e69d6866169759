"""Row-level security in tests (efficiency/rls.py, docs/rls.md).

CI connects as a superuser, which bypasses row-level security; these fixtures make the
statements run as roles like the deployment's: `app_role` — every scope but system switches to a
role like the app's (no BYPASSRLS), as the worker does with DATABASE_RLS_ROLE; `system_role` —
the session runs as a role like the worker's (BYPASSRLS, member of the app role). Both use
committed data (`transactional_db`): each request runs its own transactions, as in production.
"""

from __future__ import annotations

import sys

import pytest
from django.db import connection

from efficiency import permissions, rls

APP_ROLE = "efficiency_rls_test_app"
SYSTEM_ROLE = "efficiency_rls_test_system"


def _ensure_roles() -> None:
    """Cluster-wide roles (made once, by whichever test worker comes first) and their grants in
    this test database (the same statements as `manage.py db_roles`, without the audit rules)."""
    with connection.cursor() as cur:
        for role, attributes in ((APP_ROLE, "NOBYPASSRLS"), (SYSTEM_ROLE, "BYPASSRLS")):
            cur.execute(f"""DO $$ BEGIN CREATE ROLE {role} NOLOGIN {attributes};
                            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$""")
        cur.execute(f"""DO $$ BEGIN GRANT {APP_ROLE} TO {SYSTEM_ROLE};
                        EXCEPTION WHEN OTHERS THEN NULL; END $$""")  # concurrent grant: the other one did it
        cur.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
        cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
        cur.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")


def _reset() -> None:
    with connection.cursor() as cur:
        cur.execute("RESET ROLE")
        cur.execute("SELECT set_config('efficiency.scope', '', false)")
    rls.forget(connection)


@pytest.fixture
def app_role(transactional_db, settings):
    """Requests and `rls.acting_for` run as a non-superuser app role; system work as the login."""
    _ensure_roles()
    settings.DATABASE_RLS_ROLE = APP_ROLE
    default = rls._process_default[0]
    rls.set_process_default(rls.SYSTEM)  # fixtures write as the system until a request starts
    yield APP_ROLE
    rls.set_process_default(default)
    settings.DATABASE_RLS_ROLE = ""
    _reset()


@pytest.fixture
def system_role(transactional_db, settings):
    """The session runs as a role with BYPASSRLS, as the worker and beat do."""
    _ensure_roles()
    settings.DATABASE_RLS_ROLE = ""
    with connection.cursor() as cur:
        cur.execute(f"SET ROLE {SYSTEM_ROLE}")
    yield SYSTEM_ROLE
    _reset()


def _unit_blind_scope(user, qs, *, unit_field="unit"):
    """`permissions.scope` without its unit wall: an app's own rules (recusal, a clerk's own
    cases) stay, the unit filter and the administrators' "nothing" go — RLS must give them."""
    return permissions._apply_rule(user, qs)


@pytest.fixture
def unscoped(monkeypatch):
    """The app's own unit scoping switched off everywhere it was imported."""
    original = permissions.scope
    for module in list(sys.modules.values()):
        if getattr(module, "scope", None) is original:
            monkeypatch.setattr(module, "scope", _unit_blind_scope)
