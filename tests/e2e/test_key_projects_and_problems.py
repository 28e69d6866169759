"""R51 and R62 in the browser: the office registers a key project whose leader is below 处级 and
is refused with the reason, then with a 正处级 leader; a member unit's clerk finds the team's
procedure on the home page, opens the project and completes it with zero contact. A county
clerk completes a milestone of a hard problem from its page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from efficiency.models import Rank, Region, Role, Unit, User
from efficiency.workdays import add_workdays, local_date
from supervision import services
from supervision.models import HardProblem, KeyProject, ProjectProcedure
from tests.factories import RegionFactory, make_unit, make_user

from .conftest import login_as, shot


def _count(page, key) -> int:
    return int(page.locator(f"a[data-todo='{key}'] .todo-count").inner_text())


@pytest.mark.django_db(transaction=True)
def test_r51_the_office_forms_a_service_team_and_a_member_unit_completes_its_procedure(page, live_server, org):
    login_as(page, live_server, "office")
    page.goto(f"{live_server.url}/supervision/projects/new/")
    page.fill("#id_name", "临空经济区冷链物流园")
    page.fill("#id_enterprise", "湖北顺达冷链物流有限公司")
    page.fill("#id_enterprise_contact", "程经理 027-60000000")
    page.fill("#id_investment", "68000")
    page.select_option("#id_leader", str(org.head_a.pk))
    page.select_option("#id_units", [str(org.unit_b.pk)])
    page.click("form.card button.btn-primary")
    assert "须由处级干部牵头" in page.inner_text("body") and not KeyProject.objects.exists()

    User.objects.filter(pk=org.head_a.pk).update(rank=Rank.DIVISION)
    page.click("form.card button.btn-primary")
    page.wait_for_selector("#team")
    assert "正处级" in page.inner_text("#team")
    project = KeyProject.objects.get()

    page.select_option("#id_kind", "permit")
    page.fill("#id_title", "建筑工程施工许可证")
    page.select_option("#id_unit", str(org.unit_b.pk))
    page.click("#procedure-form button")
    page.wait_for_selector("#procedures td:has-text('建筑工程施工许可证')")
    assert "本地默认" in page.inner_text("#procedures")
    shot(page, "key_project")

    login_as(page, live_server, "clerk_b")
    page.goto(f"{live_server.url}/")
    assert _count(page, "supervision.procedures.open") == 1
    page.click("a[data-todo='supervision.procedures.open']")
    page.wait_for_selector("#procedure-list")
    page.locator("#procedure-list a").first.click()
    page.wait_for_selector("#procedures")
    procedure = project.procedures.get()
    page.fill(f"#r-{procedure.pk}", "施工许可证已核发，企业未跑腿")
    page.locator(f"#procedure-{procedure.pk} button").click()
    page.wait_for_load_state()
    procedure.refresh_from_db()
    assert procedure.status == ProjectProcedure.Status.DONE and procedure.zero_contact is True


@pytest.mark.django_db(transaction=True)
def test_r62_a_team_clerk_completes_a_milestone_from_the_problems_page(page, live_server, org):
    region = RegionFactory(code="420703", name="华容区", level=Region.Level.COUNTY, parent=org.region)
    gov = make_unit("华容区人民政府", region=region, kind=Unit.Kind.GOVERNMENT)
    land = make_unit("华容区自然资源局", region=region)
    leader = make_user(Role.LEADER, unit=gov, full_name="何区长")
    clerk = make_user(Role.CLERK, unit=land, username="clerk_hr", full_name="陶静")
    deadline = add_workdays(local_date(timezone.now() + timedelta(days=1)), 5)
    problem = services.problem_create(
        actor=org.office, region=region, title="企业用地报批慢", description="平均 120 天", plan="预审+并联报批",
        leader=leader, unit=land, milestones=[dict(title="梳理报批堵点", deadline=deadline, requirements="逐项列明卡点",
                                                    unit=land, owner=clerk)])
    login_as(page, live_server, "clerk_hr")
    page.goto(f"{live_server.url}/supervision/problems/")
    page.locator("#problems a").first.click()
    page.wait_for_selector("#milestones")
    assert "何区长" in page.inner_text("#leader") and "预审+并联报批" in page.inner_text("#plan")
    milestone = problem.milestones.get()
    page.fill(f"#m-{milestone.pk}", "已列明 6 个项目的卡点")
    page.locator(f"#milestone-{milestone.pk} button").click()
    page.wait_for_load_state()
    milestone.refresh_from_db()
    assert milestone.status == "done"
    shot(page, "hard_problem")
    assert HardProblem.objects.get().status == "open"
