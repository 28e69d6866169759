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


def test_a_leader_returns_a_plan_with_a_reason_and_the_office_resubmits_it(org, plan_factory):  # R31
    plan = plan_factory()
    with pytest.raises(ValidationError):
        services.plan_reject(actor=org.leader, plan=plan, note=" ")
    services.plan_reject(actor=org.leader, plan=plan, note="范围过宽，请压减")
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.REJECTED
    services.plan_submit(actor=org.office, plan=plan)
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.SUBMITTED


def test_a_rejected_plan_does_not_count_against_the_cap(org, plan_factory):  # R31
    services.cap_set(actor=org.sysadmin, issuing_unit=org.office_unit, year=2026, base_2018=2, cap=1)
    services.plan_reject(actor=org.leader, plan=plan_factory(), note="不同意")
    services.plan_approve(actor=org.leader, plan=plan_factory())
    assert services.plan_count(org.office_unit, 2026) == 1


def test_a_clerk_cannot_file_a_plan(org):
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=org.clerk_a, topic="t", scope="s", method="open", issuing_unit=org.unit_a,
                             region=org.region, start_date=date(2026, 1, 1), end_date=date(2026, 1, 2),
                             units=[org.unit_b], sample_size=1)


def test_the_plan_page_shows_the_years_count_against_the_cap(client, org, plan_factory):  # R31
    services.cap_set(actor=org.sysadmin, issuing_unit=org.office_unit, year=2026, base_2018=10, cap=5)
    plan = services.plan_approve(actor=org.leader, plan=plan_factory())
    client.force_login(org.office)
    html = client.get(plan.get_absolute_url()).content.decode()
    assert "2026 年已批准督查检查 1 次 / 年度上限 5 次" in html


def test_a_unit_clerk_gets_404_for_a_plan_page(client, org, plan_factory):
    plan = plan_factory()
    client.force_login(org.clerk_a)
    assert client.get(plan.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/inspection/plans/{plan.pk}/").status_code == 404


def test_the_leader_approves_over_the_sampling_share_on_the_page_with_a_reason(client, org, county, plan_factory):  # R30
    units = [make_unit(f"华容区单位{i}", region=county, code=f"HP{i:02d}") for i in range(10)]
    plan = plan_factory(units=units, sample_size=3, region=county)
    client.force_login(org.leader)
    client.post(f"/inspection/plans/{plan.pk}/approve/", {"note": "同意"})
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.SUBMITTED
    client.post(f"/inspection/plans/{plan.pk}/approve/", {"note": "同意", "override_reason": "专项整治需要"})
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.APPROVED
    assert plan.overrides.get().reason == "专项整治需要"
