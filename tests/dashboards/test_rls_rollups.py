"""The rollups under the system role (BYPASSRLS) see every unit's items, whatever the scope says
(issue #18, docs/rls.md); as the app role with no scope they would count nothing."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from efficiency import rls
from tests.clocktest.models import TimedItem
from tests.rls import app_role, system_role  # noqa: F401 - fixtures

from .conftest import FIRST, LABEL, NOW, raw_day, rolled_day


def _days():
    d = FIRST - timedelta(days=2)
    while d <= NOW.date():
        yield d
        d += timedelta(days=1)


def test_the_rollups_under_the_system_role_count_every_unit(system_role, data):  # noqa: F811
    with rls.scoped(rls.NONE):
        call_command("rollup_rebuild", "--from", str(FIRST - timedelta(days=2)), "--to", str(NOW.date()))
    for unit in (data.unit_a, data.unit_b):
        for d in _days():
            assert rolled_day(LABEL, unit.pk, d) == raw_day(TimedItem, LABEL, unit.pk, d), (unit, d)
    assert any(rolled_day(LABEL, data.unit_b.pk, d)["opened"] for d in _days())


def test_the_same_rebuild_as_the_app_role_without_a_scope_sees_no_item(app_role, data):  # noqa: F811
    with rls.acting_for(data.sysadmin):
        call_command("rollup_rebuild", "--from", str(FIRST - timedelta(days=2)), "--to", str(NOW.date()))
    with rls.system():
        assert not any(rolled_day(LABEL, data.unit_a.pk, d)["opened"] for d in _days())
