from datetime import datetime

import pytest
import time_machine

from efficiency.workdays import SHANGHAI
from supervision import services
from supervision.models import AssignmentKind

# Friday 2024-09-13, the last working day before Mid-Autumn (Sep 15–17; Sat Sep 14 is an
# adjusted working day).
FRIDAY = datetime(2024, 9, 13, 10, 0, tzinfo=SHANGHAI)


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def api_as(user):
    """An API client signed in as `user`."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def unit_c(org):
    """A third unit, not on the item: the outsider, or the unit a dispute is transferred to."""
    from efficiency.models import Role
    from tests.factories import make_unit, make_user

    unit = make_unit("鄂州市住房和城乡建设局", region=org.region, code="C")
    unit.clerk = make_user(Role.CLERK, unit=unit, username="clerk_c", full_name="孙经办")
    unit.head = make_user(Role.HEAD, unit=unit, username="head_c", full_name="孙局长")
    return unit


@pytest.fixture
def make_assignment(org):
    def make(kind=AssignmentKind.INSTRUCTION, *, when=FRIDAY, co_units=(), **kw):
        with time_machine.travel(when, tick=False):
            return services.assignment_create(
                actor=org.office, kind=kind, title=kw.pop("title", "关于加快推进项目审批的批示"),
                source_text=kw.pop("source_text", "请市自然资源和规划局牵头，加快推进。"),
                issuing_leader="刘市长", lead_unit=kw.pop("lead_unit", org.unit_a), co_units=co_units, **kw)
    return make
