"""Row-level security, the second wall (issue #18, efficiency/rls.py, docs/rls.md)."""

from datetime import datetime, timedelta

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from efficiency import clocks, rls
from efficiency.clocks import Limit
from efficiency.models import Event, Rung, Unit
from efficiency.permissions import share_with_unit
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem
from tests.rls import APP_ROLE, app_role, system_role  # noqa: F401 - fixtures

ALL = ["A1", "B1", "B2 shared with A"]
B_SCOPE = ["B1", "B2 shared with A"]  # unit B's own


@pytest.fixture
def items(org):
    TimedItem.objects.create(unit=org.unit_a, title="A1")
    TimedItem.objects.create(unit=org.unit_b, title="B1")
    shared = TimedItem.objects.create(unit=org.unit_b, title="B2 shared with A")
    share_with_unit(shared, org.unit_a)


def _titles():
    return sorted(TimedItem.objects.values_list("title", flat=True))


def _probe(user, path="/rls-probe/"):
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.json()["titles"]


def test_every_table_with_a_unit_has_a_policy_or_a_stated_reason(db):
    """A new business table with a unit cannot forget the second wall: it gets a policy in its
    migration (`efficiency.rls.policies`), or a line in `rls.EXEMPT` saying why not."""
    with connection.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_policies WHERE policyname = %s", [rls.POLICY])
        policed = {row[0] for row in cur.fetchall()}
        cur.execute("SELECT relname FROM pg_class WHERE relrowsecurity AND NOT relforcerowsecurity")
        enabled = {row[0] for row in cur.fetchall()}
    with_unit = set()
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "unit"), None)
        if field is not None and field.is_relation and field.related_model is Unit:
            with_unit.add(model._meta.db_table)
    missing = with_unit - policed - set(rls.EXEMPT)
    assert not missing, f"tables with a unit and neither a policy nor a reason in rls.EXEMPT: {sorted(missing)}"
    assert policed <= enabled and policed <= with_unit
    assert not policed & set(rls.EXEMPT)
    assert {"accountability_complaint", "approvals_application", "supervision_assignment"} <= policed


def test_the_co_unit_arm_checks_each_models_own_view_permission(db):
    """`efficiency_view_permission(app, model)` is the model's own `view_` permission, for every
    shareable walled model of an app with several (0018's compared the column with itself and
    gave any model's of the app: a complaint shared with a unit stayed hidden under RLS)."""
    from django.contrib.auth.models import Permission

    from efficiency.permissions import _direct_group_model

    with connection.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_policies WHERE policyname = %s", [rls.POLICY])
        policed = {row[0] for row in cur.fetchall()}
        checked = 0
        for model in apps.get_models():
            if model._meta.db_table not in policed or _direct_group_model(model) is None:
                continue
            meta = model._meta
            cur.execute("SELECT efficiency_view_permission(%s, %s)", [meta.app_label, meta.model_name])
            assert cur.fetchone()[0] == Permission.objects.get(
                content_type__app_label=meta.app_label, codename=f"view_{meta.model_name}").pk, meta.label
            checked += 1
    assert checked >= 3


@pytest.mark.urls("tests.efficiency.rls_urls")
def test_an_unscoped_query_in_a_request_returns_only_the_users_scope(app_role, org, items):
    """`TimedItem.objects.all()` in a view that forgot `permissions.scope`, as the app role."""
    assert _probe(org.clerk_a) == ["A1", "B2 shared with A"]  # own unit + the co-unit grant
    assert _probe(org.head_a) == ["A1", "B2 shared with A"]
    assert _probe(org.head_b) == ["B1", "B2 shared with A"]
    assert _probe(org.office) == ALL
    assert _probe(org.leader) == ALL
    for admin in (org.sysadmin, org.secadmin, org.auditadmin):  # 三员分立: no business data
        assert _probe(admin) == []
    assert _probe(None) == []  # anonymous, not on a public path: nothing
    assert _probe(None, "/public/rls-probe/") == ALL  # a public path's own checks are its wall


@pytest.mark.urls("tests.efficiency.rls_urls")
def test_a_connection_after_a_request_keeps_no_scope(app_role, org, items):
    """Fail closed: after a request the web process's statements run under `none`; a new
    connection starts with the setting unset, which the policies read as nothing."""
    assert _probe(org.office) == ALL
    assert _titles() == []  # the same connection, after the office's request
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('efficiency.scope', true), current_user")
        assert cur.fetchone() == ("none", APP_ROLE)
    connection.close()
    connection.ensure_connection()
    raw = connection.connection.cursor()  # below Django's wrapper: nothing sent yet
    raw.execute(f"SET ROLE {APP_ROLE}")
    raw.execute("SELECT current_setting('efficiency.scope', true), count(*) FROM clocktest_timeditem")
    assert raw.fetchone() in ((None, 0), ("", 0))
    raw.execute("RESET ROLE")


