"""Fixed people for every test (STYLE.md): a clerk and the head of unit A, a clerk of unit B
(the outsider), the efficiency office, a leader, the three administrators."""

from dataclasses import dataclass

import pytest
from django.db import connections

from efficiency.models import Region, Role, Unit

from .factories import RegionFactory, make_unit, make_user


@pytest.fixture(autouse=True)
def _default_language():
    """An English request leaves English active in the thread (LocaleMiddleware does not reset
    it): put the default back after every test, so the next one sees the Chinese messages."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_rolled_back_calendar():
    """Each test's transaction is rolled back: a calendar or rule changed inside it must not be
    kept by this process's copies (efficiency.process_cache) for the next test."""
    yield
    from efficiency import process_cache

    process_cache.forget_uncommitted()


@pytest.fixture(autouse=True)
def _seeded_calendar_and_rules(request):
    """The data migrations seed the calendar and the time-limit rules; a transactional test's
    flush empties them for the tests after it. Put them back when a test uses the database."""
    names = request.fixturenames
    if not ({"db", "transactional_db", "live_server"} & set(names) or request.node.get_closest_marker("django_db")):
        return
    request.getfixturevalue("transactional_db" if {"transactional_db", "live_server"} & set(names) else "db")
    from efficiency.models import CalendarYear, TimeLimitRule

    if CalendarYear.objects.exists() and TimeLimitRule.objects.exists():
        return
    from importlib import import_module

    from django.apps import apps

    from efficiency import process_cache
    from efficiency.schedule import sync_beat_schedule

    import_module("efficiency.migrations.0002_seed_calendar_rules_audit_trigger").seed(apps, None)
    sync_beat_schedule()
    process_cache.forget_all()  # the calendar index and the rules, read before the flush


@dataclass
class Org:
    region: Region
    unit_a: Unit
    unit_b: Unit
    office_unit: Unit
    clerk_a: object
    head_a: object
    clerk_b: object
    head_b: object
    office: object
    leader: object
    sysadmin: object
    secadmin: object
    auditadmin: object


@pytest.fixture
def org(db) -> Org:
    region = RegionFactory(code="420700", name="鄂州市", level=Region.Level.CITY)
    unit_a = make_unit("鄂州市自然资源和规划局", region=region, code="A")
    unit_b = make_unit("鄂州市市场监督管理局", region=region, code="B")
    office_unit = make_unit("鄂州市效能办", region=region, code="OFFICE", kind=Unit.Kind.OFFICE)
    leader_unit = make_unit("鄂州市人民政府", region=region, code="GOV", kind=Unit.Kind.GOVERNMENT)
    head_a = make_user(Role.HEAD, unit=unit_a, username="head_a", full_name="李局长")
    head_b = make_user(Role.HEAD, unit=unit_b, username="head_b", full_name="赵局长")
    # R42: each unit names its 第一责任人 and 直接责任人 (here the head is both).
    for unit, head in ((unit_a, head_a), (unit_b, head_b)):
        unit.principal = unit.deputy = head
        unit.save(update_fields=["principal", "deputy"])
    return Org(
        region=region, unit_a=unit_a, unit_b=unit_b, office_unit=office_unit,
        clerk_a=make_user(Role.CLERK, unit=unit_a, username="clerk_a", full_name="张经办"),
        head_a=head_a,
        clerk_b=make_user(Role.CLERK, unit=unit_b, username="clerk_b", full_name="王经办"),
        head_b=head_b,
        office=make_user(Role.OFFICE, unit=office_unit, username="office", full_name="陈督查"),
        leader=make_user(Role.LEADER, unit=leader_unit, username="leader", full_name="刘市长"),
        sysadmin=make_user(Role.SYSTEM_ADMIN, username="sysadmin", full_name="系统管理员"),
        secadmin=make_user(Role.SECURITY_ADMIN, username="secadmin", full_name="安全管理员"),
        auditadmin=make_user(Role.AUDIT_ADMIN, username="auditadmin", full_name="审计管理员"),
    )


@pytest.fixture
def other_process():
    """A second connection to the same database: what another worker process would change."""
    other = connections.create_connection("default")
    other.connect()
    other.set_autocommit(True)
    yield other
    other.close()
