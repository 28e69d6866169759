"""R51 (2014 二(二)一): every key investment project has a service team (代办服务组) led by a 处级
cadre with the units concerned, which handles the enterprise's procedures from start to end
(全程代办、一包到底; 两个"零接触")."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from efficiency import services as core
from efficiency.models import Event, Rank, Rung, TimeLimitRule, User
from efficiency.queries import home_todo
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from supervision import services
from supervision.models import KeyProject, ProjectProcedure, ServiceTeam

MONDAY = datetime(2024, 9, 9, 10, 0, tzinfo=SHANGHAI)


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def _rank(user, rank):
    User.objects.filter(pk=user.pk).update(rank=rank)
    user.refresh_from_db()
    return user


@pytest.fixture
def project(org):
    _rank(org.head_a, Rank.DIVISION)
    with time_machine.travel(MONDAY, tick=False):
        return services.project_register(
            actor=org.office, name="华中智能装备产业园", enterprise="湖北某智能装备有限公司",
            enterprise_contact="周经理 13800000000", investment="52000", leader=org.head_a, units=[org.unit_b])


def test_r51_a_key_project_is_registered_with_its_service_team_led_by_a_division_level_cadre(project, org):
    team = ServiceTeam.objects.get(project=project)
    assert team.leader == org.head_a and team.leader_rank == Rank.DIVISION
    assert set(team.units.all()) == {org.unit_a, org.unit_b}
    assert project.unit == org.unit_a and project.number.startswith("XM2024-")
    assert Event.objects.filter(kind="project.registered", subject_id=project.pk).exists()


@pytest.mark.parametrize("rank", [Rank.NONE, Rank.STAFF, Rank.SECTION])
def test_r51_a_leader_below_division_level_is_refused_with_the_reason(org, rank):
    _rank(org.head_a, rank)
    with pytest.raises(ValidationError) as exc:
        services.project_register(actor=org.office, name="项目", enterprise="企业", enterprise_contact="联系人",
                                  investment=100, leader=org.head_a, units=[org.unit_b])
    assert "处级" in exc.value.message_dict["leader"][0] and str(Rank(rank).label) in exc.value.message_dict["leader"][0]
    assert not KeyProject.objects.exists()


def test_r51_a_deputy_division_level_cadre_may_lead(org):
    _rank(org.head_a, Rank.DEPUTY_DIVISION)
    p = services.project_register(actor=org.office, name="项目", enterprise="企业", enterprise_contact="联系人",
                                  investment=100, leader=org.head_a, units=[org.unit_b])
    assert p.team.leader_rank == Rank.DEPUTY_DIVISION


def test_r51_the_database_refuses_a_team_led_below_division_level(project):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceTeam.objects.filter(pk=project.team.pk).update(leader_rank=Rank.SECTION)


def test_r51_a_team_needs_the_units_concerned(org):
    _rank(org.head_a, Rank.DIVISION)
    for units in ([], [org.unit_a]):
        with pytest.raises(ValidationError) as exc:
            services.project_register(actor=org.office, name="项目", enterprise="企业", enterprise_contact="联系人",
                                      investment=100, leader=org.head_a, units=units)
        assert "units" in exc.value.message_dict


def test_r51_the_rank_is_recorded_by_the_system_administrator_and_audited(org):
    core.user_update(actor=org.sysadmin, user=org.head_b, rank=Rank.DEPUTY_DIVISION)
    org.head_b.refresh_from_db()
    assert org.head_b.rank == Rank.DEPUTY_DIVISION
    with pytest.raises(PermissionDenied):
        core.user_update(actor=org.office, user=org.head_b, rank=Rank.BUREAU)


def test_r51_only_the_office_or_a_leader_registers_a_project(org):
    _rank(org.head_a, Rank.DIVISION)
    with pytest.raises(PermissionDenied):
        services.project_register(actor=org.clerk_a, name="项目", enterprise="企业", enterprise_contact="联系人",
                                  investment=100, leader=org.head_a, units=[org.unit_b])


def test_r51_a_procedure_without_a_deadline_runs_on_the_local_default_in_working_days(project, org):
    with time_machine.travel(MONDAY, tick=False):
        p = services.procedure_add(actor=org.head_a, project=project, kind="permit", title="施工许可证代办",
                                   unit=org.unit_b, owner=org.clerk_b)
    rule = TimeLimitRule.objects.get(code="project.procedure")
    assert rule.local_default and rule.source == "本地默认 (种子未规定)" and "R51" in rule.rule_ids
    assert p.time_rule == rule and (p.limit_value, p.limit_unit) == (20, "wd")
    # 20 working days from Mon 2024-09-09 over Mid-Autumn (Sep 15–17; Sat Sep 14 worked) and
    # National Day (Oct 1–7; Sun Sep 29 and Sat Oct 12 worked): due at the end of Sat 2024-10-12.
    assert p.due_at.astimezone(SHANGHAI).date() == date(2024, 10, 12)


def test_r51_a_procedure_deadline_must_be_a_working_day(project, org):
    with time_machine.travel(MONDAY, tick=False):
        with pytest.raises(ValidationError) as exc:
            services.procedure_add(actor=org.head_a, project=project, kind="land", title="征地拆迁",
                                   unit=org.unit_a, deadline=date(2024, 9, 16))  # 中秋节
        assert "工作日" in exc.value.message_dict["deadline"][0]
        p = services.procedure_add(actor=org.head_a, project=project, kind="land", title="征地拆迁",
                                   unit=org.unit_a, deadline=date(2024, 9, 20))
    assert p.due_at.astimezone(SHANGHAI).date() == date(2024, 9, 20)


def test_r51_a_procedure_is_handled_by_a_member_unit_of_the_team(project, org):
    other = User.objects.get(pk=org.office.pk).unit
    with pytest.raises(ValidationError) as exc:
        services.procedure_add(actor=org.head_a, project=project, kind="permit", title="环评", unit=other)
    assert "成员单位" in exc.value.message_dict["unit"][0]
    with pytest.raises(ValidationError):
        services.procedure_add(actor=org.head_a, project=project, kind="permit", title="环评", unit=org.unit_b,
                               owner=org.clerk_a)


def test_r51_someone_outside_the_team_cannot_add_or_complete_a_procedure(project, org):
    from tests.factories import make_unit, make_user

    outsider = make_user("clerk", unit=make_unit(region=org.region))
    with pytest.raises(PermissionDenied):
        services.procedure_add(actor=outsider, project=project, kind="permit", title="环评", unit=org.unit_b)
    p = services.procedure_add(actor=org.clerk_b, project=project, kind="permit", title="环评", unit=org.unit_b)
    with pytest.raises(PermissionDenied):
        services.procedure_complete(actor=outsider, procedure=p, result="办结", zero_contact=True)
    with pytest.raises(PermissionDenied):  # a member unit completes only its own procedures
        services.procedure_complete(actor=org.clerk_a, procedure=p, result="办结", zero_contact=True)


def test_r51_a_late_procedure_gets_the_ladder_of_cards(project, org):
    with time_machine.travel(MONDAY, tick=False):
        p = services.procedure_add(actor=org.head_a, project=project, kind="land", title="征地拆迁",
                                   unit=org.unit_a, owner=org.clerk_a, deadline=date(2024, 9, 20))
    sweep(now=at(2024, 9, 23, 9, 0))
    p.refresh_from_db()
    assert p.breach_level >= Rung.YELLOW and p.clock_state == "overdue"


def test_r51_one_package_to_the_end_the_project_closes_only_when_every_procedure_is_done(project, org):
    with pytest.raises(ValidationError):
        services.project_close(actor=org.head_a, project=project)  # nothing handled yet
    p1 = services.procedure_add(actor=org.head_a, project=project, kind="land", title="征地拆迁", unit=org.unit_a)
    p2 = services.procedure_add(actor=org.head_a, project=project, kind="permit", title="营业执照", unit=org.unit_b)
    services.procedure_complete(actor=org.clerk_a, procedure=p1, result="已完成征地", zero_contact=True)
    with pytest.raises(ValidationError) as exc:
        services.project_close(actor=org.head_a, project=project)
    assert "1 项" in exc.value.messages[0]
    with pytest.raises(ValidationError):  # 两个"零接触": a contact is explained
        services.procedure_complete(actor=org.clerk_b, procedure=p2, result="已发证", zero_contact=False)
    services.procedure_complete(actor=org.clerk_b, procedure=p2, result="已发证", zero_contact=False,
                                contact_note="企业法人须本人到场核验身份")
    p2.refresh_from_db()
    assert p2.status == ProjectProcedure.Status.DONE and p2.zero_contact is False and p2.clock_state == "done"
    with pytest.raises(PermissionDenied):
        services.project_close(actor=org.clerk_b, project=project)
    services.project_close(actor=org.head_a, project=project)
    project.refresh_from_db()
    assert project.status == KeyProject.Status.DONE
    with pytest.raises(ValidationError):
        services.procedure_add(actor=org.head_a, project=project, kind="other", title="再办", unit=org.unit_a)


def test_r51_the_teams_procedures_are_on_the_home_page_of_its_members_only(project, org):
    from tests.factories import make_unit, make_user

    services.procedure_add(actor=org.head_a, project=project, kind="permit", title="施工许可", unit=org.unit_b)
    outsider = make_user("clerk", unit=make_unit(region=org.region))

    def line(user):
        return {t.key: t.count for t in home_todo(user)}.get("supervision.procedures.open")

    assert line(org.clerk_a) == 1 and line(org.clerk_b) == 1 and line(org.office) == 1
    assert line(outsider) == 0


def test_r51_r62_the_demo_has_a_key_project_with_its_team_and_a_county_hard_problem_once(db):
    from efficiency import demo as org_demo
    from supervision import demo
    from supervision.models import HardProblem

    org_demo.seed_org()
    demo.seed()
    demo.seed()
    project = KeyProject.objects.get(name=demo.PROJECT)
    assert project.team.leader.username == "fuzeren" and project.team.leader_rank == Rank.DIVISION
    assert project.team.units.count() == 4 and project.procedures.count() == 3
    assert project.procedures.filter(status="done", zero_contact=True).count() == 1
    problem = HardProblem.objects.get(title=demo.PROBLEM)
    assert problem.region.level == "county" and problem.leader.username == "quzhang"
    assert problem.milestones.count() == 2 and HardProblem.objects.count() == 1
    assert User.objects.get(username="lingdao").rank == Rank.DEPUTY_BUREAU
