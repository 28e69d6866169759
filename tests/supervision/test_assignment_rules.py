"""Each assignment kind runs its rule from the seeded table (2019 意见)."""

import pytest
import time_machine
from django.core.exceptions import ValidationError

from efficiency.models import Event, Rung
from efficiency.sweep import sweep
from supervision import services
from supervision.models import Assignment, AssignmentKind as K

from .conftest import FRIDAY, at

pytestmark = pytest.mark.django_db


def test_an_instruction_must_be_reported_to_the_principal_the_same_day(make_assignment):  # R03
    target = make_assignment(K.INSTRUCTION).targets.get()
    assert target.step == "instruction.report"
    assert target.due_at == at(2024, 9, 13, 23, 59, 59)


def test_signing_an_instruction_starts_three_working_days_to_deploy_across_the_holiday(org, make_assignment):  # R04
    target = make_assignment(K.INSTRUCTION).targets.get()
    with time_machine.travel(at(2024, 9, 13, 15, 0), tick=False):
        services.target_acknowledge(actor=org.clerk_a, target=target)
    target.refresh_from_db()
    assert target.step == "instruction.deploy"
    # Sat 14 is an adjusted working day; 15–17 Mid-Autumn: 14, 18, 19.
    assert target.due_at == at(2024, 9, 19, 23, 59, 59)
    assert target.time_rule.code == "instruction.deploy"


def test_a_field_research_problem_gives_the_office_three_working_days_to_split_it(org, make_assignment):  # R05
    item = make_assignment(K.FIELD_RESEARCH, lead_unit=None)
    assert item.status == Assignment.Status.REGISTERED
    assert item.due_at == at(2024, 9, 19, 23, 59, 59)
    with time_machine.travel(at(2024, 9, 18, 9, 0), tick=False):
        services.assignment_dispatch(actor=org.office, assignment=item, lead_unit=org.unit_a)
    item.refresh_from_db()
    assert item.clock_state == "done" and item.status == Assignment.Status.IN_PROGRESS


def test_units_feed_back_on_a_field_research_problem_within_ten_working_days(make_assignment):  # R06
    target = make_assignment(K.FIELD_RESEARCH).targets.get()
    assert target.time_rule.code == "field_research.feedback"
    assert target.due_at == at(2024, 9, 29, 23, 59, 59)  # Sun 29 is an adjusted working day


def test_a_policy_difficulty_is_reported_within_five_working_days(make_assignment):  # R07
    target = make_assignment(K.POLICY_DIFFICULTY).targets.get()
    assert target.time_rule.code == "policy_difficulty.report"
    assert target.due_at == at(2024, 9, 23, 23, 59, 59)


def test_the_office_replies_to_a_policy_difficulty_within_three_working_days_with_an_option(org, make_assignment):  # R08
    item = make_assignment(K.POLICY_DIFFICULTY)
    target = item.targets.get()
    with time_machine.travel(at(2024, 9, 18, 10, 0), tick=False):
        services.target_acknowledge(actor=org.clerk_a, target=target)
        services.target_feedback(actor=org.clerk_a, target=target, text="土地指标不足，执行困难")
    item.refresh_from_db()
    assert item.time_rule.code == "policy_difficulty.reply"
    assert item.due_at == at(2024, 9, 23, 23, 59, 59)  # 19, 20, 23
    with time_machine.travel(at(2024, 9, 19, 10, 0), tick=False):
        with pytest.raises(ValidationError):
            services.target_close(actor=org.office, target=target)
        services.target_close(actor=org.office, target=target, reply=Assignment.Reply.NEW_METHOD,
                              note="改为分期供地")
    item.refresh_from_db()
    assert item.reply == "new_method" and item.clock_state == "done" and item.status == "closed"


def test_the_office_answers_a_policy_difficulty_in_the_seeds_words(org, make_assignment):  # R08
    # 2019 (六): 继续执行、暂缓执行或按新的方法执行 — not 暂停执行 / 研究新办法.
    assert [label for _, label in Assignment.Reply.choices] == ["继续执行", "暂缓执行", "按新的方法执行"]
    item = make_assignment(K.POLICY_DIFFICULTY)
    target = item.targets.get()
    with time_machine.travel(at(2024, 9, 18, 10, 0), tick=False):
        services.target_acknowledge(actor=org.clerk_a, target=target)
        services.target_feedback(actor=org.clerk_a, target=target, text="土地指标不足，执行困难")
    item.refresh_from_db()
    assert item.time_rule.name.endswith("（继续执行/暂缓执行/按新的方法执行）")
    with time_machine.travel(at(2024, 9, 19, 10, 0), tick=False):
        with pytest.raises(ValidationError, match="继续执行、暂缓执行或按新的方法执行"):
            services.target_close(actor=org.office, target=target, reply="suspend")
        services.target_close(actor=org.office, target=target, reply="defer", note="待土地指标下达后执行")
    item.refresh_from_db()
    assert (item.reply, item.get_reply_display()) == ("defer", "暂缓执行")
    assert Event.objects.get(kind="assignment.replied", subject_id=item.pk).message.startswith("暂缓执行。")


