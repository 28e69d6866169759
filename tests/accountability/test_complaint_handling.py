"""Handling a complaint on the clock (R26): accept/decline, assign, return, reply, rate, re-examine."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accountability import services
from accountability.models import AccountabilityCase, Complaint, Rating
from efficiency.events import events_for
from efficiency.models import Event, Notification, Rung
from efficiency.notifications import notifications_fan_out
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from tests.factories import make_unit

from .conftest import file_complaint, to_replied

pytestmark = pytest.mark.django_db


def test_it_starts_the_accept_clock_of_3_workdays_when_filed(org):  # R26
    with time_machine.travel(datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        filed = file_complaint(org.unit_a)
    c = filed.complaint
    assert c.status == Complaint.Status.RECEIVED
    assert c.due_at == datetime(2025, 10, 11, 23, 59, 59, tzinfo=SHANGHAI)  # 国庆 holiday, 11 Oct 调休上班
    assert Event.objects.filter(kind="complaints.filed", subject_id=c.pk, recipients=["office"]).exists()
    assert services.complaint_by_code(c.tracking_number, filed.check_code) == c
    assert services.complaint_by_code(c.tracking_number, "WRONGCODE") is None
    assert services.complaint_by_token(filed.link_token) == c


def test_a_decline_needs_a_reason_the_citizen_sees(org):  # R26
    c = file_complaint(org.unit_a).complaint
    with pytest.raises(ValidationError):
        services.complaint_decline(complaint=c, actor=org.office, reason=" ")
    c = services.complaint_decline(complaint=c, actor=org.office, reason="属于民事纠纷，请向法院起诉")
    assert c.status == Complaint.Status.DECLINED and c.closed_at is not None


def test_only_the_office_accepts(org):
    c = file_complaint(org.unit_a).complaint
    with pytest.raises(PermissionDenied):
        services.complaint_accept(complaint=c, actor=org.clerk_a)
    assert services.complaint_accept(complaint=c, actor=org.office).status == Complaint.Status.ACCEPTED
    assert Event.objects.filter(kind="complaints.accepted", subject_id=c.pk).count() == 1


def test_a_complaint_about_the_office_goes_to_the_leader_when_no_level_above_has_an_office(org):
    c = file_complaint(org.office_unit).complaint
    assert c.about_office
    filed = Event.objects.get(kind="complaints.filed", subject_id=c.pk)
    assert filed.recipients == ["office", "leader"]
    notifications_fan_out()
    assert set(Notification.objects.filter(event=filed, channel="inbox").values_list("user", flat=True)) == {
        org.leader.pk}  # 回避: the office complained about is never told
    with pytest.raises(PermissionDenied, match="回避"):
        services.complaint_accept(complaint=c, actor=org.office)
    assert services.complaint_accept(complaint=c, actor=org.leader).status == Complaint.Status.ACCEPTED


def test_assigning_starts_the_10_workday_reply_clock(org):  # R26
    c = file_complaint(org.unit_a).complaint
    with time_machine.travel(datetime(2025, 11, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        services.complaint_accept(complaint=c, actor=org.office)
        c = services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)
    assert c.status == Complaint.Status.ASSIGNED and c.owner == org.head_a
    assert c.due_at == datetime(2025, 11, 17, 23, 59, 59, tzinfo=SHANGHAI)
    assert c.assignments.get().return_due_at == datetime(2025, 11, 5, 23, 59, 59, tzinfo=SHANGHAI)


def test_a_unit_sends_it_back_within_2_workdays_with_reasons(org):  # R26
    c = file_complaint(org.unit_a).complaint
    with time_machine.travel(datetime(2025, 11, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        services.complaint_accept(complaint=c, actor=org.office)
        c = services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)
    with time_machine.travel(datetime(2025, 11, 6, 9, 0, tzinfo=SHANGHAI), tick=False):
        with pytest.raises(ValidationError, match="退回期限"):
            services.complaint_return(complaint=c, actor=org.clerk_a, reason="不属于我局职责")
    with time_machine.travel(datetime(2025, 11, 5, 23, 0, tzinfo=SHANGHAI), tick=False):
        with pytest.raises(ValidationError):
            services.complaint_return(complaint=c, actor=org.clerk_a, reason="")
        c = services.complaint_return(complaint=c, actor=org.clerk_a, reason="属市场监管局职责")
    assert c.status == Complaint.Status.RETURNED and c.unit is None
    assert c.assignments.get().return_reason == "属市场监管局职责"


def test_the_other_unit_cannot_reply(org):
    c = file_complaint(org.unit_a).complaint
    services.complaint_accept(complaint=c, actor=org.office)
    c = services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)
    with pytest.raises(PermissionDenied):
        services.complaint_unit_reply(complaint=c, actor=org.clerk_b, reply="x")


def test_three_units_make_a_problem_case_escalated_to_the_leader(org):
    c = file_complaint(org.unit_a).complaint
    services.complaint_accept(complaint=c, actor=org.office)
    unit_c = make_unit("鄂州市住房和城乡建设局", region=org.region)
    for unit, clerk in ((org.unit_a, org.clerk_a), (org.unit_b, org.clerk_b)):
        c = services.complaint_assign(complaint=c, actor=org.office, unit=unit)
        c = services.complaint_return(complaint=c, actor=clerk, reason="非本单位职责")
        assert not c.is_problem
    c = services.complaint_assign(complaint=c, actor=org.office, unit=unit_c)
    assert c.is_problem
    assert Event.objects.get(kind="complaints.escalated", subject_id=c.pk).recipients == ["leader", "office"]


def test_a_third_handling_by_the_same_unit_is_a_problem_case(org):
    filed, c = to_replied(org)
    c = services.complaint_rework(complaint=c, actor=org.office, reason="答复未说明处理结果")
    assert c.handling_rounds == 2 and not c.is_problem
    c = services.complaint_unit_reply(complaint=c, actor=org.head_a, reply="补充答复")
    c = services.complaint_rework(complaint=c, actor=org.office, reason="仍不清楚")
    assert c.handling_rounds == 3 and c.is_problem


def test_the_citizen_rates_and_asks_once_for_reexamination(org):  # R26
    filed, c = to_replied(org)
    c = services.complaint_send_reply(complaint=c, actor=org.office, substantiated=False)
    assert c.status == Complaint.Status.ANSWERED and c.reply.startswith("经核查")
    c = services.complaint_rate(complaint=c, rating=Rating.DISSATISFIED)
    assert Event.objects.get(kind="complaints.rated", subject_id=c.pk).payload == {"rating": "dissatisfied"}
    with pytest.raises(ValidationError):
        services.complaint_rate(complaint=c, rating=Rating.SATISFIED)
    c = services.complaint_reexamine(complaint=c, reason="问题没有解决")
    assert c.status == Complaint.Status.REEXAMINING and c.is_open
    with pytest.raises(ValidationError, match="一次"):
        services.complaint_reexamine(complaint=c, reason="再来一次")
    c = services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)
    assert c.handling_rounds == 2


def test_a_substantiated_complaint_proposes_a_case_against_the_unit(org):  # R28
    filed, c = to_replied(org)
    services.complaint_send_reply(complaint=c, actor=org.office, substantiated=True)
    case = AccountabilityCase.objects.get(source="complaint", subject_id=c.pk)
    assert case.unit == org.unit_a and case.status == AccountabilityCase.Status.PROPOSED
    # R46: a unit-level complaint names no person, and says why; the unit's head is the leader
    assert case.person is None and "未指明具体工作人员" in case.person_missing_reason
    assert case.leader == org.head_a
    assert Event.objects.filter(kind="complaints.substantiated", subject_id=c.pk).count() == 1


def test_a_late_unit_reply_gets_a_red_card_and_an_accountability_proposal(org):  # R28
    c = file_complaint(org.unit_a).complaint
    with time_machine.travel(datetime(2025, 11, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        services.complaint_accept(complaint=c, actor=org.office)
        c = services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)
    c.refresh_from_db()
    sweep(now=c.red_at - timedelta(seconds=1))
    assert not AccountabilityCase.objects.exists()
    sweep(now=c.red_at + timedelta(seconds=1))
    c.refresh_from_db()
    assert c.breach_level == Rung.RED
    case = AccountabilityCase.objects.get()
    assert (case.source, case.unit, case.person, case.subject_id) == ("red_card", org.unit_a, org.head_a, c.pk)
    sweep(now=c.escalate_at + timedelta(seconds=1))
    c.refresh_from_db()
    assert c.breach_level == Rung.ACCOUNTABILITY
    # One path: the complaint proposes at its red card; the sweep emits no second proposal at 问责建议.
    assert AccountabilityCase.objects.count() == 1
    assert not Event.objects.filter(kind="accountability.propose").exists()
    with time_machine.travel(c.red_at + timedelta(days=1), tick=False):
        c = services.complaint_unit_reply(complaint=c, actor=org.head_a, reply="迟到的答复")
    assert c.clock_state == "done_late"


def test_the_timeline_is_the_events(org):
    filed, c = to_replied(org)
    kinds = [e.kind for e in events_for(c)]
    assert kinds[:2] == ["clock.started", "complaints.filed"]
    assert "complaints.assigned" in kinds and "complaints.unit_replied" in kinds
