from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accountability.models import AccountabilityCase
from approvals import queries, services
from approvals.models import Application, Material, RatingFollowUp, ReviewStep, Status, StepStatus
from approvals.validators import validate_id_card, validate_uscc
from efficiency.event_kinds import implied_kinds
from efficiency.models import Event, Rung
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI

from .helpers import ENTERPRISE_ID, MONDAY, PERSON_ID, make_item, receive

pytestmark = pytest.mark.django_db


def at(y, m, d, h=10):
    return datetime(y, m, d, h, 0, tzinfo=SHANGHAI)


def swept(moment):
    with time_machine.travel(moment, tick=False):
        return sweep(now=moment)


def test_it_refuses_a_committed_limit_above_the_legal_one(org):  # R16 R18
    with pytest.raises(ValidationError) as exc:
        make_item(org, committed=25, legal=20)
    assert "不得超过法定时限" in str(exc.value)
    assert make_item(org, committed=20, legal=20).committed_limit == 20


def test_only_the_unit_head_the_office_or_the_system_admin_edits_a_unit_guide(org):  # R18
    for outsider in (org.head_b, org.clerk_a, org.secadmin, org.auditadmin):
        with pytest.raises(PermissionDenied):
            services.item_save(actor=outsider, unit=org.unit_a, code="X", name="x", legal_basis="x")
    assert services.item_save(actor=org.office, unit=org.unit_a, code="X", name="x", legal_basis="x").pk
    assert services.item_save(actor=org.sysadmin, unit=org.unit_a, code="Y", name="y", legal_basis="y").pk


def test_the_system_admin_sees_no_application(org, client):
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    client.force_login(org.sysadmin)
    assert client.get(f"/approvals/{app.pk}/").status_code == 404
    assert client.get("/api/v1/approvals/applications/").json()["count"] == 0


def test_it_validates_id_card_and_credit_code_check_characters():
    assert validate_id_card(PERSON_ID) == PERSON_ID
    assert validate_uscc(ENTERPRISE_ID) == ENTERPRISE_ID
    with pytest.raises(ValidationError, match="校验位"):
        validate_id_card("110105194912310021")
    with pytest.raises(ValidationError, match="校验位"):
        validate_uscc("91350100M000100Y44")
    with pytest.raises(ValidationError):
        validate_uscc("91350100M00010OY43")  # letter O is not in GB 32100


def test_a_bad_id_number_gets_a_clear_message(org):
    item = make_item(org)
    with pytest.raises(ValidationError) as exc:
        services.application_receive(actor=org.clerk_a, item=item, applicant_kind="person", applicant_name="张三",
                                     applicant_id_number="123", applicant_phone="13800000000")
    assert "居民身份证" in str(exc.value.message_dict["applicant_id_number"])
    assert not Application.objects.exists()


def test_it_lists_every_missing_material_at_once_and_the_application_waits(org):  # R19 R20 R25
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        app, code = receive(org, item, missing=2)
        assert code is None and app.first_handler == org.clerk_a
        assert [m["name"] for m in app.missing_materials] == ["建设用地使用权证明", "设计方案总平面图"]
        assert app.time_rule.code == "application.notice"
        services.application_issue_notice(actor=org.clerk_a, application=app)
    app.refresh_from_db()
    assert app.status == Status.NOTICE_ISSUED and app.closed_at is not None and app.receipt_number is None
    event = Event.objects.get(kind="approvals.notice_issued", subject_id=app.pk)
    assert "建设用地使用权证明、设计方案总平面图" in event.message and event.recipients == ["phone:13800000000"]
    with pytest.raises(ValidationError, match="只有已收件"):
        services.application_issue_notice(actor=org.clerk_a, application=app)  # once only
    with pytest.raises(ValidationError, match="尚缺：设计方案总平面图"):
        services.application_complete(actor=org.clerk_a, application=app,
                                      materials=[Material.objects.get(item=item, name="建设用地使用权证明")])
    with time_machine.travel(MONDAY + timedelta(days=7), tick=False):
        app, code = services.application_complete(actor=org.clerk_a, application=app,
                                                  materials=list(Material.objects.filter(item=item)))
    assert app.status == Status.ACCEPTED and len(code) == 8 and app.receipt_number.startswith("SL20251110")
    assert app.accepted_at == MONDAY + timedelta(days=7)


