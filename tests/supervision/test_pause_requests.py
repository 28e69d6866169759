"""Pausing a target's clock on the unit's request (暂停计时申请): the unit asks with a reason of the
core and an explanation, the office approves (the clock stops from then) or refuses, the unit may
report the reason gone, the office resumes; the core moves the due and warning times by the paused
working days (R23), across the 2024 National Day holiday."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from efficiency.events import events_for
from efficiency.models import Event, Rung
from efficiency.sweep import sweep
from supervision import services
from supervision.models import AssignmentKind as K
from supervision.models import PauseRequest

from .conftest import api_as, at

pytestmark = pytest.mark.django_db

# A field-research item handed out Fri 2024-09-13: 10 wd (R06) → due Sun 09-29 (调休上班),
# warning from the end of Fri 09-27.
SIGNED = at(2024, 9, 18, 10, 0)
APPROVED = at(2024, 9, 26, 10, 0)
RESUMED = at(2024, 10, 8, 10, 0)  # National Day Oct 1–7 in between


_client = api_as


@pytest.fixture
def target(org, make_assignment):
    target = make_assignment(K.FIELD_RESEARCH, co_units=[org.unit_b]).targets.get(unit=org.unit_a)
    with time_machine.travel(SIGNED, tick=False):
        services.target_acknowledge(actor=org.clerk_a, target=target)
    target.refresh_from_db()
    return target


def _ask(org, target, when=SIGNED, **kw):
    with time_machine.travel(when, tick=False):
        return services.pause_request(actor=kw.pop("actor", org.clerk_a), target=target,
                                      reason=kw.pop("reason", "other"),
                                      explanation=kw.pop("explanation", "等待省自然资源厅用地预审意见"))


def _row(html, pk):
    start = html.index(f'id="target-{pk}"')
    return html[start:html.index("</tr>", start)]


def _paused(org, target):
    _ask(org, target)
    with time_machine.travel(APPROVED, tick=False):
        services.pause_approve(actor=org.office, target=target, note="同意")
    target.refresh_from_db()
    return target


# --- the happy paths ----------------------------------------------------------------------------


def test_a_unit_asks_for_a_pause_and_the_office_is_told(org, target):
    request = _ask(org, target)
    assert request.status == "pending" and request.requested_by == org.clerk_a and request.reason == "other"
    target.refresh_from_db()
    assert target.paused_at is None  # nothing stops before the office approves
    event = Event.objects.get(kind="assignment.pause_requested")
    assert event.subject_id == target.pk and event.recipients == ["office"]
    assert "等待省自然资源厅用地预审意见" in event.message


def test_the_clock_pauses_from_the_approval_and_moves_due_and_warning_by_the_paused_working_days(org, target):  # R23 R01
    assert target.due_at == at(2024, 9, 29, 23, 59, 59) and target.warn_at == at(2024, 9, 27, 23, 59, 59)
    _ask(org, target, reason="expert")
    with time_machine.travel(APPROVED, tick=False):
        request = services.pause_approve(actor=org.office, target=target)
    target.refresh_from_db()
    assert target.paused_at == APPROVED and target.pause_reason == "expert"  # from the approval, not the request
    assert request.status == "approved" and request.decided_at == APPROVED
    with time_machine.travel(RESUMED, tick=False):
        request = services.pause_resume(actor=org.office, target=target, note="专家评审已结束")
    target.refresh_from_db()
    # Working days after Thu 09-26 up to Tue 10-08: Fri 27, Sun 29 (调休), Mon 30, Tue Oct 8 = 4;
    # the National Day holiday inside the pause is not credited.
    assert request.status == "resumed" and request.credit == 4 and request.credit_unit == "wd"
    assert target.paused_at is None
    assert target.due_at == at(2024, 10, 10, 23, 59, 59)  # 09-29 + 4 wd: 30, Oct 8, 9, 10
    assert target.warn_at == at(2024, 10, 9, 23, 59, 59)  # 09-27 + 4 wd likewise
    resumed = Event.objects.get(kind="assignment.pause_resumed")
    assert resumed.recipients == ["owner", "head"] and "2024-10-10" in resumed.message
    assert events_for(target).filter(kind="clock.resumed", payload__credit=4).exists()


def test_the_sweep_does_not_card_a_paused_target(org, target):
    _paused(org, target)
    sweep(now=at(2024, 10, 7, 9, 0))  # past the old due time (09-29) and its red-card date
    sweep(now=at(2024, 11, 20, 9, 0))  # past every old rung
    target.refresh_from_db()
    assert target.breach_level == Rung.NONE and target.card == ""
    assert not Event.objects.filter(kind="clock.breach", subject_id=target.pk).exists()
    with time_machine.travel(RESUMED, tick=False):
        services.pause_resume(actor=org.office, target=target)
    sweep(now=at(2024, 10, 9, 9, 0))
    target.refresh_from_db()
    assert target.breach_level == Rung.NONE  # 提示 only from the end of 10-09
    sweep(now=at(2024, 10, 11, 9, 0))
    target.refresh_from_db()
    assert target.breach_level == Rung.YELLOW  # the moved due time (10-10) has passed


def test_the_office_refuses_with_a_reason_and_the_clock_never_stopped(org, target):
    _ask(org, target)
    with time_machine.travel(APPROVED, tick=False):
        request = services.pause_refuse(actor=org.office, target=target, reason="属本单位职责内的正常办理时间")
    target.refresh_from_db()
    assert request.status == "refused" and request.decision_note == "属本单位职责内的正常办理时间"
    assert target.paused_at is None and target.pauses == [] and target.due_at == at(2024, 9, 29, 23, 59, 59)
    event = Event.objects.get(kind="assignment.pause_refused")
    assert event.recipients == ["owner", "head"] and event.unit == org.unit_a
    # a refused request is not open: the unit may ask again
    assert _ask(org, target, when=APPROVED).status == "pending"


def test_the_unit_reports_the_reason_gone_and_the_office_resumes(org, target):
    _paused(org, target)
    with time_machine.travel(at(2024, 9, 30, 9, 0), tick=False):
        request = services.pause_report_gone(actor=org.head_a, target=target, note="已收到省厅预审意见")
    assert request.gone_reported_by == org.head_a and request.status == "approved"  # still paused
    target.refresh_from_db()
    assert target.paused_at is not None
    event = Event.objects.get(kind="assignment.pause_reason_gone")
    assert event.recipients == ["office"] and "已收到省厅预审意见" in event.message
    assert "pause-resume" in services.target_actions(org.office, target)
    with time_machine.travel(at(2024, 9, 30, 15, 0), tick=False):
        request = services.pause_resume(actor=org.office, target=target)
    assert request.credit == 3  # Fri 27, Sun 29, Mon 30
    kinds = list(events_for(target).values_list("kind", flat=True))
    for kind in ("assignment.pause_requested", "assignment.pause_approved", "clock.paused",
                 "assignment.pause_reason_gone", "clock.resumed", "assignment.pause_resumed"):
        assert kind in kinds


def test_every_step_is_on_the_item_timeline(org, target):
    from supervision.queries import assignment_timeline

    _paused(org, target)
    with time_machine.travel(RESUMED, tick=False):
        services.pause_resume(actor=org.office, target=target)
    kinds = list(assignment_timeline(target.assignment).values_list("kind", flat=True))
    assert kinds.index("assignment.pause_requested") < kinds.index("assignment.pause_approved") \
        < kinds.index("assignment.pause_resumed")


def test_while_paused_on_request_the_unit_cannot_feed_back_until_the_office_resumes(org, target):
    _paused(org, target)
    assert services.target_actions(org.clerk_a, target) == ["pause-gone", "dispute"]
    with pytest.raises(ValidationError, match="当前状态"):
        services.target_feedback(actor=org.clerk_a, target=target, text="已办结")
    assert "extend" not in services.target_actions(org.office, target)


def test_feeding_back_cancels_a_pending_request_and_tells_the_office(org, target):
    _ask(org, target)
    with time_machine.travel(at(2024, 9, 20, 10, 0), tick=False):
        services.target_feedback(actor=org.clerk_a, target=target, text="已完成道路修复")
    request = PauseRequest.objects.get()
    assert request.status == "cancelled"
    assert Event.objects.get(kind="assignment.pause_cancelled").recipients == ["office"]
    target.refresh_from_db()
    assert target.status == "fed_back" and target.pause_reason == "other"  # the review hold only


# --- refusals -------------------------------------------------------------------------------------


def test_an_empty_explanation_is_refused(org, target):
    for blank in ("", "   "):
        with pytest.raises(ValidationError, match="暂停说明"):
            _ask(org, target, explanation=blank)
    with pytest.raises(ValidationError, match="暂停事由"):
        _ask(org, target, reason="holiday")
    assert not PauseRequest.objects.exists()


def test_a_second_open_request_is_refused(org, target):
    _ask(org, target)
    with pytest.raises(ValidationError, match="尚未办结（待审批）"):
        _ask(org, target, reason="testing")
    with time_machine.travel(APPROVED, tick=False):
        services.pause_approve(actor=org.office, target=target)
    with pytest.raises(ValidationError, match="尚未办结（暂停中）"):
        _ask(org, target, when=APPROVED)
    assert PauseRequest.objects.count() == 1


def test_the_database_holds_one_open_request_per_target(org, target):
    _ask(org, target)
    with pytest.raises(IntegrityError), transaction.atomic():
        PauseRequest.objects.create(target=target, reason="expert", explanation="x", requested_by=org.clerk_a,
                                    requested_at=SIGNED)


def test_an_already_paused_target_is_refused(org, target):
    with time_machine.travel(at(2024, 9, 20, 10, 0), tick=False):
        services.target_feedback(actor=org.clerk_a, target=target, text="已完成")  # the review hold
        with pytest.raises(ValidationError, match="已在暂停计时中"):
            _ask(org, target, when=at(2024, 9, 20, 10, 0))


def test_a_closed_target_is_refused(org, target):
    with time_machine.travel(at(2024, 9, 20, 10, 0), tick=False):
        services.target_feedback(actor=org.clerk_a, target=target, text="已完成")
        services.target_close(actor=org.office, target=target)
    with pytest.raises(ValidationError, match="已办结或已转办"):
        _ask(org, target, when=at(2024, 9, 23, 10, 0))


def test_a_target_not_yet_signed_is_refused(org, make_assignment):
    target = make_assignment(K.FIELD_RESEARCH).targets.get()
    with pytest.raises(ValidationError, match="请先签收"):
        _ask(org, target)


def test_another_units_clerk_cannot_ask_for_a_pause(org, target):
    with pytest.raises(PermissionDenied):
        _ask(org, target, actor=org.clerk_b)  # a co-unit of the item, not this target's unit
    with pytest.raises(PermissionDenied):
        _ask(org, target, actor=org.office)
    assert not PauseRequest.objects.exists()


@pytest.mark.parametrize("who", ["clerk_a", "head_a", "leader", "clerk_b"])
def test_only_the_office_approves_refuses_and_resumes(org, target, who):
    _ask(org, target)
    user = getattr(org, who)
    with pytest.raises(PermissionDenied):
        services.pause_approve(actor=user, target=target)
    with pytest.raises(PermissionDenied):
        services.pause_refuse(actor=user, target=target, reason="不同意")
    assert PauseRequest.objects.get().status == "pending"
    with time_machine.travel(APPROVED, tick=False):
        services.pause_approve(actor=org.office, target=target)
    with pytest.raises(PermissionDenied):
        services.pause_resume(actor=user, target=target)
    target.refresh_from_db()
    assert target.paused_at is not None and PauseRequest.objects.get().status == "approved"


def test_acting_twice_or_out_of_turn_is_refused(org, target):
    with pytest.raises(ValidationError, match="没有待审批"):
        services.pause_approve(actor=org.office, target=target)
    with pytest.raises(ValidationError, match="没有暂停中"):
        services.pause_resume(actor=org.office, target=target)
    with pytest.raises(ValidationError, match="没有暂停中"):
        services.pause_report_gone(actor=org.clerk_a, target=target)
    _ask(org, target)
    with pytest.raises(ValidationError, match="不予批准的理由"):
        services.pause_refuse(actor=org.office, target=target, reason=" ")
    _paused_again = services.pause_approve(actor=org.office, target=target)
    assert _paused_again.status == "approved"
    with pytest.raises(ValidationError, match="没有待审批"):
        services.pause_approve(actor=org.office, target=target)
    with pytest.raises(ValidationError, match="没有待审批"):
        services.pause_refuse(actor=org.office, target=target, reason="晚了")
    services.pause_report_gone(actor=org.clerk_a, target=target)
    with pytest.raises(ValidationError, match="已报告暂停事由消除"):
        services.pause_report_gone(actor=org.clerk_a, target=target)
    with pytest.raises(PermissionDenied):
        services.pause_report_gone(actor=org.clerk_b, target=target)
    services.pause_resume(actor=org.office, target=target)
    with pytest.raises(ValidationError, match="没有暂停中"):
        services.pause_resume(actor=org.office, target=target)


# --- API and pages ----------------------------------------------------------------------------------


def test_the_pause_flow_runs_over_the_api(org, target):
    clerk, office = _client(org.clerk_a), _client(org.office)
    url = f"/api/v1/supervision/targets/{target.pk}"
    with time_machine.travel(SIGNED, tick=False):
        r = clerk.post(f"{url}/pause-request/", {"pause_reason": "testing", "explanation": "等待水质检测报告"},
                       format="json")
        assert r.status_code == 200, r.content
        assert office.get(f"{url}/").json()["actions"][-2:] == ["pause-approve", "pause-refuse"]
    with time_machine.travel(APPROVED, tick=False):
        r = office.post(f"{url}/pause-approve/", {"note": "同意"}, format="json")
        assert r.status_code == 200 and r.json()["paused_at"] is not None and r.json()["colour"] == "grey"
    with time_machine.travel(at(2024, 9, 30, 9, 0), tick=False):
        assert clerk.post(f"{url}/pause-gone/", {"note": "报告已出"}, format="json").status_code == 200
    with time_machine.travel(RESUMED, tick=False):
        r = office.post(f"{url}/pause-resume/", {}, format="json")
    assert r.status_code == 200 and r.json()["paused_at"] is None
    detail = clerk.get(f"{url}/").json()
    assert detail["pause_requests"][0]["status"] == "resumed" and detail["pause_requests"][0]["credit"] == 4
    assert detail["due_at"].startswith("2024-10-10")


def test_api_refusals_are_clear_errors(org, target):
    clerk, office = _client(org.clerk_a), _client(org.office)
    url = f"/api/v1/supervision/targets/{target.pk}"
    r = clerk.post(f"{url}/pause-request/", {"pause_reason": "expert", "explanation": ""}, format="json")
    assert r.status_code == 400 and "暂停说明" in r.json()["error"]["message"]
    r = clerk.post(f"{url}/pause-request/", {"pause_reason": "nap", "explanation": "x"}, format="json")
    assert r.status_code == 400
    assert clerk.post(f"{url}/pause-request/", {"pause_reason": "expert", "explanation": "专家评审"},
                      format="json").status_code == 200
    r = clerk.post(f"{url}/pause-request/", {"pause_reason": "expert", "explanation": "再来一次"}, format="json")
    assert r.status_code == 400 and "尚未办结" in r.json()["error"]["message"]
    assert clerk.post(f"{url}/pause-approve/", {}, format="json").status_code == 403
    assert _client(org.leader).post(f"{url}/pause-approve/", {}, format="json").status_code == 403
    r = office.post(f"{url}/pause-refuse/", {"reason": ""}, format="json")
    assert r.status_code == 400 and "不予批准的理由" in r.json()["error"]["message"]
    assert PauseRequest.objects.get().status == "pending"


def test_another_units_target_is_404_in_the_api_and_the_page(client, org, make_assignment, target):
    url = f"/api/v1/supervision/targets/{target.pk}"
    # unit B is a co-unit of this item (it sees the item), but this target is unit A's
    r = _client(org.clerk_b).post(f"{url}/pause-request/", {"pause_reason": "expert", "explanation": "x"},
                                  format="json")
    assert r.status_code == 404
    # an item that is not shared with the outsider at all
    other = make_assignment(K.FIELD_RESEARCH).targets.get()
    with time_machine.travel(SIGNED, tick=False):
        services.target_acknowledge(actor=org.clerk_a, target=other)
    for path in (f"/api/v1/supervision/targets/{other.pk}/pause-request/",
                 f"/api/v1/supervision/targets/{other.pk}/pause-gone/"):
        assert _client(org.clerk_b).post(path, {"pause_reason": "expert", "explanation": "x"},
                                         format="json").status_code == 404
    client.force_login(org.clerk_b)
    for t in (target, other):
        r = client.post(reverse("supervision:target_action", args=[t.pk, "pause-request"]),
                        {"pause_reason": "expert", "explanation": "x"})
        assert r.status_code == 404
    assert not PauseRequest.objects.exists()
    client.force_login(org.clerk_a)  # and the target's own unit still may
    r = client.post(reverse("supervision:target_action", args=[target.pk, "pause-request"]),
                    {"pause_reason": "expert", "explanation": "专家评审"})
    assert r.status_code == 302 and PauseRequest.objects.get().requested_by == org.clerk_a


def test_the_item_page_offers_each_side_its_pause_actions(client, org, target):
    page = reverse("supervision:assignment", args=[target.assignment_id])
    client.force_login(org.clerk_a)
    html = client.get(page).content.decode()
    assert 'data-action="pause-request"' in html and 'name="explanation"' in html
    client.force_login(org.clerk_b)  # the co-unit sees the item, not a pause form for unit A's row
    html = client.get(page).content.decode()
    assert 'data-action="pause-request"' not in _row(html, target.pk)
    client.force_login(org.clerk_a)
    with time_machine.travel(SIGNED, tick=False):
        client.post(reverse("supervision:target_action", args=[target.pk, "pause-request"]),
                    {"pause_reason": "expert", "explanation": "等待专家评审"})
    client.force_login(org.office)
    html = client.get(page).content.decode()
    assert 'data-action="pause-approve"' in html and 'data-action="pause-refuse"' in html
    assert "等待专家评审" in html and 'data-status="pending"' in html
    with time_machine.travel(APPROVED, tick=False):
        client.post(reverse("supervision:target_action", args=[target.pk, "pause-approve"]), {"note": ""})
    client.force_login(org.office)  # the travel left the session idle past its timeout
    html = client.get(page).content.decode()
    assert 'data-action="pause-resume"' in html and "暂停计时" in html
    client.force_login(org.clerk_a)
    html = client.get(page).content.decode()
    assert 'data-action="pause-gone"' in html and 'data-action="feedback"' not in html
    client.force_login(org.head_a)  # a unit head posting the office's action gets an error, not a pause change
    r = client.post(reverse("supervision:target_action", args=[target.pk, "pause-resume"]), {}, follow=True)
    assert "只有效能办" in r.content.decode()
    target.refresh_from_db()
    assert target.paused_at is not None
