"""Acting on a coordination opinion: 转办 (the disputing unit's part moves to another unit, its
target ends as 已转办 and a new target starts its own clock) and 调整牵头 (a co-unit becomes the
lead). The history stays on the one item; both units are told."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from efficiency.models import Event, Role
from efficiency.permissions import scope
from efficiency.sweep import sweep
from supervision import services
from supervision.models import Assignment, AssignmentTarget, Coordination, PauseRequest
from supervision.models import AssignmentKind as K
from supervision.queries import assignment_timeline, target_list
from tests.factories import make_user

from .conftest import api_as, at

pytestmark = pytest.mark.django_db

DISPUTED = at(2024, 9, 18, 10, 0)
COORDINATED = at(2024, 9, 20, 10, 0)


_client = api_as


def _dispute(org, target, when=DISPUTED, actor=None):
    """Raised, and not settled by the lead unit A (R43: only then does the office coordinate)."""
    with time_machine.travel(when, tick=False):
        c = services.dispute_raise(actor=actor or org.clerk_a, target=target, reason="该路段养护不属本局职责")
        lead = AssignmentTarget.objects.get(assignment_id=c.assignment_id, is_lead=True).unit
        head = lead.members.filter(role=Role.HEAD).first() or make_user(Role.HEAD, unit=lead, username=f"head_{lead.code}")
        return services.dispute_lead_record(actor=head, coordination=c, note="已与配合单位会商，未能达成一致",
                                            settled=False)


def _coordinate(org, c, when=COORDINATED, **kw):
    with time_machine.travel(when, tick=False):
        return services.dispute_coordinate(actor=org.office, coordination=c,
                                           opinion=kw.pop("opinion", "不属自然资源和规划局职责，转住建局办理"), **kw)


@pytest.fixture
def item(org, make_assignment):
    """A meeting decision, lead unit A, co-unit B; unit clocks field_research.feedback (10 wd → 09-29)."""
    return make_assignment(K.MEETING, co_units=[org.unit_b])


# --- 转办 to a unit new to the item ----------------------------------------------------------------


def test_the_office_transfers_the_disputing_units_part_with_its_opinion(org, item, unit_c):  # R06 R39
    old = item.targets.get(unit=org.unit_a)
    c = _coordinate(org, _dispute(org, old), reassign_to=unit_c)
    old.refresh_from_db()
    assert c.reassign_mode == "transfer" and c.reassigned_to == unit_c and c.reassigned_at == COORDINATED
    assert old.status == "transferred" and old.transferred_to == unit_c and not old.is_lead
    assert old.closed_at is not None and old.clock_state == "done"  # disputed in time: not late
    new = item.targets.get(unit=unit_c)
    assert new.is_lead and new.transferred_from == old and new.assigned_at == COORDINATED
    assert new.status == "assigned" and new.step == "field_research.feedback"
    # the same rule, counted from the transfer (Fri 09-20): 10 wd → Thu 10-10 over National Day
    assert new.clock_start == COORDINATED and new.due_at == at(2024, 10, 10, 23, 59, 59)
    assert item.targets.filter(is_lead=True).count() == 1
    assert set(scope(unit_c.clerk, Assignment.objects.all())) == {item}  # shared with the new unit
    assert set(scope(org.clerk_a, Assignment.objects.all())) == {item}  # the old one keeps its history


def test_both_units_are_told_and_the_history_stays_on_one_timeline(org, item, unit_c):
    old = item.targets.get(unit=org.unit_a)
    _coordinate(org, _dispute(org, old), reassign_to=unit_c)
    told_old = Event.objects.get(kind="assignment.transferred")
    assert told_old.unit == org.unit_a and told_old.recipients == ["owner", "head"]
    assert "鄂州市住房和城乡建设局" in told_old.message and told_old.payload["in_time"] is True
    new = item.targets.get(unit=unit_c)
    told_new = Event.objects.get(kind="assignment.dispatched", subject_id=new.pk)
    assert told_new.unit == unit_c and "head" in told_new.recipients and "鄂州市自然资源和规划局" in told_new.message
    kinds = list(assignment_timeline(item).values_list("kind", flat=True))
    assert kinds.index("assignment.disputed") < kinds.index("assignment.coordinated") \
        < kinds.index("assignment.transferred")
    assert "assignment.dispatched" in kinds[kinds.index("assignment.transferred"):]


def test_a_dispute_raised_in_time_is_not_late_even_when_the_office_coordinates_after_the_due_time(org, item, unit_c):
    old = item.targets.get(unit=org.unit_a)
    c = _dispute(org, old, when=at(2024, 9, 27, 16, 0))  # before the due time 09-29 23:59:59
    _coordinate(org, c, when=at(2024, 10, 9, 10, 0), reassign_to=unit_c)
    old.refresh_from_db()
    assert old.clock_state == "done" and old.closed_at == at(2024, 9, 29, 23, 59, 59)
    assert Event.objects.get(kind="clock.closed", subject_type="supervision.assignmenttarget", subject_id=old.pk).payload["late"] is False


def test_a_dispute_raised_after_the_due_time_counts_as_late(org, item, unit_c):
    old = item.targets.get(unit=org.unit_a)
    c = _dispute(org, old, when=at(2024, 10, 8, 10, 0))
    _coordinate(org, c, when=at(2024, 10, 9, 10, 0), reassign_to=unit_c)
    old.refresh_from_db()
    assert old.clock_state == "done_late" and old.closed_at == at(2024, 10, 9, 10, 0)
    assert Event.objects.get(kind="assignment.transferred").payload["in_time"] is False


def test_the_office_may_transfer_after_recording_the_opinion(org, item, unit_c):
    old = item.targets.get(unit=org.unit_a)
    c = _coordinate(org, _dispute(org, old))
    assert not c.reassign_mode and item.targets.count() == 2
    with time_machine.travel(at(2024, 9, 23, 10, 0), tick=False):
        services.coordination_reassign(actor=org.office, coordination=c, to_unit=unit_c)
    assert item.targets.get(unit=unit_c).clock_start == at(2024, 9, 23, 10, 0)


def test_an_instruction_transferred_starts_again_at_the_same_day_report(org, make_assignment, unit_c):  # R03
    item = make_assignment(K.INSTRUCTION)
    old = item.targets.get()
    _coordinate(org, _dispute(org, old), reassign_to=unit_c)
    new = item.targets.get(unit=unit_c)
    assert new.step == "instruction.report" and new.due_at == at(2024, 9, 20, 23, 59, 59)


def test_a_set_deadline_gives_the_new_unit_as_many_days_as_the_old_one_had(org, make_assignment, unit_c):
    item = make_assignment(K.MEETING, deadline=dt.date(2024, 10, 31))  # handed out 09-13: 48 days
    old = item.targets.get()
    _coordinate(org, _dispute(org, old), reassign_to=unit_c)
    new = item.targets.get(unit=unit_c)
    assert new.deadline == dt.date(2024, 11, 7)  # 09-20 + 48 days
    assert new.step == "deadline" and new.due_at == at(2024, 11, 7, 23, 59, 59)


def test_the_item_is_done_when_the_new_unit_is_done(org, make_assignment, unit_c):
    item = make_assignment(K.MEETING)
    old = item.targets.get()
    _coordinate(org, _dispute(org, old), reassign_to=unit_c)
    new = item.targets.get(unit=unit_c)
    with time_machine.travel(at(2024, 9, 24, 10, 0), tick=False):
        services.target_acknowledge(actor=unit_c.clerk, target=new)
        services.target_feedback(actor=unit_c.clerk, target=new, text="已完成道路养护")
        services.target_close(actor=org.office, target=new)
    item.refresh_from_db()
    assert item.status == Assignment.Status.CLOSED
    assert Event.objects.filter(kind="assignment.completed", subject_id=item.pk).exists()


def test_the_transferred_target_leaves_the_open_work_list_and_is_never_carded(org, item, unit_c):
    old = item.targets.get(unit=org.unit_a)
    _coordinate(org, _dispute(org, old), reassign_to=unit_c)
    assert old not in target_list(org.clerk_a, status="open")
    assert list(target_list(org.clerk_a, status="transferred")) == [old]
    sweep(now=at(2024, 11, 20, 9, 0))
    old.refresh_from_db()
    assert old.breach_level == 0
    assert services.target_actions(org.clerk_a, old) == [] and services.target_actions(org.office, old) == []


def test_a_transfer_resumes_an_approved_pause_and_cancels_a_pending_request(org, item, unit_c):
    a, b = item.targets.get(unit=org.unit_a), item.targets.get(unit=org.unit_b)
    with time_machine.travel(DISPUTED, tick=False):
        for t, clerk in ((a, org.clerk_a), (b, org.clerk_b)):
            services.target_acknowledge(actor=clerk, target=t)
            services.pause_request(actor=clerk, target=t, reason="other", explanation="等待市政府常务会研究")
        services.pause_approve(actor=org.office, target=a)
    c = _dispute(org, a, when=at(2024, 9, 19, 10, 0))
    _coordinate(org, c, reassign_to=unit_c)
    assert PauseRequest.objects.get(target=a).status == "resumed"
    a.refresh_from_db()
    assert a.paused_at is None and a.status == "transferred" and a.pauses[-1]["credit"] == 2  # 19, 20
    c_b = _dispute(org, b, actor=org.clerk_b, when=at(2024, 9, 23, 10, 0))
    _coordinate(org, c_b, when=at(2024, 9, 24, 10, 0), reassign_to=unit_c, opinion="配合部分一并由住建局办理")
    assert PauseRequest.objects.get(target=b).status == "cancelled"


# --- 转办 to a unit already on the item -------------------------------------------------------------


def test_transferring_the_lead_to_a_co_unit_makes_it_the_lead_with_its_own_clock(org, item):
    a, b = item.targets.get(unit=org.unit_a), item.targets.get(unit=org.unit_b)
    due_b = b.due_at
    _coordinate(org, _dispute(org, a), reassign_to=org.unit_b, opinion="由市场监管局牵头办理")
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == "transferred" and not a.is_lead
    assert b.is_lead and b.due_at == due_b and b.transferred_from is None
    assert item.targets.count() == 2
    told = Event.objects.get(kind="assignment.transferred_in")
    assert told.unit == org.unit_b and told.recipients == ["owner", "head"] and "牵头" in told.message


def test_a_co_units_part_moves_to_the_lead_which_stays_the_lead(org, item):
    a, b = item.targets.get(unit=org.unit_a), item.targets.get(unit=org.unit_b)
    c = _dispute(org, b, actor=org.clerk_b)
    _coordinate(org, c, reassign_to=org.unit_a, opinion="由自然资源和规划局一并办理")
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.status == "transferred" and a.is_lead and a.status == "assigned"
    assert Event.objects.get(kind="assignment.transferred_in").unit == org.unit_a


# --- 调整牵头 ---------------------------------------------------------------------------------------


def test_the_office_makes_a_co_unit_the_lead_and_both_clocks_run_on(org, item):
    a, b = item.targets.get(unit=org.unit_a), item.targets.get(unit=org.unit_b)
    before = (a.due_at, b.due_at)
    c = _coordinate(org, _dispute(org, a), reassign_to=org.unit_b, mode="lead",
                    opinion="由市场监管局牵头，自然资源和规划局配合")
    a.refresh_from_db()
    b.refresh_from_db()
    assert c.reassign_mode == "lead" and b.is_lead and not a.is_lead
    assert (a.due_at, b.due_at) == before and a.closed_at is None and a.status == "assigned"
    told = Event.objects.filter(kind="assignment.lead_changed")
    assert {e.unit for e in told} == {org.unit_a, org.unit_b}
    assert all(e.recipients == ["owner", "head"] for e in told)


def test_only_an_open_co_unit_can_become_the_lead(org, item, unit_c):
    a = item.targets.get(unit=org.unit_a)
    c = _coordinate(org, _dispute(org, a))
    for unit in (unit_c, org.unit_a):  # not on the item; already the lead
        with pytest.raises(ValidationError, match="配合单位"):
            services.coordination_reassign(actor=org.office, coordination=c, to_unit=unit, mode="lead")
    c.refresh_from_db()
    assert not c.reassign_mode


# --- refusals ---------------------------------------------------------------------------------------


def test_reassigning_needs_the_opinion_first_and_happens_once(org, item, unit_c):
    a = item.targets.get(unit=org.unit_a)
    c = _dispute(org, a)
    with pytest.raises(ValidationError, match="请先记录协调意见"):
        services.coordination_reassign(actor=org.office, coordination=c, to_unit=unit_c)
    _coordinate(org, c, reassign_to=unit_c)
    with pytest.raises(ValidationError, match="已按协调意见调整过"):
        services.coordination_reassign(actor=org.office, coordination=c, to_unit=org.unit_b)
    assert item.targets.count() == 3


def test_a_failed_transfer_leaves_the_opinion_unrecorded(org, item):
    a = item.targets.get(unit=org.unit_a)
    c = _dispute(org, a)
    with pytest.raises(ValidationError, match="提出争议的单位本身"):
        _coordinate(org, c, reassign_to=org.unit_a)
    c.refresh_from_db()
    assert c.decided_at is None and not Event.objects.filter(kind="assignment.coordinated").exists()


def test_a_transfer_to_a_unit_whose_part_has_ended_is_refused(org, item, unit_c):
    a, b = item.targets.get(unit=org.unit_a), item.targets.get(unit=org.unit_b)
    with time_machine.travel(DISPUTED, tick=False):
        services.target_acknowledge(actor=org.clerk_b, target=b)
        services.target_feedback(actor=org.clerk_b, target=b, text="配合部分已完成")
        services.target_close(actor=org.office, target=b)
    c = _coordinate(org, _dispute(org, a))
    with pytest.raises(ValidationError, match="承办已结束"):
        services.coordination_reassign(actor=org.office, coordination=c, to_unit=org.unit_b)
    a.refresh_from_db()
    assert a.status == "assigned" and a.closed_at is None


def test_a_dispute_of_a_unit_whose_part_has_ended_cannot_be_transferred(org, item, unit_c):
    b = item.targets.get(unit=org.unit_b)
    c = _dispute(org, b, actor=org.clerk_b)
    with time_machine.travel(COORDINATED, tick=False):
        services.target_acknowledge(actor=org.clerk_b, target=b)
        services.target_feedback(actor=org.clerk_b, target=b, text="已完成")
        services.target_close(actor=org.office, target=b)
    c = _coordinate(org, c)
    with pytest.raises(ValidationError, match="无需转办"):
        services.coordination_reassign(actor=org.office, coordination=c, to_unit=unit_c)


@pytest.mark.parametrize("who", ["clerk_a", "head_a", "leader", "clerk_b"])
def test_only_the_office_reassigns(org, item, unit_c, who):
    c = _coordinate(org, _dispute(org, item.targets.get(unit=org.unit_a)))
    with pytest.raises(PermissionDenied):
        services.coordination_reassign(actor=getattr(org, who), coordination=c, to_unit=unit_c)
    assert not AssignmentTarget.objects.filter(unit=unit_c).exists()


def test_a_bad_mode_is_refused(org, item, unit_c):
    c = _coordinate(org, _dispute(org, item.targets.get(unit=org.unit_a)))
    with pytest.raises(ValidationError, match="调整方式无效"):
        services.coordination_reassign(actor=org.office, coordination=c, to_unit=unit_c, mode="swap")


# --- API and pages ----------------------------------------------------------------------------------


def test_reassigning_runs_over_the_api(org, item, unit_c):
    a = item.targets.get(unit=org.unit_a)
    c = _dispute(org, a)
    url = f"/api/v1/supervision/assignments/{item.pk}/coordinations/{c.pk}/"
    office = _client(org.office)
    with time_machine.travel(COORDINATED, tick=False):
        r = office.post(url, {"opinion": "转住建局办理"}, format="json")
        assert r.status_code == 200 and r.json()["reassign_mode"] == ""
        r = office.post(f"{url}reassign/", {"to_unit": unit_c.pk, "mode": "swap"}, format="json")
        assert r.status_code == 400
        r = _client(org.clerk_a).post(f"{url}reassign/", {"to_unit": unit_c.pk}, format="json")
        assert r.status_code == 403
        r = _client(unit_c.clerk).post(f"{url}reassign/", {"to_unit": unit_c.pk}, format="json")
        assert r.status_code == 404  # not (yet) on the item
        r = office.post(f"{url}reassign/", {"to_unit": unit_c.pk}, format="json")
        assert r.status_code == 200, r.content
        assert r.json()["reassign_mode"] == "transfer" and r.json()["reassigned_to"] == unit_c.pk
        r = office.post(f"{url}reassign/", {"to_unit": org.unit_b.pk}, format="json")
        assert r.status_code == 400 and "已按协调意见调整过" in r.json()["error"]["message"]
    detail = _client(unit_c.clerk).get(f"/api/v1/supervision/assignments/{item.pk}/").json()
    rows = {t["unit"]: t for t in detail["targets"]}
    assert rows[org.unit_a.pk]["status"] == "transferred" and rows[org.unit_a.pk]["transferred_to"] == unit_c.pk
    assert rows[unit_c.pk]["is_lead"] and rows[unit_c.pk]["transferred_from"] == a.pk
    assert "assignment.transferred" in [e["kind"] for e in detail["timeline"]]


def test_the_opinion_and_the_lead_change_in_one_api_call(org, item):
    c = _dispute(org, item.targets.get(unit=org.unit_a))
    with time_machine.travel(COORDINATED, tick=False):
        r = _client(org.office).post(f"/api/v1/supervision/assignments/{item.pk}/coordinations/{c.pk}/",
                                     {"opinion": "由市场监管局牵头", "reassign_to": org.unit_b.pk, "mode": "lead"},
                                     format="json")
    assert r.status_code == 200 and r.json()["reassign_mode"] == "lead"
    assert item.targets.get(is_lead=True).unit == org.unit_b


def test_the_item_page_reassigns_with_or_after_the_opinion(client, org, item, unit_c):
    a = item.targets.get(unit=org.unit_a)
    c = _dispute(org, a)
    page = reverse("supervision:assignment", args=[item.pk])
    client.force_login(org.office)
    html = client.get(page).content.decode()
    assert 'data-action="coordinate"' in html and 'name="to_unit"' in html
    client.post(reverse("supervision:coordinate", args=[item.pk, c.pk]), {"opinion": "转住建局办理"})
    html = client.get(page).content.decode()
    assert 'data-action="reassign"' in html
    r = client.post(reverse("supervision:reassign", args=[item.pk, c.pk]), {"to_unit": "", "mode": "transfer"},
                    follow=True)
    assert "请选择有效的承办单位" in r.content.decode()
    client.force_login(org.clerk_a)
    r = client.post(reverse("supervision:reassign", args=[item.pk, c.pk]), {"to_unit": unit_c.pk}, follow=True)
    assert "只有效能办" in r.content.decode() and not AssignmentTarget.objects.filter(unit=unit_c).exists()
    client.force_login(org.office)
    client.post(reverse("supervision:reassign", args=[item.pk, c.pk]), {"to_unit": unit_c.pk, "mode": "transfer"})
    html = client.get(page).content.decode()
    assert "已转办" in html and "由 鄂州市自然资源和规划局 转来" in html and 'data-action="reassign"' not in html
    client.force_login(unit_c.clerk)
    html = client.get(page).content.decode()
    assert 'data-action="acknowledge"' in html


def test_the_page_records_the_opinion_and_the_transfer_in_one_step(client, org, item, unit_c):
    c = _dispute(org, item.targets.get(unit=org.unit_a))
    client.force_login(org.office)
    client.post(reverse("supervision:coordinate", args=[item.pk, c.pk]),
                {"opinion": "转住建局办理", "to_unit": unit_c.pk, "mode": "transfer"})
    c.refresh_from_db()
    assert c.decided_at is not None and c.reassign_mode == Coordination.Reassign.TRANSFER
    assert item.targets.get(unit=unit_c).is_lead


def test_r43_the_office_coordinates_only_what_the_lead_unit_could_not_settle(org, item, unit_c):
    """R43 (2019 意见 (九)): a dispute goes to the lead unit first; without its coordination record
    the office refuses (不得直接上交矛盾); the lead may settle it; else the office gives an opinion
    or sends a preferred opinion to the leader, who decides."""
    target_b = item.targets.get(unit=org.unit_b)
    with time_machine.travel(DISPUTED, tick=False):
        c = services.dispute_raise(actor=org.clerk_b, target=target_b, reason="不属本局职责")
        assert Event.objects.get(kind="assignment.disputed").unit_id == org.unit_a.pk  # told: the lead unit
        with pytest.raises(ValidationError, match="须先经牵头单位协调"):
            services.dispute_coordinate(actor=org.office, coordination=c, opinion="转住建局")
        with pytest.raises(ValidationError, match="待牵头单位协调"):
            services.dispute_refer(actor=org.office, coordination=c, preferred_opinion="倾向转住建局")
        with pytest.raises(PermissionDenied):  # only the lead unit's head records its coordination
            services.dispute_lead_record(actor=org.head_b, coordination=c, note="x", settled=False)
        with pytest.raises(ValidationError):
            services.dispute_lead_record(actor=org.head_a, coordination=c, note=" ", settled=False)
        settled = services.dispute_raise(actor=org.clerk_b, target=target_b, reason="另一分歧")
        settled = services.dispute_lead_record(actor=org.head_a, coordination=settled, note="会商一致", settled=True)
        assert settled.status == Coordination.Status.SETTLED
        with pytest.raises(ValidationError):
            services.dispute_coordinate(actor=org.office, coordination=settled, opinion="x")
        c = services.dispute_lead_record(actor=org.head_a, coordination=c, note="会商未果", settled=False)
        assert c.status == Coordination.Status.OFFICE and c.lead_by == org.head_a
        with pytest.raises(PermissionDenied):
            services.dispute_leader_decide(actor=org.office, coordination=c, opinion="x")
        c = services.dispute_refer(actor=org.office, coordination=c, preferred_opinion="倾向由住建局办理")
        assert Event.objects.get(kind="assignment.dispute_referred").recipients == ["leader"]
        with pytest.raises(ValidationError):  # referred: the leader decides, not the office
            services.dispute_coordinate(actor=org.office, coordination=c, opinion="x")
        c = services.dispute_leader_decide(actor=org.leader, coordination=c, opinion="由住建局办理")
    assert (c.status, c.decided_by, c.preferred_opinion) == (Coordination.Status.DECIDED, org.leader, "倾向由住建局办理")
    with time_machine.travel(COORDINATED, tick=False):
        services.coordination_reassign(actor=org.office, coordination=c, to_unit=unit_c)
    assert item.targets.get(unit=unit_c).transferred_from == target_b
