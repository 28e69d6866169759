from datetime import date

import pytest

from efficiency.models import Region, Role
from inspection import services
from inspection.models import Method
from tests.factories import RegionFactory, make_unit, make_user


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def plan_factory(org):
    def make(*, units=None, sample_size=1, region=None, start=date(2026, 3, 1), method=Method.OPEN, submit=True):
        units = units or [org.unit_a, org.unit_b]
        plan = services.plan_create(
            actor=org.office, topic="优化营商环境专项督查", scope="窗口服务、限时办结落实情况", method=method,
            issuing_unit=org.office_unit, region=region or org.region, start_date=start,
            end_date=date(start.year, start.month, 28), units=units, sample_size=sample_size,
        )
        if submit:
            services.plan_submit(actor=org.office, plan=plan)
        return plan
    return make


@pytest.fixture
def approved_plan(org, plan_factory):
    plan = plan_factory(sample_size=2)
    return services.plan_approve(actor=org.leader, plan=plan)


@pytest.fixture
def county(org):
    return RegionFactory(code="420703", name="华容区", level=Region.Level.COUNTY, parent=org.region)


@pytest.fixture
def draw_org(org):
    """Ten target units and twelve inspectors, three of whom belong to target units."""
    targets = [make_unit(f"被检查单位{i}", region=org.region, code=f"T{i:02d}") for i in range(10)]
    inspectors = [make_user(Role.CLERK, unit=targets[i % 3], username=f"insp_t{i}") for i in range(3)]
    inspectors += [make_user(Role.OFFICE, unit=org.office_unit, username=f"insp_o{i}") for i in range(9)]
    return targets, inspectors
