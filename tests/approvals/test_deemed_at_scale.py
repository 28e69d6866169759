"""超时默认 for many applications in one sweep: exactly once, and a fixed number of statements per
application (no N+1 read). Its speed is measured by bench/approvals.py, not here."""

from datetime import timedelta

import pytest
import time_machine
from django.db.models import Sum

from accountability.models import AccountabilityCase
from approvals.models import Application, Status
from dashboards.models import UnitDayCounter
from efficiency.models import AuditLog, Event
from efficiency.sweep import SMALL, sweep_model

from .helpers import MONDAY, make_item, receive

pytestmark = pytest.mark.django_db

# 超时默认 for a sweep batch, with every subscriber on (accountability's cases, the dashboards'
# counters): the probe, the claim with its breach events, and ONE statement for the rest
# (`approvals.services._deem_approved`: the breach time read in it, the claim closing the clocks
# with eligibility checked on the row, the `approvals.deemed_approved` events, what their batch
# subscribers do in SQL — the counters, the cases (units, people, heads joined, numbered in
# it), their `cases.opened` events, their counters, their audit rows — the applications' audit
# rows and the read of their pending steps): 3 statements, as the floor of bench/approvals.py,
# and the calendar's version may be read once (the sweep's process cache): 4. At 1,000 due (the
# sweep's SMALL) the sweep counts the wave first and sets its planner settings: 6 more, once per
# batch, whatever its size. The handler itself is one statement at 10 and at 1,000 applications
# (issue 17).
DEEMED_QUERIES = 4
WAVE_QUERIES = 6


def _accepted(org, n: int, code: str):
    """n accepted applications of an item with 超时默认, due at the same moment (copies of one)."""
    item = make_item(org, deemed=True, code=code)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    fields = {f.attname: getattr(app, f.attname) for f in Application._meta.concrete_fields if not f.primary_key}
    Application.objects.bulk_create(
        [Application(**{**fields, "receipt_number": f"{code}-{i:04d}"}) for i in range(n - 1)])
    return app.due_at + timedelta(minutes=1)


@pytest.mark.parametrize("n", [10, 1000])
def test_r17_deemed_approval_is_set_based_the_same_statements_for_10_and_1000(org, n, django_assert_max_num_queries):
    """R17 at scale: one sweep batch deems every application approved in a constant number of
    statements, none per application (issue 17: ≤ 3× a plain clock's transition needs it)."""
    moment = _accepted(org, n, "A")
    bound = DEEMED_QUERIES + (WAVE_QUERIES if n >= SMALL else 0)
    with time_machine.travel(moment, tick=False), django_assert_max_num_queries(bound):
        assert sweep_model(Application, now=moment) == n
    assert Application.objects.filter(status=Status.DEEMED_APPROVED).count() == n
    assert AccountabilityCase.objects.filter(source="deemed_approval").count() == n
    assert AuditLog.objects.filter(action="appr.deemed").count() == n


@pytest.mark.parametrize("n", [10, 1000])
def test_r17_deemed_approval_of_a_batch_is_one_statement(org, n, django_assert_num_queries):
    """R17: the claim, the events, the cases with their events, the counters and the audit rows
    of a whole batch in one statement (writable CTEs), whatever its size."""
    from approvals.services import application_deem_approved

    moment = _accepted(org, n, "B")
    ids = list(Application.objects.values_list("pk", flat=True))
    with time_machine.travel(moment, tick=False), django_assert_num_queries(1):
        assert len(application_deem_approved(ids, now=moment)) == n
    assert AccountabilityCase.objects.filter(source="deemed_approval").count() == n
    assert Event.objects.filter(kind="cases.opened").count() == n
    assert AuditLog.objects.filter(action="create", object_type="accountability.accountabilitycase").count() == n
    assert AuditLog.objects.filter(action="appr.deemed").count() == n
    counted = dict(UnitDayCounter.objects.values_list("kind").annotate(n=Sum("count")))
    assert counted["approvals.deemed_approved"] == n and counted["cases.opened"] == n


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
    # One row each, which is also the decision, the late close and the proposal (it implies
    # approvals.decided, clock.closed and accountability.propose; no separate rows for them).
    rows = Event.objects.filter(kind="approvals.deemed_approved", subject_type="approvals.application")
    assert sorted(rows.values_list("subject_id", flat=True)) == sorted(ids)
    assert all(p["outcome"] == "deemed" and p["late"] and p["source"] == "deemed_approval"
               for p in rows.values_list("payload", flat=True))
    assert not Event.objects.filter(kind__in=["approvals.decided", "clock.closed", "accountability.propose"],
                                    subject_type="approvals.application").exists()
    cases = AccountabilityCase.objects.filter(source="deemed_approval", subject_type="approvals.application")
    assert sorted(cases.values_list("subject_id", flat=True)) == sorted(ids)
    assert AuditLog.objects.filter(action="appr.deemed").count() == 25
