from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from efficiency.models import AuditLog, Event
from inspection import services
from inspection.models import InspectionPlan, PlanOverride
from tests.factories import make_unit

pytestmark = pytest.mark.django_db


def test_it_refuses_a_cap_above_half_of_the_2018_base(org):  # R31
    with pytest.raises(ValidationError, match="50%"):
        services.cap_set(actor=org.sysadmin, issuing_unit=org.office_unit, year=2026, base_2018=20, cap=11)
    cap = services.cap_set(actor=org.sysadmin, issuing_unit=org.office_unit, year=2026, base_2018=20, cap=10)
    assert cap.cap == 10


def test_only_a_leader_approves_a_plan(org, plan_factory):  # R31 plans approved
    plan = plan_factory()
    with pytest.raises(PermissionDenied):
        services.plan_approve(actor=org.office, plan=plan)
    services.plan_approve(actor=org.leader, plan=plan)
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.APPROVED and plan.approved_by == org.leader
    assert Event.objects.filter(kind="inspection.plan_approved", subject_id=plan.pk).count() == 1


def test_it_refuses_a_plan_over_the_yearly_cap_without_the_leaders_override(org, plan_factory):  # R31
    services.cap_set(actor=org.sysadmin, issuing_unit=org.office_unit, year=2026, base_2018=2, cap=1)
    services.plan_approve(actor=org.leader, plan=plan_factory())
    second = plan_factory()
    with pytest.raises(ValidationError, match="年度上限"):
        services.plan_approve(actor=org.leader, plan=second)
    second.refresh_from_db()
    assert second.status == InspectionPlan.Status.SUBMITTED
    assert not PlanOverride.objects.exists()


def test_a_leaders_recorded_override_lets_a_plan_over_the_cap_through(org, plan_factory):  # R31
    services.cap_set(actor=org.sysadmin, issuing_unit=org.office_unit, year=2026, base_2018=2, cap=1)
    services.plan_approve(actor=org.leader, plan=plan_factory())
    second = plan_factory()
    services.plan_approve(actor=org.leader, plan=second, override_reason="省委巡视整改要求专项督查")
    override = PlanOverride.objects.get(plan=second)
    assert (override.kind, override.approved_by, override.reason) == ("cap", org.leader, "省委巡视整改要求专项督查")
    assert override.approved_at is not None and override.figures == {"count": 1, "cap": 1, "year": 2026}
    assert AuditLog.objects.filter(object_id=str(second.pk), summary__contains="超限审批").exists()


def test_plans_of_another_year_do_not_count_against_the_cap(org, plan_factory):  # R31
    services.cap_set(actor=org.sysadmin, issuing_unit=org.office_unit, year=2026, base_2018=2, cap=1)
    services.plan_approve(actor=org.leader, plan=plan_factory(start=date(2025, 3, 1)))
    services.plan_approve(actor=org.leader, plan=plan_factory())


def _county_units(org, county, n):
    return [make_unit(f"华容区单位{i}", region=county, code=f"HR{i:02d}") for i in range(n)]


def test_it_refuses_sampling_more_than_ten_percent_below_city_level(org, county, plan_factory):  # R30
    plan = plan_factory(units=_county_units(org, county, 20), sample_size=3, region=county)
    with pytest.raises(ValidationError, match="10%"):
        services.plan_approve(actor=org.leader, plan=plan)


def test_a_county_plan_within_ten_percent_is_approved(org, county, plan_factory):  # R30
    plan = plan_factory(units=_county_units(org, county, 20), sample_size=2, region=county)
    services.plan_approve(actor=org.leader, plan=plan)
    assert not plan.overrides.exists()


def test_the_leaders_override_lets_a_county_plan_sample_more(org, county, plan_factory):  # R30
    plan = plan_factory(units=_county_units(org, county, 20), sample_size=5, region=county)
    services.plan_approve(actor=org.leader, plan=plan, override_reason="群众反映集中，需扩大抽查面")
    override = plan.overrides.get()
    assert override.kind == "sampling" and override.approved_by == org.leader
    assert override.figures["max"] == 2 and override.figures["sample_size"] == 5


def test_the_sampling_share_does_not_apply_at_city_level(org, plan_factory):  # R30
    plan = plan_factory(sample_size=2)  # 2 of 2 units, city level
    services.plan_approve(actor=org.leader, plan=plan)


def test_a_draw_needs_an_approved_plan(org, plan_factory, draw_org):
    targets, inspectors = draw_org
    plan = plan_factory(units=targets, sample_size=2)
    tp = services.target_pool_create(actor=org.office, name="对象库", issuing_unit=org.office_unit, units=targets)
    ip = services.inspector_pool_create(actor=org.office, name="人员库", issuing_unit=org.office_unit,
                                        members=inspectors)
    with pytest.raises(ValidationError, match="批准"):
        services.draw_make(actor=org.office, plan=plan, target_pool=tp, inspector_pool=ip, n_targets=2)
