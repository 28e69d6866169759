"""R65 (2010 四 3④; 2008b 三(一)1): every approval action goes through the electronic supervision
system — recorded: each step of an application, by a person or by the sweep, leaves an audit row
(who, what, when), and an action refused leaves nothing changed."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from approvals import services
from approvals.models import Status
from efficiency.models import AuditLog

from .helpers import MONDAY, make_item, receive

pytestmark = pytest.mark.django_db


def _trail(*objs) -> list[str]:
    keys = [(o._meta.label_lower, str(o.pk)) for o in objs]
    rows = AuditLog.objects.filter(action__startswith="appr.").order_by("pk")
    return [r.action for r in rows if (r.object_type, r.object_id) in keys]


def test_r65_every_approval_action_leaves_an_audit_row_with_its_actor(org):
    item = make_item(org, joint=[org.unit_b], legal=45, committed=30)
    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, item, missing=1)
        services.application_issue_notice(actor=org.clerk_a, application=app)
        app, _code = services.application_complete(actor=org.clerk_a, application=app,
                                                   materials=list(item.materials.all()))
        step = app.steps.get()
        services.step_decide(actor=org.clerk_b, step=step, consent=True, opinion="同意")
        services.application_decide(actor=org.clerk_a, application=app, outcome=Status.APPROVED)
    assert _trail(app) == ["appr.receive", "appr.notice", "appr.accept", "appr.decide"]
    assert _trail(step) == ["appr.step"]
    rows = AuditLog.objects.filter(action__in=["appr.receive", "appr.decide"], object_id=str(app.pk))
    assert {r.actor_id for r in rows} == {org.clerk_a.pk}


def test_r65_a_refused_action_changes_nothing_and_records_no_decision(org):
    item = make_item(org)
    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, item)
    with pytest.raises(PermissionDenied):
        services.application_decide(actor=org.clerk_b, application=app, outcome=Status.APPROVED)
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED and _trail(app) == ["appr.receive", "appr.accept"]