def test_a_stored_suspend_reply_is_migrated_to_defer(org, make_assignment):  # R08
    import importlib

    from django.apps import apps

    migration = importlib.import_module("supervision.migrations.0006_r08_reply_terms")
    item = make_assignment(K.POLICY_DIFFICULTY)
    Assignment.objects.filter(pk=item.pk).update(reply="suspend")
    migration.forward(apps, None)
    item.refresh_from_db()
    assert item.get_reply_display() == "暂缓执行"


def test_a_policy_is_interpreted_within_five_working_days(make_assignment):  # R09
    target = make_assignment(K.POLICY_INTERPRETATION).targets.get()
    assert target.time_rule.code == "policy.interpretation"
    assert target.due_at == at(2024, 9, 23, 23, 59, 59)


def test_a_decision_without_deadline_needs_a_first_report_within_a_month(make_assignment):  # R10
    target = make_assignment(K.NO_DEADLINE).targets.get()
    assert target.time_rule.code == "decision.first_report"
    assert target.due_at == at(2024, 10, 14, 23, 59, 59)  # Oct 13 is a Sunday


def test_after_the_first_report_the_first_month_report_is_due_two_months_after_hand_out(org, make_assignment):  # R11
    target = make_assignment(K.NO_DEADLINE).targets.get()
    with time_machine.travel(at(2024, 10, 8, 10, 0), tick=False):
        services.target_acknowledge(actor=org.clerk_a, target=target)
        services.target_feedback(actor=org.clerk_a, target=target, text="已成立专班，制定方案")
    target.refresh_from_db()
    assert target.status == "handling" and target.reports_done == 1
    assert target.time_rule.code == "decision.month_report"
    assert target.due_at == at(2024, 11, 13, 23, 59, 59)


def test_a_major_emergency_needs_a_press_conference_within_24_hours(make_assignment):  # R12
    target = make_assignment(K.EMERGENCY).targets.get()
    assert target.due_at == at(2024, 9, 14, 10, 0)


def test_a_set_deadline_replaces_the_default_feedback_rule(org, make_assignment):
    import datetime as dt

    target = make_assignment(K.MEETING, deadline=dt.date(2024, 10, 31)).targets.get()
    assert target.step == "deadline"
    assert target.due_at == at(2024, 10, 31, 23, 59, 59)


def test_a_late_deploy_step_gets_a_yellow_then_a_red_card(org, make_assignment):
    target = make_assignment(K.INSTRUCTION).targets.get()
    with time_machine.travel(FRIDAY, tick=False):
        services.target_acknowledge(actor=org.clerk_a, target=target)
    sweep(now=at(2024, 9, 20, 9, 0))
    target.refresh_from_db()
    assert target.breach_level == Rung.YELLOW
    sweep(now=at(2024, 9, 25, 9, 0))
    target.refresh_from_db()
    assert target.breach_level == Rung.RED


def test_a_target_left_past_every_rung_asks_for_an_accountability_proposal_once(org, make_assignment):
    target = make_assignment(K.POLICY_INTERPRETATION).targets.get()
    sweep(now=at(2024, 11, 1, 9, 0))
    sweep(now=at(2024, 11, 2, 9, 0))
    target.refresh_from_db()
    assert target.breach_level == Rung.ACCOUNTABILITY
    proposals = Event.objects.filter(kind="accountability.propose", subject_id=target.pk)
    assert proposals.count() == 1 and proposals.get().payload["source"] == "red_card"


def test_a_red_card_reaches_accountability_by_one_event_and_one_proposal_only(org, make_assignment):
    """Issue 13 (7): the sweep's `accountability.propose` is the one path; supervision has no breach
    handler of its own for it and accountability no catch-all breach subscriber any more."""
    from unittest import mock

    from accountability import handlers
    from accountability.models import AccountabilityCase
    from efficiency import registry

    target = make_assignment(K.POLICY_INTERPRETATION).targets.get()
    with mock.patch("accountability.handlers.cases_propose_events", wraps=handlers.cases_propose_events) as proposed:
        sweep(now=at(2024, 11, 1, 9, 0))
        sweep(now=at(2024, 11, 2, 9, 0))
    target.refresh_from_db()
    assert target.breach_level == Rung.ACCOUNTABILITY
    event = Event.objects.get(kind="accountability.propose")
    assert (event.subject_type, event.subject_id, event.payload["source"]) == (
        "supervision.assignmenttarget", target.pk, "red_card")
    # One batch call with one event id: not a second one hidden by the unique constraint.
    assert proposed.call_count == 1 and len(proposed.call_args.args[0]) == 1
    case = AccountabilityCase.objects.get()
    assert (case.source, case.subject_id, case.unit_id) == ("red_card", target.pk, target.unit_id)
    assert registry.clock_model("supervision.assignmenttarget").on_breach == []
    assert not hasattr(registry, "subscribe_breach") and not hasattr(handlers, "on_any_breach")
