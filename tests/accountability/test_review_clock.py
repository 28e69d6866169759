"""The office's review of a unit's reply runs on its own clock (R26, rule `complaint.review`,
3 working days): on time → done; late → carded once, the card told to the leader (not to the
office, whose own card it is) and the office told by this app; sent back to the unit → the
unit's reply clock again; about the office → the leader's clock."""

from datetime import datetime, timedelta
from importlib import import_module

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from accountability import services
from accountability.models import AccountabilityCase, Complaint, ComplaintReview
from efficiency.models import Event, Notification, Rung, TimeLimitRule
from efficiency.notifications import notifications_fan_out
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI

from .conftest import file_complaint

pytestmark = pytest.mark.django_db

ASSIGNED = datetime(2025, 11, 3, 9, 0, tzinfo=SHANGHAI)  # a Monday
REPLIED = datetime(2025, 11, 5, 10, 0, tzinfo=SHANGHAI)  # Wednesday
REVIEW_DUE = datetime(2025, 11, 10, 23, 59, 59, tzinfo=SHANGHAI)  # Thu, Fri, Mon: 3 working days


def replied(org, *, subject=None, handler=None) -> Complaint:
    """A complaint about unit A (or `subject`), handed to unit A on Monday, answered Wednesday."""
    handler = handler or org.office
    c = file_complaint(subject or org.unit_a).complaint
    with time_machine.travel(ASSIGNED, tick=False):
        services.complaint_accept(complaint=c, actor=handler)
        c = services.complaint_assign(complaint=c, actor=handler, unit=org.unit_a)
    with time_machine.travel(REPLIED, tick=False):
        return services.complaint_unit_reply(complaint=c, actor=org.head_a, reply="经核查属实，已当场办结并致歉。")


def review_of(c: Complaint) -> ComplaintReview:
    return ComplaintReview.objects.get(complaint=c)


def test_a_unit_reply_starts_the_offices_3_workday_review_clock(org):  # R26
    c = replied(org)
    assert c.status == Complaint.Status.REPLIED
    assert (c.closed_at, c.clock_state) == (REPLIED, "done")  # the unit's reply step keeps its record
    review = review_of(c)
    assert review.time_rule.code == "complaint.review" and review.is_open
    assert review.due_at == REVIEW_DUE
    # The office is the one on the clock: its member who handed the complaint out, and its unit.
    assert (review.owner, review.unit) == (org.office, org.office_unit)
    assert c.assignments.get().assigned_by == org.office
    notice = Event.objects.get(kind="complaints.unit_replied", subject_id=c.pk)
    assert notice.recipients == ["office"] and "2025-11-10" in notice.message


def test_a_reply_sent_to_the_citizen_in_time_closes_the_review_on_time(org):  # R26
    c = replied(org)
    with time_machine.travel(REVIEW_DUE - timedelta(seconds=1), tick=False):
        c = services.complaint_send_reply(complaint=c, actor=org.office)
    review = review_of(c)
    assert (review.clock_state, review.outcome, review.breach_level) == ("done", "sent", Rung.NONE)
    assert review.closed_at == REVIEW_DUE - timedelta(seconds=1)
    assert c.status == Complaint.Status.ANSWERED and c.open_review is None
    assert Event.objects.filter(kind="clock.closed", subject_type="accountability.complaintreview",
                                subject_id=review.pk).count() == 1
    sweep(now=REVIEW_DUE + timedelta(days=30))  # a closed review is never carded
    review.refresh_from_db()
    assert review.breach_level == Rung.NONE
    assert not Event.objects.filter(kind="complaints.review_overdue").exists()


