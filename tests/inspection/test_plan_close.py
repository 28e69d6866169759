"""Closing a plan (完成): refused while a visit is open; open rectifications do not block it but
are recorded as still open; a closed plan takes no new draws, visits or findings; the public
results show the closed state."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from efficiency.models import AuditLog, ClockState, Event
from efficiency.workdays import SHANGHAI
from inspection import services
from inspection.models import InspectionPlan, Method, Rectification, Visit

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 20, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _visit(org, plan, unit=None, kind=Method.OPEN, on=date(2026, 3, 9)):
    return services.visit_record(actor=org.office, plan=plan, unit=unit or org.unit_a, kind=kind, visited_on=on,
                                 place="政务服务中心", people_met="窗口负责人张某", summary="窗口空岗")


def _finding(org, visit, title, *, days=30, feedback=date(2026, 3, 10)):
    return services.finding_record(actor=org.office, visit=visit, title=title, rectify_target="整改到位",
                                   rectify_days=days, feedback_date=feedback, responsible=org.clerk_a)


@pytest.fixture
def worked_plan(org, approved_plan):
    """Two closed visits: one finding verified, one still being rectified (late: 5 days from 3-10)."""
    v1 = _visit(org, approved_plan)
    done = _finding(org, v1, "一次性告知未上墙")
    late = _finding(org, v1, "窗口空岗", days=5)
    services.visit_close(actor=org.office, visit=v1)
    v2 = _visit(org, approved_plan, unit=org.unit_b, on=date(2026, 3, 12))
    services.visit_close(actor=org.office, visit=v2)
    rect = done.rectification
    services.rectification_report(actor=org.clerk_a, rect=rect, report="已上墙公示")
    services.rectification_verify(actor=org.office, rect=rect, note="合格")
    from efficiency.sweep import sweep
    sweep(now=NOW)
    return approved_plan, done, late


# --- service ----------------------------------------------------------------------------------


def test_the_office_closes_a_plan_with_a_summary_and_the_report_as_it_stood(org, worked_plan):
    plan, done, late = worked_plan
    services.plan_close(actor=org.office, plan=plan, summary="共检查2个单位，发现问题2个。", closed_on=date(2026, 3, 19))
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.CLOSED and plan.get_status_display() == "已完成"
    assert (plan.closed_on, plan.closed_by, plan.closed_at) == (date(2026, 3, 19), org.office, NOW)
    assert plan.closing_summary == "共检查2个单位，发现问题2个。"
    report = plan.closing_report
    assert (report["total"], report["visits"], report["rate"]) == (2, 2, 50.0)
    assert report["counts"]["verified"] == 1 and report["counts"]["open"] == 1 and report["counts"]["late"] == 1
    assert [r["finding"] for r in report["open"]] == [late.pk]
    assert report["open"][0]["status"] == "open" and report["open"][0]["late"] is True
    audit = AuditLog.objects.get(object_id=str(plan.pk), summary__startswith="督查检查计划完成")
    assert audit.before == {"status": "approved"} and audit.after["status"] == "closed"
    assert audit.after["report"]["open"][0]["title"] == "窗口空岗"
    event = Event.objects.get(kind="inspection.plan_closed", subject_id=plan.pk)
    assert event.payload == {"closed_on": "2026-03-19", "total": 2, "open": 1, "rate": 50.0}
    assert event.recipients == ["leader"]


def test_the_closing_date_defaults_to_today_and_now_is_recorded(org, approved_plan):
    at = datetime(2026, 3, 21, 9, 0, tzinfo=SHANGHAI)
    services.plan_close(actor=org.office, plan=approved_plan, summary="未发现问题", now=at)
    approved_plan.refresh_from_db()
    assert approved_plan.closed_on == date(2026, 3, 21) and approved_plan.closed_at == at
    assert approved_plan.closing_report["open"] == [] and approved_plan.closing_report["rate"] is None


def test_closing_is_refused_while_visits_are_open_naming_how_many(org, approved_plan):
    _visit(org, approved_plan)
    hidden = _visit(org, approved_plan, unit=org.unit_b, kind=Method.UNANNOUNCED)
    with pytest.raises(ValidationError, match="尚有 2 次检查未反馈"):
        services.plan_close(actor=org.office, plan=approved_plan, summary="总结")
    for v in Visit.objects.filter(status=Visit.Status.OPEN).exclude(pk=hidden.pk):
        services.visit_close(actor=org.office, visit=v)
    with pytest.raises(ValidationError, match="尚有 1 次检查未反馈"):
        services.plan_close(actor=org.office, plan=approved_plan, summary="总结")
    approved_plan.refresh_from_db()
    assert approved_plan.status == InspectionPlan.Status.APPROVED and approved_plan.closed_on is None
    services.visit_close(actor=org.office, visit=hidden)
    services.plan_close(actor=org.office, plan=approved_plan, summary="总结")


def test_open_rectifications_keep_their_clocks_after_the_plan_closes(org, worked_plan):  # R13
    plan, _done, late = worked_plan
    services.plan_close(actor=org.office, plan=plan, summary="总结")
    rect = Rectification.objects.get(pk=late.rectification.pk)
    assert rect.closed_at is None and rect.clock_state == ClockState.OVERDUE
    services.rectification_report(actor=org.clerk_a, rect=rect, report="已建立AB岗")
    rect = services.rectification_verify(actor=org.office, rect=rect, note="合格")
    assert rect.clock_state == "done_late"
    plan.refresh_from_db()
    assert plan.closing_report["open"][0]["finding"] == late.pk  # the record of how it stood at closing


def test_a_closed_plan_takes_no_new_draws_visits_or_findings(org, plan_factory, draw_org):
    targets, inspectors = draw_org
    plan = services.plan_approve(actor=org.leader, plan=plan_factory(units=targets, sample_size=1))
    visit = _visit(org, plan, unit=targets[0])
    services.visit_close(actor=org.office, visit=visit)
    services.plan_close(actor=org.office, plan=plan, summary="总结")
    tp = services.target_pool_create(actor=org.office, name="对象库", issuing_unit=org.office_unit, units=targets)
    ip = services.inspector_pool_create(actor=org.office, name="人员库", issuing_unit=org.office_unit,
                                        members=inspectors)
    with pytest.raises(ValidationError, match="计划已完成，不能再抽取"):
        services.draw_make(actor=org.office, plan=plan, target_pool=tp, inspector_pool=ip, n_targets=1)
    with pytest.raises(ValidationError, match="计划已完成，不能再记录检查"):
        _visit(org, plan, unit=targets[1])
    with pytest.raises(ValidationError, match="计划已完成，不能再登记问题"):
        _finding(org, visit, "补登问题")
    assert plan.draws.count() == 0 and plan.visits.count() == 1 and plan.findings.count() == 0


@pytest.mark.parametrize("state, message", [
    ("draft", "只有已批准的计划可以完成"),
    ("submitted", "只有已批准的计划可以完成"),
    ("rejected", "只有已批准的计划可以完成"),
    ("closed", "已于 2026-03-20 完成，不能重复办理"),
])
def test_only_an_approved_plan_can_be_closed_and_only_once(org, plan_factory, state, message):
    plan = plan_factory(submit=state != "draft")
    if state == "rejected":
        services.plan_reject(actor=org.leader, plan=plan, note="不同意")
    if state == "closed":
        services.plan_approve(actor=org.leader, plan=plan)
        services.plan_close(actor=org.office, plan=plan, summary="第一次")
    with pytest.raises(ValidationError, match=message):
        services.plan_close(actor=org.office, plan=plan, summary="第二次")
    plan.refresh_from_db()
    assert plan.closing_summary == ("第一次" if state == "closed" else "")


@pytest.mark.parametrize("who", ["leader", "clerk_a", "head_b", "sysadmin"])
def test_only_the_office_closes_a_plan(org, approved_plan, who):
    with pytest.raises(PermissionDenied):
        services.plan_close(actor=getattr(org, who), plan=approved_plan, summary="总结")
    approved_plan.refresh_from_db()
    assert approved_plan.status == InspectionPlan.Status.APPROVED


@pytest.mark.parametrize("summary, closed_on, field, message", [
    ("  ", None, "summary", "请填写督查检查总结"),
    ("总结", date(2026, 3, 21), "closed_on", "不能晚于今天"),
    ("总结", date(2026, 2, 28), "closed_on", "不能早于计划开始日期"),
    ("总结", date(2026, 3, 8), "closed_on", "不能早于最后一次检查日期（2026-03-09）"),
])
def test_closing_needs_a_summary_and_a_sensible_date(org, approved_plan, summary, closed_on, field, message):
    services.visit_close(actor=org.office, visit=_visit(org, approved_plan))
    with pytest.raises(ValidationError) as exc:
        services.plan_close(actor=org.office, plan=approved_plan, summary=summary, closed_on=closed_on)
    assert message in " ".join(exc.value.message_dict[field])
    approved_plan.refresh_from_db()
    assert approved_plan.status == InspectionPlan.Status.APPROVED


# --- pages ------------------------------------------------------------------------------------


def test_the_close_page_shows_the_report_and_what_is_still_open(client, org, worked_plan):
    plan, _done, _late = worked_plan
    client.force_login(org.office)
    assert "完成计划" in client.get(plan.get_absolute_url()).content.decode()
    html = client.get(f"/inspection/plans/{plan.pk}/close/").content.decode()
    assert "整改完成率 50.0%" in html and "一次性告知未上墙" in html
    still_open = html[html.index('id="close-still-open"'):]
    assert "窗口空岗" in still_open and "一次性告知未上墙" not in still_open and "超期" in still_open
    r = client.post(f"/inspection/plans/{plan.pk}/close/", {"summary": "共发现问题2个", "closed_on": "2026-03-20"})
    assert r.status_code == 302 and r["Location"] == plan.get_absolute_url()
    html = client.get(plan.get_absolute_url()).content.decode()
    closing = html[html.index('id="plan-closing"'):]
    assert "共发现问题2个" in closing and "2026-03-20" in closing and "窗口空岗" in closing
    assert "完成时仍未整改完毕的事项 1 项" in closing
    assert "完成计划" not in html and "双随机抽取</a>" not in html and "记录明查暗访" not in html


def test_the_close_page_names_the_open_visits_and_refuses(client, org, approved_plan):
    _visit(org, approved_plan)
    client.force_login(org.office)
    html = client.get(f"/inspection/plans/{approved_plan.pk}/close/").content.decode()
    assert "本计划尚有 1 次检查未反馈" in html
    r = client.post(f"/inspection/plans/{approved_plan.pk}/close/", {"summary": "总结", "closed_on": "2026-03-20"})
    assert r.status_code == 200 and "尚有 1 次检查未反馈" in r.content.decode()
    approved_plan.refresh_from_db()
    assert approved_plan.status == InspectionPlan.Status.APPROVED


def test_the_close_page_shows_a_bad_date_on_the_form(client, org, approved_plan):
    client.force_login(org.office)
    r = client.post(f"/inspection/plans/{approved_plan.pk}/close/", {"summary": "总结", "closed_on": "2026-04-01"})
    assert r.status_code == 200 and "完成日期不能晚于今天" in r.content.decode()
    r = client.post(f"/inspection/plans/{approved_plan.pk}/close/", {"summary": "", "closed_on": "2026-03-20"})
    assert r.status_code == 200 and approved_plan.visits.count() == 0
    approved_plan.refresh_from_db()
    assert approved_plan.status == InspectionPlan.Status.APPROVED


def test_the_close_page_of_a_draft_or_closed_plan_sends_back_to_the_plan(client, org, plan_factory, approved_plan):
    draft = plan_factory(submit=False)
    client.force_login(org.office)
    r = client.get(f"/inspection/plans/{draft.pk}/close/", follow=True)
    assert "只有已批准的计划可以完成（当前：草稿）" in r.content.decode()
    services.plan_close(actor=org.office, plan=approved_plan, summary="第一次")
    r = client.post(f"/inspection/plans/{approved_plan.pk}/close/", {"summary": "第二次", "closed_on": "2026-03-20"})
    assert r.status_code == 302
    approved_plan.refresh_from_db()
    assert approved_plan.closing_summary == "第一次"


def test_the_close_page_is_forbidden_to_the_leader_and_not_found_for_the_units(client, org, approved_plan):
    for who, status in (("leader", 403), ("clerk_a", 404), ("clerk_b", 404)):
        client.force_login(getattr(org, who))
        assert client.get(f"/inspection/plans/{approved_plan.pk}/close/").status_code == status, who
        r = client.post(f"/inspection/plans/{approved_plan.pk}/close/", {"summary": "s", "closed_on": "2026-03-20"})
        assert r.status_code == status, who
    approved_plan.refresh_from_db()
    assert approved_plan.status == InspectionPlan.Status.APPROVED


def test_the_closed_state_shows_in_the_published_results(client, org, worked_plan):  # R32 一公开
    plan, _done, _late = worked_plan
    services.plan_publish_results(actor=org.office, plan=plan)
    page = client.get(f"/inspection/public/plans/{plan.pk}/").content.decode()
    assert "进行中" in page and "已完成" not in page
    services.plan_close(actor=org.office, plan=plan, summary="内部总结：张某某负责")
    page = client.get(f"/inspection/public/plans/{plan.pk}/").content.decode()
    assert "已完成" in page and "本次督查检查已于 2026年3月20日 完成" in page and "尚有 1 项问题在整改中" in page
    assert "张某某" not in page and org.clerk_a.full_name not in page  # the internal summary stays internal
    listing = client.get("/inspection/public/").content.decode()
    assert "已完成（2026年3月20日）" in listing


def test_a_closed_plan_can_still_have_its_results_published(client, org, worked_plan):
    plan, _done, _late = worked_plan
    services.plan_close(actor=org.office, plan=plan, summary="总结")
    client.force_login(org.office)
    client.post(f"/inspection/plans/{plan.pk}/publish/")
    assert client.get(f"/inspection/public/plans/{plan.pk}/").status_code == 200


# --- API --------------------------------------------------------------------------------------


def _close(client, plan, data):
    return client.post(f"/api/v1/inspection/plans/{plan.pk}/close/", data, content_type="application/json")


def test_the_api_closes_a_plan_and_returns_the_closing_report(client, org, worked_plan):
    plan, _done, late = worked_plan
    client.force_login(org.office)
    r = _close(client, plan, {"summary": "总结", "closed_on": "2026-03-19"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "closed" and body["closed_on"] == "2026-03-19" and body["closing_summary"] == "总结"
    assert [row["finding"] for row in body["closing_report"]["open"]] == [late.pk]
    r = _close(client, plan, {"summary": "再来"})
    assert r.status_code == 400 and "不能重复办理" in r.json()["error"]["message"]


def test_the_api_refuses_to_close_with_open_visits_and_bad_input(client, org, approved_plan):
    client.force_login(org.office)
    assert _close(client, approved_plan, {}).json()["error"]["fields"].keys() == {"summary"}
    r = _close(client, approved_plan, {"summary": "总结", "closed_on": "2026-13-01"})
    assert r.status_code == 400 and "closed_on" in r.json()["error"]["fields"]
    _visit(org, approved_plan)
    r = _close(client, approved_plan, {"summary": "总结"})
    assert r.status_code == 400 and "尚有 1 次检查未反馈" in r.json()["error"]["message"]


def test_the_api_close_is_403_for_a_leader_and_404_for_a_unit(client, org, approved_plan):
    client.force_login(org.leader)
    assert _close(client, approved_plan, {"summary": "总结"}).status_code == 403
    client.force_login(org.clerk_b)
    assert _close(client, approved_plan, {"summary": "总结"}).status_code == 404
    approved_plan.refresh_from_db()
    assert approved_plan.status == InspectionPlan.Status.APPROVED


def test_the_api_refuses_a_visit_on_a_closed_plan(client, org, approved_plan):
    services.plan_close(actor=org.office, plan=approved_plan, summary="总结")
    client.force_login(org.office)
    r = client.post("/api/v1/inspection/visits/", {"plan": approved_plan.pk, "unit": org.unit_a.pk, "kind": "open",
                                                   "visited_on": "2026-03-20"}, content_type="application/json")
    assert r.status_code == 400 and "计划已完成，不能再记录检查" in r.json()["error"]["message"]
