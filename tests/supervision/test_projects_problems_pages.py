"""Pages and API of key projects (R51) and county hard problems (R62): scoped (another unit's staff
get 404), refusals as 400/403 with the reason, the whole flow over HTTP."""

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from efficiency.models import Rank, Region, Role, Unit, User
from efficiency.workdays import SHANGHAI
from supervision import services
from supervision.models import HardProblem, KeyProject
from tests.factories import RegionFactory, make_unit, make_user

pytestmark = pytest.mark.django_db
MONDAY = datetime(2024, 9, 9, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def outsider(org):
    return make_user(Role.CLERK, unit=make_unit("鄂州市教育局", region=org.region), full_name="局外人")


@pytest.fixture
def project(org):
    User.objects.filter(pk=org.head_a.pk).update(rank=Rank.DIVISION)
    org.head_a.refresh_from_db()
    with time_machine.travel(MONDAY, tick=False):
        p = services.project_register(actor=org.office, name="华中智能装备产业园", enterprise="湖北某智能装备有限公司",
                                      enterprise_contact="周经理", investment=52000, leader=org.head_a,
                                      units=[org.unit_b])
        services.procedure_add(actor=org.head_a, project=p, kind="permit", title="施工许可证代办", unit=org.unit_b)
    return p


@pytest.fixture
def county(org):
    region = RegionFactory(code="420703", name="华容区", level=Region.Level.COUNTY, parent=org.region)
    gov = make_unit("华容区人民政府", region=region, kind=Unit.Kind.GOVERNMENT)
    land = make_unit("华容区自然资源局", region=region)
    return dict(region=region, gov=gov, land=land, leader=make_user(Role.LEADER, unit=gov, full_name="王区长"),
                clerk=make_user(Role.CLERK, unit=land, full_name="土地经办"))


def _problem_payload(c, **over):
    data = {"region": c["region"].pk, "title": "老旧片区征收难", "description": "300 户", "plan": "分片征收",
            "leader": c["leader"].pk, "unit": c["land"].pk, "team_units": [],
            "milestones": [{"title": "补偿方案", "deadline": "2024-09-20", "requirements": "常务会审定",
                            "unit": c["land"].pk, "owner": c["clerk"].pk}]}
    data.update(over)
    return data


def test_r51_the_project_page_shows_the_team_with_the_leaders_rank_and_its_procedures(client, org, project):
    client.force_login(org.clerk_b)
    html = client.get(reverse("supervision:project", args=[project.pk])).content.decode()
    assert "正处级" in html and "施工许可证代办" in html and "鄂州市市场监督管理局" in html
    assert "本地默认 (种子未规定)" in html


def test_r51_another_units_staff_get_404_on_a_project_page_and_api(client, org, project, outsider):
    client.force_login(outsider)
    assert client.get(reverse("supervision:project", args=[project.pk])).status_code == 404
    api = APIClient()
    api.force_authenticate(outsider)
    assert api.get(f"/api/v1/supervision/projects/{project.pk}/").status_code == 404
    assert api.get("/api/v1/supervision/projects/").json()["results"] == []
    procedure = project.procedures.get()
    assert api.post(f"/api/v1/supervision/procedures/{procedure.pk}/complete/",
                    {"result": "x", "zero_contact": True}, format="json").status_code == 404


def test_r51_registering_over_the_api_refuses_a_leader_below_division_level_then_succeeds(org):
    api = APIClient()
    api.force_authenticate(org.office)
    data = {"name": "项目", "enterprise": "企业", "enterprise_contact": "联系人", "investment": "100",
            "leader": org.head_b.pk, "units": [org.unit_a.pk]}
    r = api.post("/api/v1/supervision/projects/", data, format="json")
    assert r.status_code == 400 and "处级" in str(r.json())
    api.force_authenticate(org.clerk_a)
    assert api.post("/api/v1/supervision/projects/", data, format="json").status_code == 403
    User.objects.filter(pk=org.head_b.pk).update(rank=Rank.DEPUTY_DIVISION)
    api.force_authenticate(org.office)
    r = api.post("/api/v1/supervision/projects/", data, format="json")
    assert r.status_code == 201 and r.json()["team"]["leader_rank"] == Rank.DEPUTY_DIVISION
    assert KeyProject.objects.count() == 1


def test_r51_the_whole_flow_over_the_api(org, project):
    api = APIClient()
    api.force_authenticate(org.clerk_a)
    r = api.post(f"/api/v1/supervision/projects/{project.pk}/procedures/",
                 {"kind": "land", "title": "征地拆迁", "unit": org.unit_a.pk, "owner": org.clerk_a.pk}, format="json")
    assert r.status_code == 201 and r.json()["local_default"] is True
    land = r.json()["id"]
    assert api.post(f"/api/v1/supervision/projects/{project.pk}/close/").status_code == 403  # not the leader
    leader = APIClient()
    leader.force_authenticate(org.head_a)
    r = leader.post(f"/api/v1/supervision/projects/{project.pk}/close/")
    assert r.status_code == 400 and "一包到底" in str(r.json())
    r = api.post(f"/api/v1/supervision/procedures/{land}/complete/", {"result": "已完成", "zero_contact": False},
                 format="json")
    assert r.status_code == 400 and "contact_note" in r.json()["error"]["fields"]
    assert api.post(f"/api/v1/supervision/procedures/{land}/complete/",
                    {"result": "已完成", "zero_contact": True}, format="json").status_code == 200
    api.force_authenticate(org.clerk_b)
    other = project.procedures.get(title="施工许可证代办")
    assert api.post(f"/api/v1/supervision/procedures/{other.pk}/complete/",
                    {"result": "已发证", "zero_contact": True}, format="json").status_code == 200
    assert leader.post(f"/api/v1/supervision/projects/{project.pk}/close/").json()["status"] == "done"


def test_r51_the_office_registers_a_project_on_the_page(client, org):
    User.objects.filter(pk=org.head_a.pk).update(rank=Rank.DIVISION)
    client.force_login(org.office)
    r = client.post(reverse("supervision:project_new"), {
        "name": "临空经济区物流园", "enterprise": "某物流公司", "enterprise_contact": "李总", "investment": "8000",
        "leader": org.head_a.pk, "units": [org.unit_b.pk]})
    project = KeyProject.objects.get()
    assert r.status_code == 302 and r.url == project.get_absolute_url()
    client.force_login(org.clerk_a)
    assert client.get(reverse("supervision:project_new")).status_code == 404


def test_r51_a_leader_below_division_level_is_refused_on_the_page(client, org):
    client.force_login(org.office)
    r = client.post(reverse("supervision:project_new"), {
        "name": "项目", "enterprise": "企业", "enterprise_contact": "李总", "investment": "8000",
        "leader": org.head_a.pk, "units": [org.unit_b.pk]})
    assert r.status_code == 200 and "须由处级干部牵头" in r.content.decode()
    assert not KeyProject.objects.exists()


def test_r62_a_problem_over_the_api_is_refused_without_a_working_day_deadline_then_created(org, county):
    api = APIClient()
    api.force_authenticate(org.office)
    with time_machine.travel(MONDAY, tick=False):
        bad = _problem_payload(county)
        bad["milestones"][0]["deadline"] = "2024-09-16"  # 中秋节
        r = api.post("/api/v1/supervision/problems/", bad, format="json")
        assert r.status_code == 400 and "不是工作日" in str(r.json())
        r = api.post("/api/v1/supervision/problems/", _problem_payload(county, leader=[county["leader"].pk]),
                     format="json")
        assert r.status_code == 400
        r = api.post("/api/v1/supervision/problems/", _problem_payload(county, milestones=[]), format="json")
        assert r.status_code == 400
        r = api.post("/api/v1/supervision/problems/", _problem_payload(county), format="json")
    assert r.status_code == 201 and len(r.json()["milestones"]) == 1
    api.force_authenticate(org.clerk_a)
    assert api.post("/api/v1/supervision/problems/", _problem_payload(county), format="json").status_code == 403


def test_r62_the_problem_page_is_the_teams_and_404_for_another_unit(client, org, county, outsider):
    with time_machine.travel(MONDAY, tick=False):
        p = services.problem_create(actor=org.office, milestones=[{
            "title": "补偿方案", "deadline": date(2024, 9, 20), "requirements": "常务会审定", "unit": county["land"],
            "owner": county["clerk"]}], **{k: v for k, v in dict(
                region=county["region"], title="老旧片区征收难", description="300 户", plan="分片征收",
                leader=county["leader"], unit=county["land"]).items()})
    client.force_login(county["clerk"])
    html = client.get(reverse("supervision:problem", args=[p.pk])).content.decode()
    assert "分片征收" in html and "王区长" in html and "常务会审定" in html
    client.force_login(outsider)
    assert client.get(reverse("supervision:problem", args=[p.pk])).status_code == 404
    api = APIClient()
    api.force_authenticate(outsider)
    assert api.get(f"/api/v1/supervision/problems/{p.pk}/").status_code == 404
    m = p.milestones.get()
    assert api.post(f"/api/v1/supervision/milestones/{m.pk}/complete/", {"result": "x"},
                    format="json").status_code == 404
    api.force_authenticate(county["clerk"])
    assert api.post(f"/api/v1/supervision/milestones/{m.pk}/complete/", {"result": "审定"},
                    format="json").status_code == 200
    api.force_authenticate(county["leader"])
    assert api.post(f"/api/v1/supervision/problems/{p.pk}/solve/", {}, format="json").json()["status"] == "solved"
    assert HardProblem.objects.get().status == "solved"


def test_r62_the_office_registers_a_problem_with_its_schedule_on_the_page(client, org, county):
    client.force_login(org.office)
    form = {"region": county["region"].pk, "title": "企业融资难", "description": "中小企业贷款难",
            "plan": "设立转贷应急资金", "leader": county["leader"].pk, "unit": county["land"].pk,
            "m-TOTAL_FORMS": "3", "m-INITIAL_FORMS": "0", "m-MIN_NUM_FORMS": "0", "m-MAX_NUM_FORMS": "1000",
            "m-0-title": "设立资金池", "m-0-deadline": "2024-09-21", "m-0-requirements": "规模 5000 万",
            "m-0-unit": county["land"].pk, "m-0-owner": county["clerk"].pk}
    with time_machine.travel(MONDAY, tick=False):
        r = client.post(reverse("supervision:problem_new"), form)  # Sat 2024-09-21 is a rest day
        assert r.status_code == 200 and "不是工作日" in r.content.decode() and not HardProblem.objects.exists()
        form["m-0-deadline"] = "2024-09-20"
        r = client.post(reverse("supervision:problem_new"), form)
    assert r.status_code == 302 and HardProblem.objects.get().milestones.count() == 1