def test_an_office_sitting_on_a_reply_is_carded_once_and_the_leader_is_told(org):  # R26
    c = replied(org)
    review = review_of(c)
    sweep(now=REVIEW_DUE - timedelta(seconds=1))  # T−1 s: 提示 only
    review.refresh_from_db()
    assert review.breach_level == Rung.HINT
    assert not Event.objects.filter(kind="complaints.review_overdue").exists()
    for _ in range(2):  # T+1 s, twice: one card, one notice
        sweep(now=REVIEW_DUE + timedelta(seconds=1))
    review.refresh_from_db()
    assert (review.breach_level, review.clock_state) == (Rung.YELLOW, "overdue")
    card = Event.objects.get(kind="clock.breach", subject_type="accountability.complaintreview", level_to=Rung.YELLOW)
    assert (card.unit_id, card.owner_id) == (org.office_unit.pk, org.office.pk)  # the office is late, not unit A
    # The office's own card is not told to the office as a unit's would be, but to the leader.
    assert card.recipients == ["owner", "head", "leader"]
    overdue = Event.objects.get(kind="complaints.review_overdue")
    assert overdue.subject_id == c.pk and overdue.recipients == ["office"]
    assert overdue.payload == {"review_id": review.pk, "rung": Rung.YELLOW}
    notifications_fan_out()
    told = set(Notification.objects.filter(event__in=[card, overdue], channel="inbox").values_list("user", flat=True))
    assert told == {org.office.pk, org.leader.pk}  # never unit A's head or clerk
    # The complaint itself (the unit's step) is untouched, and no case is proposed against unit A.
    c.refresh_from_db()
    assert (c.breach_level, c.clock_state) == (Rung.NONE, "done")
    sweep(now=review.red_at + timedelta(seconds=1))
    review.refresh_from_db()
    assert review.breach_level == Rung.RED
    assert Event.objects.filter(kind="complaints.review_overdue").count() == 2
    red = Event.objects.get(kind="clock.breach", subject_type="accountability.complaintreview", level_to=Rung.RED)
    assert red.recipients == ["owner", "head", "leader"]  # the default red card would tell the office
    assert not AccountabilityCase.objects.exists()
    with time_machine.travel(review.red_at + timedelta(hours=1), tick=False):
        services.complaint_send_reply(complaint=c, actor=org.office)
    review.refresh_from_db()
    assert (review.clock_state, review.outcome) == ("done_late", "sent")


def test_sending_the_reply_back_closes_the_review_and_restarts_the_units_reply_clock(org):  # R26
    c = replied(org)
    with time_machine.travel(REPLIED + timedelta(days=1), tick=False):
        c = services.complaint_rework(complaint=c, actor=org.office, reason="答复未说明处理结果")
    review = review_of(c)
    assert (review.clock_state, review.outcome) == ("done", "rework")
    # As before: the unit's reply clock (complaint.reply, 10 working days) runs again.
    assert c.status == Complaint.Status.ASSIGNED and c.is_open and c.time_rule.code == "complaint.reply"
    assert c.due_at == datetime(2025, 11, 20, 23, 59, 59, tzinfo=SHANGHAI)
    assert c.open_review is None and c.step_clock == c
    c = services.complaint_unit_reply(complaint=c, actor=org.head_a, reply="补充说明处理结果")
    assert c.reviews.count() == 2 and c.reviews.filter(closed_at__isnull=True).count() == 1


def test_acting_twice_or_out_of_turn_on_a_review_is_refused(org):
    c = replied(org)
    with pytest.raises(PermissionDenied, match="效能办"):
        services.complaint_send_reply(complaint=c, actor=org.head_a)  # the unit cannot pass its own reply
    assert review_of(c).is_open
    with time_machine.travel(REPLIED + timedelta(hours=1), tick=False):
        services.complaint_send_reply(complaint=c, actor=org.office)
    with pytest.raises(ValidationError, match="状态"):
        services.complaint_send_reply(complaint=c, actor=org.office)
    with pytest.raises(ValidationError, match="状态"):
        services.complaint_rework(complaint=c, actor=org.office, reason="再改")
    review = review_of(c)
    assert (review.outcome, review.clock_state) == ("sent", "done")
    assert Event.objects.filter(kind="clock.closed", subject_type="accountability.complaintreview").count() == 1


def test_a_complaint_about_the_office_is_reviewed_on_the_leaders_clock(org):  # R26
    c = replied(org, subject=org.office_unit, handler=org.leader)
    review = review_of(c)
    assert c.about_office and (review.owner, review.unit) == (org.leader, org.leader.unit)
    sweep(now=REVIEW_DUE + timedelta(seconds=1))
    overdue = Event.objects.get(kind="complaints.review_overdue", subject_id=c.pk)
    assert overdue.recipients == ["office"]  # the office above, if any: the fan-out leaves out the office (回避)
    notifications_fan_out()
    card = Event.objects.get(kind="clock.breach", subject_type="accountability.complaintreview")
    assert card.recipients == ["owner", "head", "leader"]  # the leader hears of it through the card
    told = set(Notification.objects.filter(event__in=[card, overdue], channel="inbox").values_list("user", flat=True))
    assert told == {org.leader.pk}
    with pytest.raises(PermissionDenied, match="领导"):
        services.complaint_send_reply(complaint=c, actor=org.office)
    with time_machine.travel(REVIEW_DUE + timedelta(hours=1), tick=False):
        services.complaint_send_reply(complaint=c, actor=org.leader)
    review.refresh_from_db()
    assert (review.clock_state, review.outcome) == ("done_late", "sent")