def test_no_notice_within_five_workdays_counts_as_accepted_from_receipt(org):  # R21
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item, missing=1)
    swept(at(2025, 11, 10, 23))  # the 5th working day has not ended yet
    app.refresh_from_db()
    assert app.status == Status.RECEIVED
    swept(at(2025, 11, 11, 9))
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED and app.accepted_by_default
    assert app.clock_start == MONDAY and app.time_rule.code == "application.service"
    assert app.due_at == datetime(2025, 11, 17, 23, 59, 59, tzinfo=SHANGHAI)  # 10 wd from receipt
    sms = Event.objects.get(kind="approvals.accepted", subject_id=app.pk)
    assert "第三十二条" in sms.message and sms.recipients == ["phone:13800000000"]
    with pytest.raises(ValidationError):
        services.application_issue_notice(actor=org.clerk_a, application=app)


def test_accepting_starts_the_committed_clock_with_the_legal_limit_second(org):  # R16 R22
    item = make_item(org, committed=10, legal=20)
    with time_machine.travel(MONDAY, tick=False):
        app, code = receive(org, item)
    assert app.status == Status.ACCEPTED and app.time_rule.code == "application.service"
    assert app.due_at == datetime(2025, 11, 17, 23, 59, 59, tzinfo=SHANGHAI)
    assert app.legal_due_at == datetime(2025, 12, 1, 23, 59, 59, tzinfo=SHANGHAI)
    assert app.red_at == app.legal_due_at
    assert Event.objects.filter(kind="approvals.accepted", subject_id=app.pk).count() == 1
    assert code not in Event.objects.get(kind="approvals.accepted", subject_id=app.pk).message


def test_joint_steps_start_together_and_the_decision_waits_for_all(org):  # R24 R22
    other = org.office_unit
    item = make_item(org, joint=[org.unit_b, other], legal=45, committed=30)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    steps = list(app.steps.order_by("unit_id"))
    assert app.time_rule.code == "application.joint" and len(steps) == 2
    assert {s.clock_start for s in steps} == {MONDAY} and all(s.due_at == at(2025, 11, 10, 0).replace(
        hour=23, minute=59, second=59) for s in steps)
    services.step_decide(actor=org.clerk_b, step=steps[0] if steps[0].unit == org.unit_b else steps[1], consent=True)
    with pytest.raises(ValidationError, match="尚未全部答复"):
        services.application_decide(actor=org.clerk_a, application=app, outcome=Status.APPROVED)
    with pytest.raises(PermissionDenied):  # another unit's clerk cannot answer for this unit
        services.step_decide(actor=org.clerk_b, step=app.steps.get(unit=other), consent=True)


def test_a_late_step_gets_its_own_red_card_and_is_deemed_to_consent(org):  # R24
    item = make_item(org, joint=[org.unit_b], legal=45, committed=30)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    swept(at(2025, 11, 11, 9))
    swept(at(2025, 11, 11, 10))
    step = ReviewStep.objects.get(application=app)
    app.refresh_from_db()
    assert step.breach_level == Rung.RED and step.card == "red" and step.clock_state == "done_late"
    assert step.status == StepStatus.DEEMED_CONSENTED and step.liability_moved
    assert app.breach_level == Rung.NONE and app.status == Status.ACCEPTED  # the application is on time
    breach = Event.objects.get(kind="clock.breach", subject_type="approvals.reviewstep", subject_id=step.pk)
    assert breach.unit_id == org.unit_b.pk and breach.level_to == Rung.RED
    proposals = Event.objects.filter(kind="accountability.propose", subject_id=step.pk)
    assert proposals.count() == 1 and proposals[0].payload["source"] == "review_step"
    assert proposals[0].payload["unit_id"] == org.unit_b.pk
    services.application_decide(actor=org.clerk_a, application=app, outcome=Status.APPROVED)


def test_a_silent_step_is_not_deemed_to_consent_when_the_local_default_is_off(org):
    """The review_step rule's 超时默认 is read: off, a silent co-reviewer is not counted as
    consenting (the seeds set no deemed consent; RULES.md "Local defaults")."""
    from efficiency.models import TimeLimitRule

    TimeLimitRule.objects.filter(code="application.review_step").update(deemed_approval=False)
    item = make_item(org, joint=[org.unit_b], legal=45, committed=30)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    swept(at(2025, 11, 11, 9))
    swept(at(2025, 11, 11, 10))
    step = ReviewStep.objects.get(application=app)
    assert step.breach_level >= Rung.YELLOW and step.status == StepStatus.PENDING and not step.liability_moved
    assert not Event.objects.filter(kind="approvals.step_deemed_consented", subject_id=step.pk).exists()


