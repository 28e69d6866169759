import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from efficiency.workdays import local_date
from inspection import services
from inspection.models import InspectionPlan, Method

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(org, approved_plan):
    return services.visit_record(actor=org.office, plan=approved_plan, unit=org.unit_a, kind=Method.OPEN,
                                 visited_on=local_date(timezone.now()), people_met="窗口负责人张某")


@pytest.fixture
def finding(org, visit):
    return services.finding_record(actor=org.office, visit=visit, title="窗口空岗", rectify_target="全时段有人",
                                   rectify_days=30, responsible=org.clerk_a)


def test_the_office_files_a_plan_through_the_api_and_a_leader_approves_it(client, org):  # R31
    client.force_login(org.office)
    r = client.post("/api/v1/inspection/plans/", {
        "topic": "减证便民专项督查", "scope": "证明事项清理", "method": "special", "issuing_unit": org.office_unit.pk,
        "region": org.region.pk, "start_date": "2026-04-01", "end_date": "2026-04-30",
        "units": [org.unit_a.pk, org.unit_b.pk], "sample_size": 1}, content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert client.post(f"/api/v1/inspection/plans/{pk}/submit/").status_code == 200
    assert client.post(f"/api/v1/inspection/plans/{pk}/approve/").status_code == 403
    client.force_login(org.leader)
    assert client.post(f"/api/v1/inspection/plans/{pk}/approve/").json()["status"] == "approved"


def test_the_api_refuses_a_plan_over_the_cap_with_a_chinese_message(client, org, plan_factory):  # R31
    services.cap_set(actor=org.sysadmin, issuing_unit=org.office_unit, year=2026, base_2018=0, cap=0)
    plan = plan_factory()
    client.force_login(org.leader)
    r = client.post(f"/api/v1/inspection/plans/{plan.pk}/approve/", {}, content_type="application/json")
    assert r.status_code == 400 and "年度上限" in r.json()["error"]["message"]
    r = client.post(f"/api/v1/inspection/plans/{plan.pk}/approve/", {"override_reason": "上级交办"},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["overrides"][0]["kind"] == "cap"


def test_another_units_clerk_gets_404_for_a_rectification_page_and_api(client, org, finding):
    rect = finding.rectification
    client.force_login(org.clerk_b)
    assert client.get(rect.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/inspection/rectifications/{rect.pk}/").status_code == 404
    assert client.get(finding.get_absolute_url()).status_code == 404
    client.force_login(org.clerk_a)
    assert client.get(rect.get_absolute_url()).status_code == 200


def test_unit_users_get_404_for_an_open_unannounced_visit_page(client, org, approved_plan):  # R33
    visit = services.visit_record(actor=org.office, plan=approved_plan, unit=org.unit_a, kind=Method.UNANNOUNCED,
                                  visited_on=local_date(timezone.now()))
    client.force_login(org.head_a)
    assert client.get(visit.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/inspection/visits/{visit.pk}/").status_code == 404
    assert client.get("/api/v1/inspection/visits/").json()["count"] == 0
    services.visit_close(actor=org.office, visit=visit)
    assert client.get(visit.get_absolute_url()).status_code == 200


def test_the_unit_reports_and_the_office_verifies_through_the_api(client, org, finding):  # R13
    rect = finding.rectification
    client.force_login(org.clerk_a)
    r = client.post(f"/api/v1/inspection/rectifications/{rect.pk}/report/", {"report": "已落实AB岗"},
                    content_type="application/json")
    assert r.json()["status"] == "reported"
    client.force_login(org.office)
    r = client.post(f"/api/v1/inspection/rectifications/{rect.pk}/return/", {}, content_type="application/json")
    assert r.status_code == 400
    r = client.post(f"/api/v1/inspection/rectifications/{rect.pk}/verify/", {"note": "合格"},
                    content_type="application/json")
    assert r.json()["status"] == "verified" and r.json()["clock_state"] == "done"


def test_a_fake_photo_gets_a_400_with_a_clear_message(client, org, visit):  # R33
    from django.core.files.uploadedfile import SimpleUploadedFile
    client.force_login(org.office)
    r = client.post(f"/api/v1/inspection/visits/{visit.pk}/photos/",
                    {"image": SimpleUploadedFile("x.png", b"<?php echo 1; ?>", content_type="image/png")})
    assert r.status_code == 400 and "图片" in r.json()["error"]["message"]


def test_the_draw_api_reruns_from_the_recorded_seed(client, org, plan_factory, draw_org):  # R32
    targets, inspectors = draw_org
    plan = services.plan_approve(actor=org.leader, plan=plan_factory(units=targets, sample_size=3))
    tp = services.target_pool_create(actor=org.office, name="对象", issuing_unit=org.office_unit, units=targets)
    ip = services.inspector_pool_create(actor=org.office, name="人员", issuing_unit=org.office_unit, members=inspectors)
    client.force_login(org.office)
    r = client.post("/api/v1/inspection/draws/", {"plan": plan.pk, "target_pool": tp.pk, "inspector_pool": ip.pk,
                                                  "n_targets": 3, "per_target": 2}, content_type="application/json")
    assert r.status_code == 201
    body = r.json()
    again = client.post("/api/v1/inspection/draws/", {"plan": plan.pk, "target_pool": tp.pk, "inspector_pool": ip.pk,
                                                      "n_targets": 3, "per_target": 2, "seed": int(body["seed"])},
                        content_type="application/json").json()
    assert again["result"] == body["result"]
    assert client.get(f"/api/v1/inspection/draws/{body['id']}/verify/").json()["same"] is True


def test_the_public_page_shows_published_results_without_personal_data(client, org, finding, approved_plan):  # R32
    services.plan_publish_results(actor=org.office, plan=approved_plan)
    r = client.get(f"/inspection/public/plans/{approved_plan.pk}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "窗口空岗" in html and org.clerk_a.full_name not in html and "张某" not in html
    assert "优化营商环境专项督查" in client.get("/inspection/public/").content.decode()


def test_an_unpublished_plan_is_not_on_the_public_page(client, approved_plan):
    assert client.get(f"/inspection/public/plans/{approved_plan.pk}/").status_code == 404


def test_the_plan_report_exports_to_excel(client, org, finding, approved_plan):
    client.force_login(org.office)
    r = client.get(f"/inspection/plans/{approved_plan.pk}/export.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["E3"].value == "窗口空岗" and ws["K3"].value == "整改中"


def test_the_office_pages_render(client, org, finding, approved_plan):
    client.force_login(org.office)
    for url in ["/inspection/", f"/inspection/plans/{approved_plan.pk}/", finding.visit.get_absolute_url(),
                finding.get_absolute_url(), "/inspection/rectifications/", finding.rectification.get_absolute_url(),
                "/inspection/caps/", "/inspection/pools/", "/inspection/plans/new/",
                f"/inspection/plans/{approved_plan.pk}/draw/", f"/inspection/plans/{approved_plan.pk}/visits/new/"]:
        assert client.get(url).status_code == 200, url


def test_a_plan_form_with_an_end_before_the_start_shows_a_message(client, org):
    client.force_login(org.office)
    r = client.post("/inspection/plans/new/", {
        "topic": "t", "scope": "s", "method": "open", "issuing_unit": org.office_unit.pk, "region": org.region.pk,
        "start_date": "2026-04-30", "end_date": "2026-04-01", "units": [org.unit_a.pk], "sample_size": 1})
    assert r.status_code == 200 and "结束日期不能早于开始日期" in r.content.decode()
    assert not InspectionPlan.objects.exists()


def test_the_openapi_schema_generates(client, org):
    client.force_login(org.office)
    r = client.get("/api/schema/")
    assert r.status_code == 200 and b"/api/v1/inspection/plans/" in r.content


def test_the_rectification_list_api_takes_a_fixed_number_of_queries(client, org, approved_plan,
                                                                     django_assert_max_num_queries):
    for i in range(5):
        v = services.visit_record(actor=org.office, plan=approved_plan, unit=org.unit_a, kind=Method.OPEN,
                                  visited_on=local_date(timezone.now()))
        services.finding_record(actor=org.office, visit=v, title=f"问题{i}", rectify_target="整改", rectify_days=10)
    client.force_login(org.office)
    with django_assert_max_num_queries(8):
        r = client.get("/api/v1/inspection/rectifications/")
    assert r.json()["count"] == 5


def test_the_plan_list_filters_by_status_and_ignores_a_bad_year(client, org, plan_factory):
    plan_factory()
    client.force_login(org.leader)
    r = client.get("/inspection/?status=submitted&year=abc")
    assert r.status_code == 200 and "优化营商环境专项督查" in r.content.decode()
    assert "优化营商环境专项督查" not in client.get("/inspection/?status=approved").content.decode()
