"""Inspection scope (2019 意见 (二十一)、(二十二); 2008b 二(二)): a department inspects only its
counterpart one level down, never a lower government (R54); departments give lower governments
no directive tasks of their own (R58); no inspection item runs without approval (R60)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from efficiency.models import Region, Unit
from inspection import services
from inspection.models import InspectionPlan, Method
from supervision import services as supervision
from supervision.models import AssignmentKind
from tests.factories import RegionFactory, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_units(org):
    county = RegionFactory(code="420704", name="鄂城区", level=Region.Level.COUNTY, parent=org.region)
    return {
        "counterpart": make_unit("鄂城区自然资源局", region=county, parent=org.unit_a, code="C-A"),
        "other_dept": make_unit("鄂城区市场监管局", region=county, parent=org.unit_b, code="C-B"),
        "government": make_unit("鄂城区人民政府", region=county, kind=Unit.Kind.GOVERNMENT, code="C-GOV"),
    }


def _plan(org, issuing_unit, units):
    return services.plan_create(
        actor=org.office, topic="自然资源业务督查", scope="用地审批时限", method=Method.SPECIAL, issuing_unit=issuing_unit,
        region=org.region, start_date=date(2026, 6, 1), end_date=date(2026, 6, 20), units=units, sample_size=1)


def test_r54_a_departments_inspection_of_its_counterpart_one_level_down_is_filed(org, county_units):
    assert _plan(org, org.unit_a, [county_units["counterpart"]]).pk


@pytest.mark.parametrize("target", ["government", "other_dept"])
def test_r54_a_department_may_not_inspect_a_lower_government_or_another_departments_counterpart(
        org, county_units, target):
    with pytest.raises(ValidationError) as exc:
        _plan(org, org.unit_a, [county_units["counterpart"], county_units[target]])
    assert county_units[target].name in str(exc.value.message_dict["units"])
    assert not InspectionPlan.objects.exists()


def test_r54_an_edit_cannot_add_a_lower_government_to_a_departments_plan(org, county_units):
    plan = _plan(org, org.unit_a, [county_units["counterpart"]])
    with pytest.raises(ValidationError, match="下级政府"):
        services.plan_update(actor=org.office, plan=plan, units=[county_units["counterpart"], county_units["government"]])
    assert list(plan.units.all()) == [county_units["counterpart"]]


def test_r54_the_government_side_may_inspect_a_lower_government(org, county_units):
    assert _plan(org, org.office_unit, [county_units["government"]]).pk


def test_r54_the_api_answers_400_for_a_lower_government(client, org, county_units):
    client.force_login(org.office)
    r = client.post("/api/v1/inspection/plans/", {
        "topic": "业务督查", "scope": "审批时限", "method": "special", "issuing_unit": org.unit_a.pk,
        "region": org.region.pk, "start_date": "2026-04-01", "end_date": "2026-04-30",
        "units": [county_units["government"].pk], "sample_size": 1}, content_type="application/json")
    assert r.status_code == 400 and "下级政府" in r.content.decode()


def test_r58_a_department_cannot_hand_a_lower_government_a_task(org, county_units):
    """Assignments (交办件) are issued by the efficiency office for the government only: a
    department's head or clerk cannot give the county government a directive task."""
    for actor in (org.head_a, org.clerk_a):
        with pytest.raises(PermissionDenied):
            supervision.assignment_create(actor=actor, kind=AssignmentKind.MEETING, title="报送用地数据",
                                          source_text="请于三日内报送", lead_unit=county_units["government"])
    assert supervision.assignment_create(actor=org.office, kind=AssignmentKind.MEETING, title="报送用地数据",
                                         source_text="市政府常务会议决定", issuing_leader="刘市长",
                                         lead_unit=county_units["government"]).pk


def test_r60_no_inspection_runs_before_a_leader_approves_it(org, plan_factory):
    """A new inspection item is a plan filed with the office (归口管理) that a leader approves; a
    draft or submitted plan can take no visit, and the office cannot approve its own plan."""
    plan = plan_factory()
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.SUBMITTED
    with pytest.raises(ValidationError, match="批准"):
        services.visit_record(actor=org.office, plan=plan, unit=org.unit_a, kind=Method.OPEN,
                              visited_on=date(2026, 3, 2))
    with pytest.raises(PermissionDenied):
        services.plan_approve(actor=org.office, plan=plan)
    approved = services.plan_approve(actor=org.leader, plan=plan)
    assert approved.status == InspectionPlan.Status.APPROVED and approved.approved_by == org.leader
