"""The terms that govern an application are frozen at intake (R16, R17, R23, R24).

The catalog item (and its time-limit rule) can be edited at any time by the unit head; an
application already received keeps the limits, the 超时默认 flag and the pauses allowed that
held when it came in. A co-reviewer's refusal with reasons stops deemed approval.
"""

from datetime import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from approvals import services
from approvals.models import Material, Status
from efficiency import clocks
from efficiency.clocks import ClockError
from efficiency.models import Event, Rung, TimeLimitRule
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem

from .helpers import MONDAY, make_item, receive

pytestmark = pytest.mark.django_db

DUE = datetime(2025, 11, 17, 23, 59, 59, tzinfo=SHANGHAI)  # 10 working days after Mon Nov 3


def at(y, m, d, h=10):
    return datetime(y, m, d, h, 0, tzinfo=SHANGHAI)


def swept(moment):
    with time_machine.travel(moment, tick=False):
        return sweep(now=moment)


def edit(org, item, **fields):
    return services.item_save(actor=org.head_a, unit=org.unit_a, item=item, **fields)


def test_switching_deemed_approval_off_just_before_the_deadline_does_not_stop_it(org):  # R17
    item = make_item(org, deemed=True)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    assert app.due_at == DUE and app.deemed_approval and app.terms_fixed_at == MONDAY
    with time_machine.travel(at(2025, 11, 17, 17), tick=False):
        edit(org, item, deemed_approval=False)  # the head, an hour before the deadline
    swept(at(2025, 11, 18, 9))
    app.refresh_from_db()
    assert app.status == Status.DEEMED_APPROVED
    assert Event.objects.filter(kind="approvals.deemed_approved", subject_id=app.pk).count() == 1
    # The edit governs the next application.
    with time_machine.travel(at(2025, 11, 18, 10), tick=False):
        later, _ = receive(org, item)
    assert not later.deemed_approval


def test_the_page_shows_the_terms_fixed_at_intake(org, client):  # R17
    item = make_item(org, deemed=True)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    edit(org, item, deemed_approval=False, committed_limit=5)
    client.force_login(org.clerk_a)
    html = client.get(reverse("approvals:application", args=[app.pk])).content.decode()
    assert "承诺 10 个工作日，法定 20 个工作日" in html and "超时默认适用" in html


def test_switching_deemed_approval_on_after_intake_does_not_deem_an_earlier_application(org):  # R17
    item = make_item(org, deemed=False)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    edit(org, item, deemed_approval=True)
    swept(at(2025, 11, 18, 9))
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED and app.breach_level == Rung.YELLOW


def test_a_limit_edited_between_receipt_and_acceptance_does_not_apply(org):  # R16
    item = make_item(org, committed=10, legal=20)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item, missing=1)
        services.application_issue_notice(actor=org.clerk_a, application=app)
    edit(org, item, committed_limit=3, legal_limit=5)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = services.application_complete(actor=org.clerk_a, application=app,
                                               materials=list(Material.objects.filter(item=item)))
    assert (app.committed_limit, app.legal_limit) == (10, 20)
    assert app.due_at == DUE and app.legal_due_at == datetime(2025, 12, 1, 23, 59, 59, tzinfo=SHANGHAI)


def test_joint_units_added_to_the_item_after_receipt_get_no_step(org):  # R24
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item, missing=1)
    edit(org, item, joint_units=[org.unit_b])
    with time_machine.travel(MONDAY, tick=False):
        app, _ = services.application_complete(actor=org.clerk_a, application=app,
                                               materials=list(Material.objects.filter(item=item)))
    assert app.steps.count() == 0 and app.time_rule.code == "application.service"


def test_a_pause_the_item_did_not_allow_at_intake_is_refused(org):  # R23
    item = make_item(org)
    with pytest.raises(ValidationError, match="第四十五条"):
        edit(org, item, pause_reasons=["expert", "other"])
    edit(org, item, pause_reasons=["expert"])
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    edit(org, item, pause_reasons=["expert", "hearing"])
    with time_machine.travel(at(2025, 11, 5), tick=False):
        with pytest.raises(ValidationError, match="不允许"):
            services.application_pause(actor=org.clerk_a, application=app, reason="hearing")
        services.application_pause(actor=org.clerk_a, application=app, reason="expert")
    app.refresh_from_db()
    assert app.paused_at is not None and app.pause_reasons == ["expert"]


def test_a_co_reviewers_reasoned_refusal_stops_deemed_approval(org):  # R17 R24
    item = make_item(org, joint=[org.unit_b], deemed=True, legal=45, committed=30)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
        services.step_decide(actor=org.clerk_b, step=app.steps.get(), consent=False, opinion="不符合生态保护红线要求")
    swept(app.due_at)
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED and app.breach_level == Rung.YELLOW
    assert not Event.objects.filter(kind="approvals.deemed_approved", subject_id=app.pk).exists()
    swept(app.legal_due_at)
    escalated = Event.objects.get(kind="approvals.escalated", subject_id=app.pk)
    assert "附理由不同意" in escalated.message
    # The lead unit still decides, and may refuse on the co-reviewer's reasons.
    services.application_decide(actor=org.clerk_a, application=app, outcome=Status.REJECTED, reason="生态环境部门不同意")


def test_a_rule_without_deemed_approval_gives_none_to_new_applications(org):  # R17
    item = make_item(org, deemed=True)
    TimeLimitRule.objects.filter(code="application.service").update(deemed_approval=False)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    assert not app.deemed_approval
    swept(at(2025, 11, 18, 9))
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED


def test_a_rule_switched_off_starts_no_new_clock_but_keeps_running_ones(org):
    rule = TimeLimitRule.objects.get(code="instruction.deploy")
    running = clocks.clock_start(TimedItem.objects.create(unit=org.unit_a, owner=org.clerk_a),
                                 actor=org.head_a, rule=rule)
    TimeLimitRule.objects.filter(pk=rule.pk).update(is_active=False)
    with pytest.raises(ClockError, match="已停用"):
        clocks.clock_start(TimedItem.objects.create(unit=org.unit_a, owner=org.clerk_a),
                           actor=org.head_a, rule="instruction.deploy")
    clocks.clock_start(running, actor=org.head_a, rule="instruction.deploy")  # a restart keeps its rule
