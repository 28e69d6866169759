"""Editing a plan while it is a draft or returned for revision (计划管理): checked as at filing,
and a change that now exceeds the cap (R31) or the sampling share (R30) needs the leader's
recorded override at approval."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from efficiency.models import AuditLog, Event
from inspection import services
from inspection.models import InspectionPlan, Method, PlanOverride
from tests.factories import make_unit

pytestmark = pytest.mark.django_db


def _county_units(county, n):
    return [make_unit(f"华容区单位{i}", region=county, code=f"HR{i:02d}") for i in range(n)]


def _edit_audits(plan):
    return AuditLog.objects.filter(object_type="inspection.inspectionplan", object_id=str(plan.pk), action="update")


# --- service ----------------------------------------------------------------------------------


def test_the_office_edits_a_draft_and_the_audit_log_keeps_before_and_after(org, plan_factory):
    plan = plan_factory(submit=False)
    services.plan_update(actor=org.office, plan=plan, topic="窗口作风专项督查", scope="窗口纪律", method=Method.SPECIAL,
                         start_date=date(2026, 4, 1), end_date=date(2026, 4, 20), units=[org.unit_a], sample_size=1)
    plan.refresh_from_db()
    assert (plan.topic, plan.scope, plan.method, plan.status) == ("窗口作风专项督查", "窗口纪律", "special", "draft")
    assert (plan.start_date, plan.end_date) == (date(2026, 4, 1), date(2026, 4, 20))
    assert list(plan.units.all()) == [org.unit_a]
    row = _edit_audits(plan).get()
    assert row.actor == org.office
    assert row.before["topic"] == "优化营商环境专项督查" and row.after["topic"] == "窗口作风专项督查"
    assert row.before["units"] == sorted([org.unit_a.pk, org.unit_b.pk]) and row.after["units"] == [org.unit_a.pk]
    assert row.before["method"] == "open" and row.after["method"] == "special"
    event = Event.objects.get(kind="inspection.plan_updated", subject_id=plan.pk)
    assert set(event.payload["changed"]) == {"topic", "scope", "method", "start_date", "end_date", "units"}


def test_a_partial_edit_leaves_the_other_fields_as_they_were(org, plan_factory):
    plan = plan_factory(submit=False)
    services.plan_update(actor=org.office, plan=plan, sample_size=2)
    plan.refresh_from_db()
    assert plan.sample_size == 2 and plan.topic == "优化营商环境专项督查" and plan.units.count() == 2


def test_an_edit_that_changes_nothing_writes_no_audit_row(org, plan_factory):
    plan = plan_factory(submit=False)
    services.plan_update(actor=org.office, plan=plan, topic=plan.topic, sample_size=plan.sample_size)
    assert not _edit_audits(plan).exists()
    assert not Event.objects.filter(kind="inspection.plan_updated").exists()


def test_a_returned_plan_is_edited_and_resubmitted(org, plan_factory):  # R31 plans approved
    plan = plan_factory()
    services.plan_reject(actor=org.leader, plan=plan, note="范围过宽，请压减")
    services.plan_update(actor=org.office, plan=plan, units=[org.unit_b], sample_size=1)
    services.plan_submit(actor=org.office, plan=plan)
    services.plan_approve(actor=org.leader, plan=plan)
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.APPROVED and list(plan.units.all()) == [org.unit_b]


@pytest.mark.parametrize("state, message", [
    ("approved", "已经领导批准，不能修改"),
    ("submitted", "审批期间不能修改"),
    ("closed", "计划已完成，不能修改"),
])
def test_a_plan_past_the_draft_cannot_be_edited(org, plan_factory, state, message):
    plan = plan_factory()
    if state != "submitted":
        services.plan_approve(actor=org.leader, plan=plan)
    if state == "closed":
        services.plan_close(actor=org.office, plan=plan, summary="无检查", closed_on=date(2026, 3, 28))
    with pytest.raises(ValidationError, match=message):
        services.plan_update(actor=org.office, plan=plan, topic="改名")
    plan.refresh_from_db()
    assert plan.topic == "优化营商环境专项督查" and not _edit_audits(plan).exists()


@pytest.mark.parametrize("who", ["leader", "clerk_a", "head_b", "sysadmin"])
def test_only_the_office_edits_a_plan(org, plan_factory, who):
    plan = plan_factory(submit=False)
    with pytest.raises(PermissionDenied):
        services.plan_update(actor=getattr(org, who), plan=plan, topic="改名")
    plan.refresh_from_db()
    assert plan.topic == "优化营商环境专项督查"


@pytest.mark.parametrize("changes, field", [
    ({"end_date": date(2026, 2, 1)}, "end_date"),
    ({"units": []}, "units"),
    ({"sample_size": 3}, "sample_size"),  # more than the 2 units in scope
    ({"sample_size": 0}, "sample_size"),
    ({"topic": "  "}, "topic"),
    ({"scope": ""}, "scope"),
    ({"topic": "督" * 201}, "topic"),
    ({"method": "telepathy"}, "method"),
])
def test_an_edit_is_checked_as_at_filing(org, plan_factory, changes, field):
    plan = plan_factory(submit=False)
    with pytest.raises(ValidationError) as exc:
        services.plan_update(actor=org.office, plan=plan, **changes)
    assert field in exc.value.message_dict
    plan.refresh_from_db()
    assert plan.sample_size == 1 and plan.units.count() == 2 and plan.end_date == date(2026, 3, 28)


def test_an_edit_over_the_sampling_share_needs_the_leaders_recorded_override(org, county, plan_factory):  # R30
    plan = plan_factory(units=_county_units(county, 20), sample_size=2, region=county, submit=False)
    services.plan_update(actor=org.office, plan=plan, sample_size=5)
    row = _edit_audits(plan).get()
    assert row.after["excess"]["sampling"]["max"] == 2 and "excess" not in row.before
    message = Event.objects.get(kind="inspection.plan_updated").message
    assert message.startswith("修改了：抽查单位数。") and "10%" in message
    services.plan_submit(actor=org.office, plan=plan)
    with pytest.raises(ValidationError, match="10%"):
        services.plan_approve(actor=org.leader, plan=plan)
    services.plan_approve(actor=org.leader, plan=plan, override_reason="群众反映集中，需扩大抽查面")
    override = PlanOverride.objects.get(plan=plan)
    assert (override.kind, override.approved_by) == ("sampling", org.leader)
    assert override.figures["sample_size"] == 5 and override.figures["scope"] == 20


def test_an_edit_into_a_capped_year_needs_the_leaders_recorded_override(org, plan_factory):  # R31
    services.cap_set(actor=org.sysadmin, issuing_unit=org.office_unit, year=2026, base_2018=2, cap=1)
    services.plan_approve(actor=org.leader, plan=plan_factory())
    plan = plan_factory(start=date(2025, 3, 1), submit=False)
    services.plan_update(actor=org.office, plan=plan, start_date=date(2026, 5, 1), end_date=date(2026, 5, 20))
    services.plan_submit(actor=org.office, plan=plan)
    with pytest.raises(ValidationError, match="年度上限"):
        services.plan_approve(actor=org.leader, plan=plan)
    services.plan_approve(actor=org.leader, plan=plan, override_reason="省委交办")
    assert PlanOverride.objects.get(plan=plan).figures == {"count": 1, "cap": 1, "year": 2026}


def test_an_edit_back_within_the_sampling_share_needs_no_override(org, county, plan_factory):  # R30
    plan = plan_factory(units=_county_units(county, 20), sample_size=5, region=county, submit=False)
    services.plan_update(actor=org.office, plan=plan, sample_size=2)
    services.plan_submit(actor=org.office, plan=plan)
    services.plan_approve(actor=org.leader, plan=plan)
    assert not PlanOverride.objects.filter(plan=plan).exists()


# --- page -------------------------------------------------------------------------------------


def _form(org, **over):
    data = {"topic": "窗口作风专项督查", "scope": "窗口纪律", "method": "special", "start_date": "2026-04-01",
            "end_date": "2026-04-20", "units": [org.unit_a.pk, org.unit_b.pk], "sample_size": 1}
    return {**data, **over}


def test_the_edit_page_is_filled_in_and_saves_the_change(client, org, plan_factory):
    plan = plan_factory(submit=False)
    client.force_login(org.office)
    html = client.get(f"/inspection/plans/{plan.pk}/edit/").content.decode()
    assert 'value="优化营商环境专项督查"' in html and "修改督查检查计划" in html
    assert 'value="2026-03-01"' in html  # <input type="date"> needs the ISO form
    assert "修改计划" in client.get(plan.get_absolute_url()).content.decode()
    r = client.post(f"/inspection/plans/{plan.pk}/edit/", _form(org))
    assert r.status_code == 302 and r["Location"] == plan.get_absolute_url()
    plan.refresh_from_db()
    assert plan.topic == "窗口作风专项督查" and plan.method == "special"
    assert "计划已修改" in client.get(plan.get_absolute_url()).content.decode()


def test_the_edit_page_shows_a_bad_change_on_the_form(client, org, plan_factory):
    plan = plan_factory(submit=False)
    client.force_login(org.office)
    r = client.post(f"/inspection/plans/{plan.pk}/edit/", _form(org, sample_size=3))
    assert r.status_code == 200 and "抽查单位数须在 1 到 2 之间" in r.content.decode()
    r = client.post(f"/inspection/plans/{plan.pk}/edit/", _form(org, end_date="2026-03-01"))
    assert r.status_code == 200 and "结束日期不能早于开始日期" in r.content.decode()
    plan.refresh_from_db()
    assert plan.topic == "优化营商环境专项督查"


def test_the_edit_page_warns_that_the_change_needs_the_leaders_override(client, org, county, plan_factory):  # R30
    units = _county_units(county, 20)
    plan = plan_factory(units=units, sample_size=2, region=county, submit=False)
    client.force_login(org.office)
    r = client.post(f"/inspection/plans/{plan.pk}/edit/", _form(org, units=[u.pk for u in units], sample_size=4),
                    follow=True)
    html = r.content.decode()
    assert "超限审批" in html and "最多抽查 2 个" in html
    plan.refresh_from_db()
    assert plan.sample_size == 4


def test_the_edit_page_of_an_approved_plan_sends_back_to_the_plan(client, org, approved_plan):
    client.force_login(org.office)
    r = client.get(f"/inspection/plans/{approved_plan.pk}/edit/", follow=True)
    assert "已经领导批准，不能修改" in r.content.decode()
    r = client.post(f"/inspection/plans/{approved_plan.pk}/edit/", _form(org))
    assert r.status_code == 302
    approved_plan.refresh_from_db()
    assert approved_plan.topic == "优化营商环境专项督查"
    assert "修改计划" not in client.get(approved_plan.get_absolute_url()).content.decode()


def test_the_edit_page_is_forbidden_to_who_sees_the_plan_and_not_found_for_others(client, org, plan_factory):
    plan = plan_factory(submit=False)
    unit_plan = services.plan_create(  # issued by unit A: its clerk sees the plan, not the office's form
        actor=org.office, topic="局内自查", scope="s", method="open", issuing_unit=org.unit_a, region=org.region,
        start_date=date(2026, 3, 1), end_date=date(2026, 3, 2), units=[org.unit_a], sample_size=1)
    for who, pk, status in [("leader", plan.pk, 403), ("clerk_b", plan.pk, 404), ("clerk_a", unit_plan.pk, 403),
                            ("clerk_b", unit_plan.pk, 404)]:
        client.force_login(getattr(org, who))
        assert client.get(f"/inspection/plans/{pk}/edit/").status_code == status, who
        assert client.post(f"/inspection/plans/{pk}/edit/", _form(org)).status_code == status, who
    client.force_login(org.clerk_a)
    assert client.get(unit_plan.get_absolute_url()).status_code == 200
    assert InspectionPlan.objects.filter(topic="窗口作风专项督查").count() == 0


# --- API --------------------------------------------------------------------------------------


def _patch(client, plan, data):
    return client.patch(f"/api/v1/inspection/plans/{plan.pk}/", data, content_type="application/json")


def test_the_api_patches_a_draft_and_reports_what_it_now_exceeds(client, org, county, plan_factory):  # R30
    plan = plan_factory(units=_county_units(county, 20), sample_size=2, region=county, submit=False)
    client.force_login(org.office)
    r = _patch(client, plan, {"sample_size": 6, "topic": "扩大抽查"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["sample_size"] == 6 and body["topic"] == "扩大抽查"
    assert body["excess"]["sampling"]["max"] == 2 and "10%" in body["excess"]["sampling"]["message"]
    assert client.get(f"/api/v1/inspection/plans/{plan.pk}/").json()["excess"]["sampling"]["sample_size"] == 6


def test_the_api_puts_a_whole_plan_and_refuses_an_incomplete_one(client, org, plan_factory):
    plan = plan_factory(submit=False)
    client.force_login(org.office)
    data = {"topic": "新主题", "scope": "新范围", "method": "unannounced", "start_date": "2026-05-01",
            "end_date": "2026-05-31", "units": [org.unit_b.pk], "sample_size": 1}
    r = client.put(f"/api/v1/inspection/plans/{plan.pk}/", data, content_type="application/json")
    assert r.status_code == 200 and r.json()["units"] == [org.unit_b.pk] and r.json()["excess"] == {}
    r = client.put(f"/api/v1/inspection/plans/{plan.pk}/", {"topic": "只改名"}, content_type="application/json")
    assert r.status_code == 400 and "scope" in r.json()["error"]["fields"]
    plan.refresh_from_db()
    assert plan.topic == "新主题"


@pytest.mark.parametrize("data, field", [
    ({"sample_size": 0}, "sample_size"),
    ({"end_date": "2026-01-01"}, "end_date"),
    ({"units": [999999]}, "units"),
    ({"start_date": "soon"}, "start_date"),
    ({"issuing_unit": "UNIT_B"}, "issuing_unit"),
    ({"region": 999999}, "region"),
])
def test_the_api_refuses_a_bad_edit_with_a_field_error(client, org, plan_factory, data, field):
    plan = plan_factory(submit=False)
    client.force_login(org.office)
    if data.get("issuing_unit") == "UNIT_B":
        data = {"issuing_unit": org.unit_b.pk}
    r = _patch(client, plan, data)
    assert r.status_code == 400 and field in r.json()["error"]["fields"], r.content
    assert r.json()["error"]["message"]
    assert not _edit_audits(plan).exists()


def test_the_api_accepts_the_unchanged_issuing_unit_and_region(client, org, plan_factory):
    plan = plan_factory(submit=False)
    client.force_login(org.office)
    r = _patch(client, plan, {"issuing_unit": org.office_unit.pk, "region": org.region.pk, "topic": "同单位改名"})
    assert r.status_code == 200 and r.json()["topic"] == "同单位改名"


def test_the_api_refuses_to_edit_an_approved_plan_in_chinese(client, org, approved_plan):
    client.force_login(org.office)
    r = _patch(client, approved_plan, {"topic": "改名"})
    assert r.status_code == 400 and "已经领导批准，不能修改" in r.json()["error"]["message"]


def test_the_api_edit_is_403_for_a_leader_and_404_for_another_unit(client, org, plan_factory):
    plan = plan_factory(submit=False)
    client.force_login(org.leader)
    assert _patch(client, plan, {"topic": "改名"}).status_code == 403
    client.force_login(org.clerk_b)
    assert _patch(client, plan, {"topic": "改名"}).status_code == 404
    client.force_login(org.office)
    assert _patch(client, plan, {"topic": "改名"}).status_code == 200
