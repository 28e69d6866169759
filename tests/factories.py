"""Factories for the org chart (factory_boy), built through the org services."""

import itertools

import factory

from efficiency import services
from efficiency.models import ADMIN_ROLES, Region, Role, Unit, User

_seq = itertools.count(1)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"42{n:04d}")
    name = factory.Sequence(lambda n: f"测试市{n}")
    level = Region.Level.CITY


def make_unit(name=None, *, region=None, kind=Unit.Kind.DEPARTMENT, code=None, parent=None) -> Unit:
    n = next(_seq)
    return services.unit_create(code=code or f"U{n:05d}", name=name or f"测试单位{n}",
                                region=region or RegionFactory(), kind=kind, parent=parent)


def make_user(role=Role.CLERK, *, unit=None, username=None, full_name=None, email="", **kw) -> User:
    n = next(_seq)
    if unit is None and role in (Role.CLERK, Role.HEAD, Role.OFFICE, Role.LEADER):
        unit = make_unit()
    fields = dict(username=username or f"user{n}", full_name=full_name or f"用户{n}", unit=unit,
                  password="Passw0rd!2024", must_change_password=False, email=email or f"user{n}@example.gov.cn", **kw)
    if role in ADMIN_ROLES:  # as `create_admins` makes them: one of each
        return services.administrator_install(role=role, **fields)
    return services.user_create(actor=None, role=role, **fields)  # the installation grants at once
