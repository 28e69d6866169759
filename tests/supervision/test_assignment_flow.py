"""The flow of an assignment: sign, deploy, feed back, return, close; urging and disputes."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from efficiency.events import events_for
from efficiency.models import Event
from efficiency.permissions import scope
from supervision import services
from supervision.models import Assignment, AssignmentKind as K

from .conftest import FRIDAY, at

pytestmark = pytest.mark.django_db


def _fed_back(org, make_assignment, **kw):
    item = make_assignment(K.FIELD_RESEARCH, **kw)
    target = item.targets.get(unit=org.unit_a)
    with time_machine.travel(at(2024, 9, 18, 10, 0), tick=False):
        services.target_acknowledge(actor=org.clerk_a, target=target)
        services.target_feedback(actor=org.clerk_a, target=target, text="已完成道路修复")
    target.refresh_from_db()
    return item, target


def test_feeding_back_holds_the_clock_while_the_office_checks(org, make_assignment):  # R39
    _, target = _fed_back(org, make_assignment)
    assert target.status == "fed_back" and target.paused_at is not None


def test_a_returned_item_resumes_its_clock_with_the_reason_on_the_timeline(org, make_assignment):
    _, target = _fed_back(org, make_assignment)
    with time_machine.travel(at(2024, 9, 20, 10, 0), tick=False):
        services.target_return(actor=org.office, target=target, reason="佐证材料不全，请补充照片")
    target.refresh_from_db()
    assert target.status == "handling" and target.paused_at is None and target.return_count == 1
    # the two working days the office held it (19, 20) are credited: 29 → Oct 8 holiday… next workdays
    assert target.due_at > at(2024, 9, 29, 23, 59, 59)
    assert events_for(target).filter(kind="assignment.returned", message="佐证材料不全，请补充照片").exists()


def test_the_office_closes_an_item_when_every_unit_is_done(org, make_assignment):
    item, target = _fed_back(org, make_assignment)
    with time_machine.travel(at(2024, 9, 20, 10, 0), tick=False):
        services.target_close(actor=org.office, target=target, note="审核通过")
    item.refresh_from_db()
    target.refresh_from_db()
    assert target.status == "closed" and target.clock_state == "done"
    assert item.status == Assignment.Status.CLOSED


def test_a_unit_cannot_close_its_own_item(org, make_assignment):
    _, target = _fed_back(org, make_assignment)
    with pytest.raises(PermissionDenied):
        services.target_close(actor=org.head_a, target=target)


def test_urging_notifies_the_unit_and_is_counted(org, make_assignment):
    target = make_assignment(K.POLICY_INTERPRETATION).targets.get()
    services.target_urge(actor=org.office, target=target)
    services.target_urge(actor=org.leader, target=target, message="请今天报送")
    target.refresh_from_db()
    assert target.urge_count == 2
    urges = Event.objects.filter(kind="assignment.urged", subject_id=target.pk)
    assert urges.count() == 2 and urges.first().recipients == ["owner", "head"]


def test_a_clerk_cannot_urge(org, make_assignment):
    target = make_assignment(K.POLICY_INTERPRETATION).targets.get()
    with pytest.raises(PermissionDenied):
        services.target_urge(actor=org.clerk_a, target=target)
    assert target.urge_count == 0


def test_a_dispute_between_units_gets_the_offices_coordination_opinion(org, make_assignment):
    item = make_assignment(K.MEETING, co_units=[org.unit_b])
    target_b = item.targets.get(unit=org.unit_b)
    c = services.dispute_raise(actor=org.clerk_b, target=target_b, reason="该路段养护不属本局职责")
    services.dispute_lead_record(actor=org.head_a, coordination=c, note="牵头单位会商未果", settled=False)  # R43
    services.dispute_coordinate(actor=org.office, coordination=c, opinion="由市自然资源和规划局牵头，市场监管局配合")
    c.refresh_from_db()
    assert c.opinion and c.decided_by == org.office
    kinds = list(events_for(item).values_list("kind", flat=True))
    assert "assignment.disputed" in kinds and "assignment.coordinated" in kinds


def test_co_units_see_the_item_through_sharing_and_others_do_not(org, make_assignment):
    item = make_assignment(K.MEETING, co_units=[org.unit_b])
    other = make_assignment(K.MEETING)
    assert set(scope(org.clerk_b, Assignment.objects.all())) == {item}
    assert set(scope(org.clerk_a, Assignment.objects.all())) == {item, other}


def test_acting_out_of_turn_is_refused_in_chinese(org, make_assignment):
    target = make_assignment(K.INSTRUCTION).targets.get()
    with pytest.raises(ValidationError, match="当前状态"):
        services.target_feedback(actor=org.clerk_a, target=target, text="提前反馈")


def test_returning_needs_a_reason(org, make_assignment):
    _, target = _fed_back(org, make_assignment)
    with pytest.raises(ValidationError, match="退回理由"):
        services.target_return(actor=org.office, target=target, reason=" ")


def test_hand_out_notifies_the_receiving_unit(org, make_assignment):
    item = make_assignment(K.INSTRUCTION)
    ev = Event.objects.get(kind="assignment.dispatched")
    assert ev.unit == org.unit_a and "head" in ev.recipients
    assert item.created_at == FRIDAY


def test_the_office_extends_a_step_once_before_it_is_due(org, make_assignment):
    target = make_assignment(K.FIELD_RESEARCH).targets.get()
    with time_machine.travel(at(2024, 9, 20, 10, 0), tick=False):
        services.target_extend(actor=org.office, target=target, value=5, reason="涉及多部门会商")
        target.refresh_from_db()
        assert target.due_at == at(2024, 10, 11, 23, 59, 59)  # Sep 29 + 5 wd: Sep 30, Oct 8–11 (Oct 1–7 off)
        with pytest.raises(ValidationError):
            services.target_extend(actor=org.office, target=target, value=2, reason="再次延期")


def test_an_extension_asked_after_the_due_time_is_refused(org, make_assignment):
    target = make_assignment(K.EMERGENCY).targets.get()
    with time_machine.travel(at(2024, 9, 15, 10, 0), tick=False), pytest.raises(ValidationError):
        services.target_extend(actor=org.office, target=target, value=1, reason="晚了")


def test_our_events_read_well_in_the_inbox(org, make_assignment):
    from efficiency.notifications import format_event

    target = make_assignment(K.EMERGENCY).targets.get()
    services.target_urge(actor=org.office, target=target)
    event = Event.objects.get(kind="assignment.urged")
    title, body, link = format_event(event, target)
    assert title.startswith("【督办】") and link.endswith(f"#target-{target.pk}")


def test_r66_an_item_that_carries_out_a_decision_records_its_decision_maker(org):
    """R66 (2008b 二(三)): 谁决策谁负责 — a leader's instruction, a major decision, a meeting
    decision or a decision without deadline names who decided; a field-research problem need not."""
    for kind in (K.INSTRUCTION, K.UPPER_DOC, K.MEETING, K.NO_DEADLINE):
        with pytest.raises(ValidationError) as exc:
            services.assignment_create(actor=org.office, kind=kind, title="批示", source_text="请办理",
                                       issuing_leader="  ", lead_unit=org.unit_a)
        assert "issuing_leader" in exc.value.message_dict
    item = services.assignment_create(actor=org.office, kind=K.MEETING, title="常务会决定", source_text="请办理",
                                      issuing_leader="刘市长", lead_unit=org.unit_a)
    assert item.issuing_leader == "刘市长"
    services.assignment_create(actor=org.office, kind=K.FIELD_RESEARCH, title="调研问题", source_text="请办理",
                               lead_unit=org.unit_a)