def test_a_refusal_without_reasons_counts_as_consent_and_moves_liability(org):  # R24
    item = make_item(org, joint=[org.unit_b], legal=45, committed=30)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
        step = services.step_decide(actor=org.clerk_b, step=app.steps.get(), consent=False, opinion=" ")
    assert step.status == StepStatus.VOID_REFUSAL and step.liability_moved
    reasoned = make_item(org, joint=[org.unit_b], code="ZRZY-002", legal=45, committed=30)
    with time_machine.travel(MONDAY, tick=False):
        app2, _ = receive(org, reasoned)
        step2 = services.step_decide(actor=org.clerk_b, step=app2.steps.get(), consent=False, opinion="不符合控规")
    assert step2.status == StepStatus.REFUSED and not step2.liability_moved


def test_a_pause_for_expert_review_does_not_count_and_the_applicant_is_told(org):  # R23
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
        services.application_pause(actor=org.clerk_a, application=app, reason="expert", note="组织专家论证")
    with time_machine.travel(at(2025, 11, 7), tick=False):
        services.application_resume(actor=org.clerk_a, application=app)
    app.refresh_from_db()
    assert app.due_at == datetime(2025, 11, 21, 23, 59, 59, tzinfo=SHANGHAI)  # 17th + 4 wd paused
    told = Event.objects.get(kind="approvals.paused", subject_id=app.pk)
    assert told.recipients == ["phone:13800000000"] and "专家评审" in told.message
    with pytest.raises(ValidationError):
        services.application_pause(actor=org.clerk_a, application=app, reason="holiday")


def test_one_extension_by_the_head_and_none_after_due(org):  # R22
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
        services.application_request_extension(actor=org.clerk_a, application=app, reason="需现场踏勘")
        with pytest.raises(PermissionDenied):
            services.application_approve_extension(actor=org.clerk_a, application=app)
        app = services.application_approve_extension(actor=org.head_a, application=app)
    assert app.due_at == datetime(2025, 12, 1, 23, 59, 59, tzinfo=SHANGHAI) and app.extension_approver == org.head_a
    with pytest.raises(ValidationError, match="已延期一次"):
        services.application_request_extension(actor=org.clerk_a, application=app, reason="再延")
    late = make_item(org, code="ZRZY-009")
    with time_machine.travel(MONDAY, tick=False):
        app2, _ = receive(org, late)
    with time_machine.travel(at(2025, 11, 18), tick=False), pytest.raises(ValidationError, match="届满前"):
        services.application_request_extension(actor=org.clerk_a, application=app2, reason="来不及")


def test_the_same_application_deemed_approved_by_two_sweeps_gives_one_notice_and_one_proposal(org):  # R17
    item = make_item(org, deemed=True)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    swept(at(2025, 11, 18, 9))
    swept(at(2025, 11, 18, 10))
    # A second worker handed the same transition again claims nothing.
    with time_machine.travel(at(2025, 11, 18, 11), tick=False):
        services.application_deem_approved([app.pk], now=at(2025, 11, 18, 11))
    app.refresh_from_db()
    assert app.status == Status.DEEMED_APPROVED and app.clock_state == "done_late"
    assert app.decided_at == at(2025, 11, 18, 9)
    notices = Event.objects.filter(kind="approvals.deemed_approved", subject_id=app.pk)
    assert notices.count() == 1 and "phone:13800000000" in notices[0].recipients
    assert {"owner", "head", "office"} <= set(notices[0].recipients)
    # The one row is also the decision, the late close and the proposal (the catalogue's
    # `implies`): its payload carries what the three rows carried, and accountability opened the case.
    assert set(implied_kinds("approvals.deemed_approved")) == {"approvals.decided", "clock.closed",
                                                               "accountability.propose"}
    assert notices[0].payload == {**notices[0].payload, "source": "deemed_approval", "person_id": org.clerk_a.pk,
                                  "outcome": "deemed", "late": True}
    assert notices[0].unit_id == app.unit_id
    assert AccountabilityCase.objects.filter(source="deemed_approval", subject_id=app.pk,
                                             person=org.clerk_a).count() == 1
    assert not Event.objects.filter(kind__in=["approvals.decided", "clock.closed", "accountability.propose"],
                                    subject_type="approvals.application", subject_id=app.pk).exists()


def test_it_does_not_deem_approved_one_second_before_due(org):  # R17
    item = make_item(org, deemed=True)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    swept(app.due_at - timedelta(seconds=1))
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED
    swept(app.due_at)
    app.refresh_from_db()
    assert app.status == Status.DEEMED_APPROVED