def test_a_rollback_does_not_leave_the_previous_scope_behind(app_role, org, items):
    """PostgreSQL undoes a session `set_config` made in a transaction that rolls back: the scope
    is sent again, not assumed."""
    with rls.acting_for(org.office):
        assert _titles() == ALL  # autocommit: the session's scope is now `all`
    with rls.acting_for(org.clerk_b), pytest.raises(RuntimeError):
        with transaction.atomic():
            assert _titles() == B_SCOPE
            raise RuntimeError
    with rls.acting_for(org.clerk_b):
        assert _titles() == B_SCOPE  # not the office's `all` the rollback brought back
    with rls.acting_for(org.clerk_b), pytest.raises(RuntimeError):
        with transaction.atomic():
            with transaction.atomic():  # a savepoint
                assert _titles() == B_SCOPE
                raise RuntimeError


def test_a_task_acting_for_a_user_sees_only_that_users_scope(app_role, org, items):
    """The worker logs in as the system role; a task acting for a user (`rls.acting_for`, as
    `export_run` does) switches to the app role and the user's scope; system work sees all."""
    with rls.acting_for(org.clerk_a):
        assert _titles() == ["A1", "B2 shared with A"]
    with rls.acting_for(org.clerk_b):
        assert _titles() == B_SCOPE
    with rls.acting_for(org.sysadmin):
        assert _titles() == []
    with rls.system():
        assert _titles() == ALL
    assert _titles() == ALL  # a worker's default outside any task's user: system


def test_the_export_task_runs_as_its_requester(app_role, org, monkeypatch):
    from efficiency import exports
    from efficiency.models import ExportJob

    seen = []

    def build(asker):
        seen.append(rls.wanted())
        raise exports.Http404

    monkeypatch.setitem(exports._ledgers, "rls-probe", build)
    job = ExportJob.objects.create(requested_by=org.clerk_a, ledger="rls-probe", params={},
                                   requested_at=timezone.now())
    exports.export_run(job.pk)
    assert seen == [str(org.unit_a.pk)]


START = datetime(2025, 9, 1, 9, tzinfo=SHANGHAI)
SWEEP_AT = datetime(2025, 9, 5, 10, tzinfo=SHANGHAI)


def _due_items(org):
    for unit in (org.unit_a, org.unit_b):
        item = TimedItem(unit=unit, title=f"{unit.code} 超期")
        clocks.clock_start(item, actor=None, limit=Limit(3), start=START, save=False)
        item.save()


def test_the_sweep_under_the_system_role_moves_every_units_items(system_role, org):
    """BYPASSRLS, with the fail-closed scope: the worker's sweep sees every unit."""
    _due_items(org)
    with rls.scoped(rls.NONE):
        counts = sweep(now=SWEEP_AT)
    assert counts["clocktest.timeditem"] == 2
    assert set(TimedItem.objects.values_list("breach_level", flat=True)) == {Rung.YELLOW}
    assert Event.objects.filter(kind="clock.breach").count() == 2


def test_the_sweep_as_the_app_role_without_a_scope_moves_nothing(app_role, org):
    """The control: the wall is on for the app role (a worker misconfigured without a system
    role would sweep nothing rather than leak — and `system` scope gives it `all`)."""
    _due_items(org)
    with rls.acting_for(org.sysadmin):  # scope none, app role
        assert sweep(now=SWEEP_AT).get("clocktest.timeditem", 0) == 0
    with rls.system():
        assert TimedItem.objects.filter(breach_level=Rung.YELLOW).count() == 0
        assert sweep(now=SWEEP_AT + timedelta(minutes=1))["clocktest.timeditem"] == 2


def test_db_roles_makes_the_system_role_a_bypassing_member_of_the_app_role_and_nothing_more(db):
    from django.core.management.base import CommandError

    from efficiency.management.commands.db_roles import app_role_grants, system_role_grants

    app, system = "efficiency_rls_dbroles_app", "efficiency_rls_dbroles_system"
    app_role_grants(app)
    system_role_grants(system, app)
    with connection.cursor() as cur:
        cur.execute("""SELECT rolbypassrls, rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication,
                              pg_has_role(rolname, %s, 'USAGE') FROM pg_roles WHERE rolname = %s""", [app, system])
        assert cur.fetchone() == (True, False, True)
        cur.execute("SELECT rolbypassrls FROM pg_roles WHERE rolname = %s", [app])
        assert cur.fetchone() == (False,)  # the web's role never bypasses
    with pytest.raises(CommandError, match="must not be the app role"):
        system_role_grants(app, app)


def test_a_unit_user_may_hand_an_item_to_another_unit_but_not_touch_anothers(app_role, org, items):
    """The wall is on reading: a clerk's INSERT … RETURNING of a co-unit's row, or moving an item
    to another unit, passes (PostgreSQL checks the new row against the read policy before storing
    it: `efficiency_row_being_written`); the rows of another unit stay out of reach of UPDATE and
    DELETE, and the handed rows out of sight afterwards."""
    with rls.acting_for(org.clerk_a):
        with transaction.atomic(), transaction.atomic():  # a savepoint too
            handed = TimedItem.objects.create(unit=org.unit_b, title="handed to B")  # RETURNING id
        assert TimedItem.objects.filter(title="A1").update(unit=org.unit_b) == 1
        assert TimedItem.objects.filter(title="B1").update(title="changed") == 0
        assert TimedItem.objects.filter(title="B1").delete()[0] == 0
        assert _titles() == ["B2 shared with A"]
    with rls.system():
        assert TimedItem.objects.get(pk=handed.pk).unit_id == org.unit_b.pk
        assert _titles() == ["A1", "B1", "B2 shared with A", "handed to B"]
