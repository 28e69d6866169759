"""超时默认 for many applications in one sweep: exactly once, and a fixed number of statements per
application (no N+1 read). Its speed is measured by bench/approvals.py, not here."""

from collections import defaultdict
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accountability.models import AccountabilityCase
from approvals.models import Application, Status
from efficiency import registry
from efficiency.models import AuditLog, Event
from efficiency.sweep import sweep_model

from .helpers import MONDAY, make_item, receive

pytestmark = pytest.mark.django_db

# What the core's per-item API costs per deemed application: clock_close (UPDATE + clock.closed),
# approvals.deemed_approved, approvals.decided, accountability.propose, the audit row.
PER_APPLICATION = 6


def _accepted(org, n: int, code: str):
    """n accepted applications of an item with 超时默认, due at the same moment (copies of one)."""
    item = make_item(org, deemed=True, code=code)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    fields = {f.attname: getattr(app, f.attname) for f in Application._meta.concrete_fields if not f.primary_key}
    Application.objects.bulk_create(
        [Application(**{**fields, "receipt_number": f"{code}-{i:04d}"}) for i in range(n - 1)])
    return app.due_at + timedelta(minutes=1)


def _statements(moment) -> int:
    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as ctx:
        sweep_model(Application, now=moment)
    return len(ctx.captured_queries)


def test_one_sweep_deems_many_applications_with_a_fixed_number_of_statements_each(org, monkeypatch):  # R17
    # The approvals app's own statements: other apps' subscribers (accountability, dashboards) off.
    monkeypatch.setattr(registry, "_subscribers", defaultdict(list))
    two = _statements(_accepted(org, 2, "A"))
    seven = _statements(_accepted(org, 7, "B"))
    # The batch's own statements (probe, claim, one read of the claimed rows, the steps) are the
    # same for 2 and 7; each further application costs exactly the core's per-item calls.
    assert seven - two == 5 * PER_APPLICATION
    assert Application.objects.filter(status=Status.DEEMED_APPROVED).count() == 9


def test_two_sweeps_of_many_applications_give_one_notice_one_proposal_and_one_case_each(org):  # R17
    moment = _accepted(org, 25, "C")
    with time_machine.travel(moment, tick=False):
        assert sweep_model(Application, now=moment) == 25
    later = moment + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        assert sweep_model(Application, now=later) == 0
        # A second worker handed the same transitions again claims nothing.
        from approvals.services import application_deem_approved

        assert application_deem_approved(list(Application.objects.values_list("pk", flat=True)), now=later) == []
    ids = set(Application.objects.values_list("pk", flat=True))
    assert Application.objects.filter(status=Status.DEEMED_APPROVED, decided_at=moment).count() == 25
    for kind in ("approvals.deemed_approved", "approvals.decided", "accountability.propose", "clock.closed"):
        rows = Event.objects.filter(kind=kind, subject_type="approvals.application")
        assert sorted(rows.values_list("subject_id", flat=True)) == sorted(ids), kind
    cases = AccountabilityCase.objects.filter(source="deemed_approval", subject_type="approvals.application")
    assert sorted(cases.values_list("subject_id", flat=True)) == sorted(ids)
    assert AuditLog.objects.filter(action="appr.deemed").count() == 25
