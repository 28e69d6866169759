"""A suspension of the application (行政许可法 §45, R23) pauses its running joint-review steps
too, and resuming it resumes exactly the steps it paused."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from approvals import services
from approvals.models import ReviewStep, Status, StepStatus
from efficiency import clocks, workdays
from efficiency.models import Event, Rung
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI

from .helpers import MONDAY, make_item, receive

pytestmark = pytest.mark.django_db


def at(y, m, d, h=10):
    return datetime(y, m, d, h, 0, tzinfo=SHANGHAI)


def end_of(y, m, d):
    return datetime(y, m, d, 23, 59, 59, tzinfo=SHANGHAI)


def swept(moment):
    with time_machine.travel(moment, tick=False):
        return sweep(now=moment)


def _joint_application(org, accepted_at):
    item = make_item(org, joint=[org.unit_b, org.office_unit], legal=45, committed=30)
    with time_machine.travel(accepted_at, tick=False):
        app, _ = receive(org, item)
    return app, app.steps.get(unit=org.unit_b), app.steps.get(unit=org.office_unit)


def _step_events(step, kind):
    return Event.objects.filter(kind=kind, subject_type="approvals.reviewstep", subject_id=step.pk)


def test_a_suspension_across_the_national_day_holiday_moves_the_step_by_the_paused_working_time(org):  # R23 R24
    # Accepted Thu 2025-09-25: the 5-working-day step is due Thu 10-09 (Sun 09-28 is a working
    # day, 10-01..10-08 are the National Day holiday).
    app, done, running = _joint_application(org, at(2025, 9, 25))
    assert running.due_at == end_of(2025, 10, 9)
    with time_machine.travel(at(2025, 9, 26), tick=False):
        services.step_decide(actor=org.clerk_b, step=done, consent=True)
    done.refresh_from_db()
    done_before = (done.due_at, done.closed_at, done.clock_state, done.pauses)

    with time_machine.travel(at(2025, 9, 29), tick=False):
        services.application_pause(actor=org.clerk_a, application=app, reason="testing", note="委托第三方检测")
    running.refresh_from_db()
    assert running.paused_at == at(2025, 9, 29) and running.pause_reason == "testing"
    assert running.paused_with_application and running.next_at is None
    told = _step_events(running, "approvals.step_paused").get()
    assert told.unit_id == org.office_unit.pk and told.recipients == ["head", "owner"]
    assert "检验检测" in told.message and app.receipt_number in told.message
    assert Event.objects.get(kind="approvals.paused", subject_id=app.pk).payload["steps"] == [running.pk]

    # Past the step's original due time, while suspended: neither deemed consent nor a card.
    swept(at(2025, 10, 10, 9))
    running.refresh_from_db()
    assert running.status == StepStatus.PENDING and running.breach_level == Rung.NONE
    assert not _step_events(running, "clock.breach").exists()
    assert not Event.objects.filter(kind="accountability.propose", subject_id=running.pk).exists()

    with time_machine.travel(at(2025, 10, 10), tick=False):
        services.application_resume(actor=org.clerk_a, application=app)
    running.refresh_from_db()
    app.refresh_from_db()
    paused = workdays.count_workdays(date(2025, 9, 29), date(2025, 10, 10))
    assert paused == 3  # 09-30, 10-09, 10-10: the holiday week is not counted
    assert running.pauses[-1]["credit"] == paused and app.pauses[-1]["credit"] == paused
    assert running.due_at == end_of(2025, 10, 13)  # 10-09 + 3 working days (Sat 10-11 works)
    assert running.paused_at is None and not running.paused_with_application and running.next_at is not None
    assert app.due_at == end_of(2025, 11, 17)  # 11-12 + the same 3 working days
    assert "2025-10-13" in _step_events(running, "approvals.step_resumed").get().message
    done.refresh_from_db()
    assert (done.due_at, done.closed_at, done.clock_state, done.pauses) == done_before
    assert not _step_events(done, "approvals.step_paused").exists()

    swept(at(2025, 10, 13, 12))
    running.refresh_from_db()
    assert running.status == StepStatus.PENDING
    swept(at(2025, 10, 14))
    running.refresh_from_db()
    assert running.status == StepStatus.DEEMED_CONSENTED and running.card == "red"
    assert Event.objects.filter(kind="accountability.propose", subject_id=running.pk).count() == 1


def test_resuming_the_application_leaves_a_step_paused_for_its_own_reason(org):  # R23
    app, own, with_app = _joint_application(org, MONDAY)
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        clocks.clock_pause(own, actor=org.clerk_b, reason="expert", note="本单位组织专家评审")
    with time_machine.travel(at(2025, 11, 4), tick=False):
        services.application_pause(actor=org.clerk_a, application=app, reason="hearing")
    own.refresh_from_db()
    assert own.pause_reason == "expert" and len(own.pauses) == 1 and not own.paused_with_application
    with time_machine.travel(at(2025, 11, 6), tick=False):
        services.application_resume(actor=org.clerk_a, application=app)
    own.refresh_from_db()
    with_app.refresh_from_db()
    assert own.paused_at is not None and own.pause_reason == "expert"
    assert with_app.paused_at is None and with_app.due_at == end_of(2025, 11, 12)  # 11-10 + 2 wd
    assert Event.objects.get(kind="approvals.resumed", subject_id=app.pk).payload["steps"] == [with_app.pk]


def test_a_step_already_past_due_is_not_excused_by_a_later_suspension(org):  # R23 R24
    app, step_b, step_o = _joint_application(org, MONDAY)
    late = step_b.due_at + timedelta(hours=10)  # Tue 09:59, before the next sweep
    with time_machine.travel(late, tick=False):
        services.application_pause(actor=org.clerk_a, application=app, reason="expert")
    step_b.refresh_from_db()
    assert step_b.paused_at is None and not step_b.paused_with_application
    swept(late + timedelta(minutes=5))
    step_b.refresh_from_db()
    assert step_b.status == StepStatus.DEEMED_CONSENTED and step_b.card == "red"
    app.refresh_from_db()
    assert app.paused_at is not None and app.status == Status.ACCEPTED


def test_a_co_unit_may_answer_during_the_suspension_and_resuming_skips_its_step(org):  # R23 R24
    app, step_b, step_o = _joint_application(org, MONDAY)
    with time_machine.travel(at(2025, 11, 4), tick=False):
        services.application_pause(actor=org.clerk_a, application=app, reason="expert")
    with time_machine.travel(at(2025, 11, 5), tick=False):
        services.step_decide(actor=org.clerk_b, step=step_b, consent=True)
    step_b.refresh_from_db()
    assert step_b.closed_at and step_b.paused_at is None and not step_b.paused_with_application
    with time_machine.travel(at(2025, 11, 6), tick=False):
        services.application_resume(actor=org.clerk_a, application=app)
    assert not _step_events(step_b, "approvals.step_resumed").exists()
    assert _step_events(step_o, "approvals.step_resumed").count() == 1


def test_a_refused_pause_pauses_no_step(org):  # R23
    app, step_b, _step_o = _joint_application(org, MONDAY)
    with pytest.raises(ValidationError, match="法定的暂停事由"):
        services.application_pause(actor=org.clerk_a, application=app, reason="holiday")
    with pytest.raises(PermissionDenied):  # the co-unit cannot suspend the lead unit's application
        services.application_pause(actor=org.clerk_b, application=app, reason="expert")
    step_b.refresh_from_db()
    assert step_b.paused_at is None and not ReviewStep.objects.filter(paused_with_application=True).exists()


def test_the_application_page_shows_the_steps_paused_with_it(org, client):  # R23
    app, _step_b, _step_o = _joint_application(org, MONDAY)
    client.force_login(org.clerk_a)
    with time_machine.travel(at(2025, 11, 4), tick=False):
        client.post(reverse("approvals:pause", args=[app.pk]), {"reason": "hearing", "note": "依申请举行听证"})
    assert ReviewStep.objects.filter(application=app, paused_with_application=True).count() == 2
    client.force_login(org.clerk_b)  # the co-reviewing unit sees why its step stands still
    page = client.get(reverse("approvals:application", args=[app.pk])).content.decode()
    assert page.count("随办件暂停计时") == 2 and "随办件暂停，通知会审单位" in page
    client.force_login(org.clerk_a)
    with time_machine.travel(at(2025, 11, 5), tick=False):
        response = client.post(f"/api/v1/approvals/applications/{app.pk}/resume/")
    assert response.status_code == 200
    assert all(s["due_at"].startswith("2025-11-11") for s in response.json()["steps"])
