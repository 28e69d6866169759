"""改派承办人: the unit head hands an open application to another clerk of the unit; the clock
runs on, the first handler (首问负责) stays on the record."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accountability.models import AccountabilityCase
from approvals import queries, services
from approvals.models import Application, Status
from efficiency.clocks import CLOCK_FIELDS
from efficiency.models import AuditLog, Event, Role
from efficiency.sweep import sweep
from tests.factories import make_user

from .helpers import MONDAY, make_item, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_a2(org):
    return make_user(Role.CLERK, unit=org.unit_a, username="clerk_a2", full_name="周经办")


@pytest.fixture
def app(org):
    with time_machine.travel(MONDAY, tick=False):
        application, _ = receive(org, make_item(org, deemed=True))
    return application


def _clock(app):
    app.refresh_from_db()
    return {name: getattr(app, name) for name in CLOCK_FIELDS}


def _unchanged(app, org):
    app.refresh_from_db()
    return app.owner == org.clerk_a and not Event.objects.filter(kind="approvals.handler_reassigned").exists()


def test_the_head_reassigns_the_handler_and_the_clock_runs_on(org, app, clerk_a2):  # R19 R27
    clock_before = _clock(app)
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        services.application_reassign(actor=org.head_a, application=app, to_user=clerk_a2, reason=" 张经办病假 ")
    assert _clock(app) == clock_before  # same start, due, rungs: no reset
    assert app.owner == clerk_a2 and app.first_handler == org.clerk_a
    event = Event.objects.get(kind="approvals.handler_reassigned", subject_id=app.pk)
    assert event.actor == org.head_a and event.recipients == [f"user:{clerk_a2.pk}", f"user:{org.clerk_a.pk}"]
    assert "周经办" in event.message and "张经办病假" in event.message
    assert event.payload == {"from": org.clerk_a.pk, "to": clerk_a2.pk, "reason": "张经办病假"}
    audit = AuditLog.objects.get(action="appr.reassign", object_id=str(app.pk))
    assert audit.actor == org.head_a and audit.before == {"owner": org.clerk_a.pk}
    assert audit.after == {"owner": clerk_a2.pk}
    assert list(queries.clerk_open(clerk_a2)) == [app] and not queries.clerk_open(org.clerk_a).exists()
    # The new handler now answers for the deadline: the deemed approval's proposal names them.
    moment = app.due_at + timedelta(seconds=1)
    with time_machine.travel(moment, tick=False):
        sweep(now=moment)
    # (the `approvals.deemed_approved` row is the proposal too: its kind implies accountability.propose)
    proposal = Event.objects.get(kind="approvals.deemed_approved", subject_type="approvals.application",
                                 subject_id=app.pk)
    assert proposal.payload["person_id"] == clerk_a2.pk
    case = AccountabilityCase.objects.get(source="deemed_approval", subject_id=app.pk)
    assert case.person == clerk_a2


def test_only_the_head_of_the_unit_may_reassign(org, app, clerk_a2):  # R27
    for outsider in (org.clerk_a, org.head_b, org.office):
        with pytest.raises(PermissionDenied, match="只有本单位负责人可以改派承办人"):
            services.application_reassign(actor=outsider, application=app, to_user=clerk_a2, reason="调整分工")
    assert _unchanged(app, org)


def _inactive_clerk(org):
    user = make_user(Role.CLERK, unit=org.unit_a, full_name="已调离")
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


@pytest.mark.parametrize("target", ["clerk_b", "head_a", "inactive", "none"])
def test_the_target_must_be_an_active_clerk_of_the_unit(org, app, target):
    to_user = {"clerk_b": lambda: org.clerk_b, "head_a": lambda: org.head_a, "none": lambda: None,
               "inactive": lambda: _inactive_clerk(org)}[target]()
    with pytest.raises(ValidationError) as exc:
        services.application_reassign(actor=org.head_a, application=app, to_user=to_user, reason="调整分工")
    assert exc.value.message_dict["to_user"] == ["改派对象须为本单位在岗的经办人。"]
    assert _unchanged(app, org)


def test_it_refuses_the_current_handler_and_an_empty_reason(org, app, clerk_a2):
    with pytest.raises(ValidationError) as exc:
        services.application_reassign(actor=org.head_a, application=app, to_user=org.clerk_a, reason="x")
    assert "已是该办件的承办人" in exc.value.message_dict["to_user"][0]
    with pytest.raises(ValidationError) as exc:
        services.application_reassign(actor=org.head_a, application=app, to_user=clerk_a2, reason="  ")
    assert exc.value.message_dict == {"reason": ["改派承办人必须说明理由。"]}
    assert _unchanged(app, org)


def test_a_closed_application_cannot_be_reassigned(org, app, clerk_a2):
    services.application_decide(actor=org.clerk_a, application=app, outcome=Status.APPROVED)
    with pytest.raises(ValidationError, match="已办结"):
        services.application_reassign(actor=org.head_a, application=app, to_user=clerk_a2, reason="调整分工")
    assert _unchanged(app, org)


def test_an_application_awaiting_materials_can_be_reassigned(org, clerk_a2):  # R19
    with time_machine.travel(MONDAY, tick=False):
        waiting, _ = receive(org, make_item(org), missing=1)
    services.application_reassign(actor=org.head_a, application=waiting, to_user=clerk_a2, reason="窗口轮岗")
    waiting.refresh_from_db()
    assert waiting.status == Status.RECEIVED and waiting.owner == clerk_a2
    assert "待受理" in Event.objects.get(kind="approvals.handler_reassigned").message


# --- the page ---------------------------------------------------------------------------------


def test_the_head_reassigns_from_the_application_page(org, app, clerk_a2, client):  # R27
    client.force_login(org.clerk_a)
    assert 'id="reassign"' not in client.get(reverse("approvals:application", args=[app.pk])).content.decode()
    client.force_login(org.head_a)
    page = client.get(reverse("approvals:application", args=[app.pk])).content.decode()
    assert 'id="reassign"' in page and "周经办" in page and "王经办" not in page
    response = client.post(reverse("approvals:reassign", args=[app.pk]), {"to_user": clerk_a2.pk, "reason": "调整分工"},
                           follow=True)
    page = response.content.decode()
    assert "已改派承办人" in page and "调整分工" in page  # the message, and the reason on the timeline
    app.refresh_from_db()
    assert app.owner == clerk_a2 and app.first_handler == org.clerk_a


def test_the_page_refuses_with_a_message_and_another_units_head_gets_404(org, app, clerk_a2, client):
    url = reverse("approvals:reassign", args=[app.pk])
    client.force_login(org.head_b)
    assert client.post(url, {"to_user": clerk_a2.pk, "reason": "调整分工"}).status_code == 404
    client.force_login(org.clerk_a)
    page = client.post(url, {"to_user": clerk_a2.pk, "reason": "调整分工"}, follow=True).content.decode()
    assert "只有本单位负责人可以改派承办人" in page
    client.force_login(org.head_a)
    for data, message in (({"to_user": org.clerk_b.pk, "reason": "调整分工"}, "改派对象须为本单位在岗的经办人"),
                          ({"to_user": "abc", "reason": "调整分工"}, "改派对象须为本单位在岗的经办人"),
                          ({"to_user": clerk_a2.pk, "reason": ""}, "改派承办人必须说明理由")):
        assert message in client.post(url, data, follow=True).content.decode()
    assert _unchanged(app, org)


# --- the API ----------------------------------------------------------------------------------


def test_the_api_reassigns_and_refuses_like_the_page(org, app, clerk_a2, client):
    url = f"/api/v1/approvals/applications/{app.pk}/reassign/"

    def post(user, body):
        client.force_login(user)
        return client.post(url, body, content_type="application/json")

    assert post(org.head_b, {"to_user": clerk_a2.pk, "reason": "x"}).status_code == 404
    forbidden = post(org.clerk_a, {"to_user": clerk_a2.pk, "reason": "x"})
    assert forbidden.status_code == 403 and "只有本单位负责人" in forbidden.json()["error"]["message"]
    bad = post(org.head_a, {"to_user": org.clerk_b.pk, "reason": ""})
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"to_user", "reason"}
    assert post(org.head_a, {"to_user": "abc", "reason": "x"}).status_code == 400
    assert _unchanged(app, org)
    ok = post(org.head_a, {"to_user": clerk_a2.pk, "reason": "调整分工"})
    assert ok.status_code == 200 and ok.json()["owner"] == clerk_a2.pk and ok.json()["first_handler"] == org.clerk_a.pk
    services.application_decide(actor=clerk_a2, application=Application.objects.get(pk=app.pk), outcome=Status.APPROVED)
    closed = post(org.head_a, {"to_user": org.clerk_a.pk, "reason": "调整分工"})
    assert closed.status_code == 400 and "已办结" in closed.json()["error"]["message"]