def test_an_ineligible_item_goes_red_and_is_escalated_instead(org):  # R17
    item = make_item(org, deemed=False)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    swept(at(2025, 11, 18, 9))
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED and app.breach_level == Rung.YELLOW
    swept(at(2025, 12, 2, 9))
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED and app.breach_level == Rung.RED
    assert Event.objects.filter(kind="approvals.escalated", subject_id=app.pk).count() == 1
    assert not Event.objects.filter(kind="approvals.deemed_approved").exists()


def test_a_wrong_check_code_learns_the_same_as_an_unknown_number(org):
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        app, code = receive(org, item)
    assert services.application_lookup(app.receipt_number, code) == app
    assert services.application_lookup(app.receipt_number.lower(), code.lower()) == app
    assert services.application_lookup(app.receipt_number, "WRONG123") is None
    assert services.application_lookup("SL20990101000001", code) is None


def test_a_bad_rating_is_called_back_and_fixed_on_the_clock_and_may_be_rated_again(org):  # R36
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
        with pytest.raises(ValidationError):
            services.rating_submit(application=app, score=5)  # not decided yet
        services.application_decide(actor=org.clerk_a, application=app, outcome=Status.APPROVED)
        services.rating_submit(application=app, score=1, comment="窗口态度差")
    followups = {f.kind: f for f in RatingFollowUp.objects.all()}
    assert followups["callback"].due_at == datetime(2025, 11, 4, 23, 59, 59, tzinfo=SHANGHAI)
    assert followups["fix"].due_at == datetime(2025, 11, 24, 23, 59, 59, tzinfo=SHANGHAI)
    assert followups["callback"].owner == org.head_a
    bad = Event.objects.get(kind="approvals.bad_rating", subject_id=app.pk)
    assert bad.recipients == ["head", "office"]
    services.followup_done(actor=org.head_a, followup=followups["callback"], note="已电话回访")
    services.rating_submit(application=app, score=4, comment="整改后满意")
    with pytest.raises(ValidationError):
        services.rating_submit(application=app, score=5)
    rated = Event.objects.filter(kind="approvals.rated").order_by("id")
    assert [e.payload["score"] for e in rated] == [1, 4] and rated[0].payload["unit_id"] == org.unit_a.pk


def test_satisfaction_per_unit_uses_the_latest_rating(org):  # R36
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        for score in (5, 4, 1):
            app, _ = receive(org, item)
            services.application_decide(actor=org.clerk_a, application=app, outcome=Status.APPROVED)
            services.rating_submit(application=app, score=score)
        services.rating_submit(application=app, score=3)  # re-rated after the bad one
    [row] = queries.satisfaction_by_unit()
    assert (row["total"], row["satisfied"], row["rate"], row["meets"]) == (3, 3, 100.0, True)
    assert queries.satisfaction_from_events()[org.unit_a.pk]["rate"] == 100.0


def test_a_joint_application_extends_by_fifteen_workdays(org):  # R22
    item = make_item(org, joint=[org.unit_b], legal=45, committed=45)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
        before = app.due_at
        services.application_request_extension(actor=org.clerk_a, application=app, reason="联合踏勘")
        # §42: 本级人民政府负责人, not the unit head (tests/approvals/test_joint_extension.py).
        app = services.application_approve_extension(actor=org.leader, application=app)
    assert app.extension_value == 15 and app.due_at > before
    assert app.legal_due_at == app.due_at  # 45 + 15 working days, committed = legal here


def test_r36_the_satisfaction_rollup_equals_the_count_of_the_latest_ratings(org):  # R36
    """The list pages read `UnitSatisfaction` (kept by rating_submit); it must say what counting
    every application's latest rating says, also after a bad rating is re-rated good or bad."""
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        rated = []
        for score in (1, 5, 2, 3, 1):
            app, _ = receive(org, item)
            services.application_decide(actor=org.clerk_a, application=app, outcome=Status.APPROVED)
            services.rating_submit(application=app, score=score)
            rated.append(app)
        services.rating_submit(application=rated[0], score=4)  # the bad one re-rated: now satisfied
        services.rating_submit(application=rated[4], score=2)  # re-rated, still bad
    stored = {r["unit_id"]: (r["total"], r["satisfied"]) for r in queries.satisfaction_by_unit()}
    counted = {r["unit_id"]: (r["total"], r["satisfied"])
               for r in queries.satisfaction_by_unit(since=MONDAY - timedelta(days=365))}
    assert stored == counted == {org.unit_a.pk: (5, 3)}
