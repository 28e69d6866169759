"""R62 (2014 二(三)): a county hard problem (难题) gets one plan, one leader and one team, with a
schedule (事项进度表) that sets each deadline, the requirements and the responsibilities."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from efficiency.models import Event, Region, Role, Rung, Unit
from efficiency.queries import home_todo
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from supervision import services
from supervision.models import HardProblem, ProblemMilestone
from tests.factories import RegionFactory, make_unit, make_user

MONDAY = datetime(2024, 9, 9, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def county(org):
    region = RegionFactory(code="420703", name="华容区", level=Region.Level.COUNTY, parent=org.region)
    gov = make_unit("华容区人民政府", region=region, kind=Unit.Kind.GOVERNMENT)
    land = make_unit("华容区自然资源局", region=region)
    build = make_unit("华容区住建局", region=region)
    return dict(region=region, gov=gov, land=land, build=build,
                leader=make_user(Role.LEADER, unit=gov, full_name="王区长"),
                head_gov=make_user(Role.HEAD, unit=gov, full_name="区政府办主任"),
                clerk_land=make_user(Role.CLERK, unit=land, full_name="土地经办"),
                clerk_build=make_user(Role.CLERK, unit=build, full_name="住建经办"))


def _milestones(c, **over):
    rows = [
        dict(title="完成征收补偿方案", deadline=date(2024, 9, 20), requirements="方案经区政府常务会审定",
             unit=c["land"], owner=c["clerk_land"]),
        dict(title="完成安置房选址", deadline=date(2024, 10, 11), requirements="选址报规划委员会审议",
             unit=c["build"], owner=c["clerk_build"]),
    ]
    rows[0].update(over)
    return rows


def _create(org, c, **kw):
    args = dict(actor=org.office, region=c["region"], title="城区老旧片区征收难", description="涉及 300 户，补偿标准争议大",
                plan="分片征收、一户一策", leader=c["leader"], unit=c["land"], team_units=[c["build"]],
                milestones=_milestones(c))
    args.update(kw)
    with time_machine.travel(MONDAY, tick=False):
        return services.problem_create(**args)


def test_r62_a_hard_problem_has_one_plan_one_leader_one_team_and_a_clocked_schedule(org, county):
    p = _create(org, county)
    assert p.plan == "分片征收、一户一策" and p.leader == county["leader"] and p.unit == county["land"]
    assert set(p.team_units.all()) == {county["build"]}
    first, second = p.milestones.order_by("deadline")
    assert first.due_at.astimezone(SHANGHAI).date() == date(2024, 9, 20) and first.owner == county["clerk_land"]
    assert second.requirements and second.unit == county["build"]
    assert Event.objects.filter(kind="problem.created", subject_id=p.pk).exists()


@pytest.mark.parametrize("field, value", [("plan", ""), ("plan", ["方案一", "方案二"]), ("leader", None),
                                          ("leader", "two"), ("unit", None), ("milestones", [])])
def test_r62_a_problem_without_exactly_one_plan_leader_team_or_a_schedule_is_refused(org, county, field, value):
    if value == "two":
        value = [county["leader"], county["head_gov"]]
    with pytest.raises(ValidationError) as exc:
        _create(org, county, **{field: value})
    assert field in exc.value.message_dict
    assert not HardProblem.objects.exists()


@pytest.mark.parametrize("over, says", [
    (dict(deadline=None), "完成时限"),
    (dict(deadline=date(2024, 9, 16)), "不是工作日"),  # 中秋节
    (dict(deadline=date(2024, 9, 9)), "已过或就是今天"),
    (dict(requirements=" "), "工作要求"),
    (dict(unit=None), "责任单位"),
    (dict(owner=None), "责任人"),
])
def test_r62_every_milestone_needs_a_working_day_deadline_requirements_and_a_responsible_unit_and_person(
        org, county, over, says):
    with pytest.raises(ValidationError) as exc:
        _create(org, county, milestones=_milestones(county, **over))
    message = exc.value.message_dict["milestones"][0]
    assert message.startswith("第 1 项") and says in message


def test_r62_a_milestone_unit_outside_the_team_is_refused(org, county):
    other = make_unit("华容区教育局", region=county["region"])
    with pytest.raises(ValidationError):
        _create(org, county, milestones=_milestones(county, unit=other, owner=make_user(Role.CLERK, unit=other)))


def test_r62_only_county_problems(org, county):
    with pytest.raises(ValidationError) as exc:
        _create(org, county, region=org.region)
    assert "县区" in exc.value.message_dict["region"][0]


def test_r62_who_may_register_a_hard_problem(org, county):
    with pytest.raises(PermissionDenied):
        _create(org, county, actor=county["clerk_land"])
    with pytest.raises(PermissionDenied):  # a department's head is not the county government
        _create(org, county, actor=org.head_a)
    assert _create(org, county, actor=county["head_gov"]).created_by == county["head_gov"]


def test_r62_a_late_milestone_is_carded_by_the_sweep(org, county):
    p = _create(org, county)
    sweep(now=datetime(2024, 9, 23, 9, 0, tzinfo=SHANGHAI))
    first = p.milestones.get(deadline=date(2024, 9, 20))
    assert first.breach_level >= Rung.YELLOW and first.clock_state == "overdue"
    assert p.milestones.get(deadline=date(2024, 10, 11)).breach_level < Rung.YELLOW


def test_r62_the_problem_is_solved_only_when_its_schedule_is_done(org, county):
    p = _create(org, county)
    m1, m2 = p.milestones.order_by("deadline")
    with pytest.raises(PermissionDenied):  # another unit's row
        services.milestone_complete(actor=county["clerk_build"], milestone=m1, result="完成")
    with pytest.raises(ValidationError):
        services.milestone_complete(actor=county["clerk_land"], milestone=m1, result="")
    services.milestone_complete(actor=county["clerk_land"], milestone=m1, result="方案已审定")
    with pytest.raises(ValidationError):
        services.problem_solve(actor=county["leader"], problem=p)
    services.milestone_complete(actor=county["clerk_build"], milestone=m2, result="选址已审议")
    with pytest.raises(PermissionDenied):
        services.problem_solve(actor=county["clerk_land"], problem=p)
    services.problem_solve(actor=county["leader"], problem=p)
    p.refresh_from_db()
    assert p.status == HardProblem.Status.SOLVED
    assert set(p.milestones.values_list("status", flat=True)) == {ProblemMilestone.Status.DONE}


def test_r62_the_schedule_is_on_the_home_page_of_the_team(org, county):
    _create(org, county)

    def line(user):
        return {t.key: t.count for t in home_todo(user)}.get("supervision.milestones.open")

    assert line(county["clerk_land"]) == 2 and line(county["clerk_build"]) == 2
    assert line(org.clerk_a) == 0


def test_r62_a_deadline_outside_the_working_day_calendar_is_a_clear_refusal(org, county):
    with pytest.raises(ValidationError) as exc:
        _create(org, county, milestones=_milestones(county, deadline=date(2999, 1, 4)))
    assert "工作日历范围" in exc.value.message_dict["milestones"][0]