def test_the_review_rule_is_seeded_and_survives_a_flush_that_restores_only_the_cores_rules(org):  # R26
    seeded = TimeLimitRule.objects.get(code="complaint.review")  # migration 0004
    assert (seeded.limit_value, seeded.limit_unit, seeded.red_after_workdays) == (3, "wd", 1)
    assert seeded.accountability_after_workdays is None
    # What tests/conftest.py does after a transactional test's flush: the core's rules only.
    TimeLimitRule.objects.all().delete()
    import_module("efficiency.migrations.0002_seed_calendar_rules_audit_trigger").seed(apps, None)
    assert TimeLimitRule.objects.filter(code="complaint.reply").exists()
    assert not TimeLimitRule.objects.filter(code="complaint.review").exists()
    c = replied(org)
    assert review_of(c).due_at == REVIEW_DUE
    assert TimeLimitRule.objects.get(code="complaint.review").limit_value == 3


def test_an_administrators_change_to_the_review_rule_is_kept(org):  # R26
    TimeLimitRule.objects.filter(code="complaint.review").update(limit_value=5)
    c = replied(org)
    assert review_of(c).due_at == datetime(2025, 11, 12, 23, 59, 59, tzinfo=SHANGHAI)


def test_pages_and_api_show_the_review_deadline(client, org):  # R26
    c = replied(org)
    sweep(now=REVIEW_DUE + timedelta(seconds=1))
    client.force_login(org.office)
    page = client.get(c.get_absolute_url()).content.decode()
    assert 'id="card"' in page and "2025-11-10" in page and "效能办审核单位答复" in page
    assert "审核" in client.get("/accountability/complaints/").content.decode()
    body = client.get(f"/api/v1/accountability/complaints/{c.pk}/").json()
    assert body["review"]["due_at"].startswith("2025-11-10") and body["review"]["breach_level"] == Rung.YELLOW
    listed = client.get("/api/v1/accountability/complaints/").json()["results"][0]
    assert listed["review"]["id"] == review_of(c).pk
    assert client.get(f"/dashboards/item/accountability.complaintreview/{review_of(c).pk}/").status_code == 200
    sent = client.post(f"/api/v1/accountability/complaints/{c.pk}/send-reply/", {}, content_type="application/json")
    assert sent.status_code == 200 and sent.json()["review"] is None
    assert review_of(c).outcome == "sent"


def test_the_citizen_sees_the_review_deadline_while_the_office_reviews(org):  # R26
    from accountability.queries import complaint_public

    c = replied(org)
    # Never earlier than the office's review deadline (nor than any deadline shown before it:
    # tests/accountability/test_citizen_deadline.py).
    assert complaint_public(c)["due_at"] >= REVIEW_DUE
    c = services.complaint_send_reply(complaint=c, actor=org.office)
    assert complaint_public(c)["due_at"] is None


def test_another_unit_cannot_see_or_pass_a_reply_under_review(client, org):
    c = replied(org)
    client.force_login(org.clerk_b)
    assert client.get(c.get_absolute_url()).status_code == 404
    assert client.post(f"/api/v1/accountability/complaints/{c.pk}/send-reply/", {}).status_code == 404
    assert client.get(f"/dashboards/item/accountability.complaintreview/{review_of(c).pk}/").status_code == 404
    assert review_of(c).is_open


def test_the_office_list_orders_reviews_and_other_steps_by_their_due_dates(client, org):
    with time_machine.travel(datetime(2025, 11, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        sooner = file_complaint(org.unit_b).complaint  # acceptance due 6 Nov
    c = replied(org)  # review due 10 Nov
    with time_machine.travel(datetime(2025, 11, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        later = file_complaint(org.unit_b).complaint  # acceptance due 13 Nov
    client.force_login(org.office)
    page = client.get("/accountability/complaints/").content.decode()
    assert page.index(sooner.tracking_number) < page.index(c.tracking_number) < page.index(later.tracking_number)
