"""The home page's to-do per role: counts within the user's scope, each linking to a list of
exactly the counted items, in a fixed number of queries; opening a message marks it read."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accountability import services as complaints
from accountability.models import Category, Complaint
from approvals.models import Application, Status
from efficiency.models import Event, Notification, Rung
from supervision import services as supervision
from supervision.models import AssignmentKind, AssignmentTarget
from tests.approvals.helpers import make_item, receive

pytestmark = pytest.mark.django_db

TS = AssignmentTarget.Status


def _target(org, title, unit, *, status, due_in_days, rung=Rung.NONE):
    """A dispatched assignment whose target is put straight into the state a test needs."""
    item = supervision.assignment_create(
        actor=org.office, kind=AssignmentKind.MEETING, title=title, source_text="市政府常务会议决定。",
        issuing_leader="刘市长", lead_unit=unit)
    target = item.targets.get()
    AssignmentTarget.objects.filter(pk=target.pk).update(
        status=status, due_at=timezone.now() + timedelta(days=due_in_days), breach_level=rung)
    return item


@pytest.fixture
def seeded(org):
    """Five assignments (four at unit A, one at unit B), one complaint at unit A, one application
    received at unit A. Titles are unique so a list page can be read for them."""
    items = {
        "甲签收件": _target(org, "甲签收件", org.unit_a, status=TS.ASSIGNED, due_in_days=2),
        "甲超期件": _target(org, "甲超期件", org.unit_a, status=TS.HANDLING, due_in_days=-2, rung=Rung.RED),
        "甲部署件": _target(org, "甲部署件", org.unit_a, status=TS.DEPLOYED, due_in_days=10),
        "甲反馈件": _target(org, "甲反馈件", org.unit_a, status=TS.FED_BACK, due_in_days=20),
        "乙督办件": _target(org, "乙督办件", org.unit_b, status=TS.ASSIGNED, due_in_days=-9, rung=Rung.NOTICE),
    }
    filed = complaints.complaint_file(category=Category.SLOW, subject_unit=org.unit_a,
                                      description="窗口办理营业执照拖了一个月还没办好", place="市政务服务中心",
                                      is_anonymous=True)
    c = complaints.complaint_accept(complaint=filed.complaint, actor=org.office)
    complaints.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)
    receive(org, make_item(org))
    return items


def _counts(client, user) -> dict[str, int]:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    return {key: int(n) for key, n in re.findall(
        r'data-todo="([\w.]+)"[^>]*>.*?<span class="todo-count[^"]*">(\d+)</span>', html)}


def test_a_clerks_home_counts_only_the_items_of_their_unit(client, org, seeded):
    counts = _counts(client, org.clerk_a)
    assert {k: v for k, v in counts.items() if k.startswith("supervision.targets.")} == {
        "supervision.targets.sign": 1, "supervision.targets.work": 2, "supervision.targets.soon": 1,
        "supervision.targets.overdue": 1}
    # no key project (R51) or hard problem (R62) of the unit's team: their lines count nothing
    assert {v for k, v in counts.items() if k.startswith(("supervision.procedures.", "supervision.milestones."))} == {0}
    assert counts["accountability.complaints.work"] == 1
    assert Application.objects.get().status == Status.ACCEPTED  # complete materials: accepted at once
    assert counts["approvals.applications.work"] == 1 and counts["approvals.applications.receive"] == 0
    assert not any(".red" in k or ".notice" in k or ".review" in k and k.startswith("supervision") for k in counts)


def test_the_outsiders_home_counts_only_unit_b(client, org, seeded):
    counts = _counts(client, org.clerk_b)
    assert counts["supervision.targets.sign"] == 1 and counts["supervision.targets.overdue"] == 1
    assert counts["supervision.targets.work"] == 0
    assert counts["accountability.complaints.work"] == 0 and counts["approvals.applications.work"] == 0


def test_the_office_sees_feedback_to_review_and_the_red_cards_and_duban_of_every_unit(client, org, seeded):
    counts = _counts(client, org.office)
    assert counts["supervision.targets.review"] == 1
    assert counts["supervision.targets.overdue"] == 2
    assert counts["supervision.targets.red"] == 2 and counts["supervision.targets.notice"] == 1
    assert "supervision.targets.sign" not in counts  # signing for is the unit's work, not the office's
    assert counts["accountability.complaints.accept"] == 0


def test_a_leader_sees_the_red_cards_and_duban_but_reviews_nothing(client, org, seeded):
    counts = _counts(client, org.leader)
    assert counts["supervision.targets.red"] == 2 and counts["supervision.targets.notice"] == 1
    assert not any(k.endswith(".review") for k in counts)
    html = client.get(reverse("home")).content.decode()
    assert 'id="alerts"' in html


def test_a_red_card_closed_since_is_no_longer_counted(client, org, seeded):
    AssignmentTarget.objects.filter(assignment=seeded["甲超期件"]).update(closed_at=timezone.now(), status=TS.CLOSED)
    assert _counts(client, org.office)["supervision.targets.red"] == 1


@pytest.mark.parametrize("who", ["clerk_a", "clerk_b", "head_a", "office", "leader"])
def test_each_supervision_link_lists_exactly_the_counted_items(client, org, seeded, who):
    client.force_login(getattr(org, who))
    home = client.get(reverse("home")).context
    lines = [line for group in home["todo"] + home["alerts"] for line in group
             if line.source.key == "supervision.targets"]
    assert lines
    for line in lines:
        html = client.get(line.url).content.decode()
        listed = {title for title in seeded if title in html}
        expected = set(line.source.items(getattr(org, who)).filter(
            line.source.where(dict(line.todo.params), timezone.now())).values_list("assignment__title", flat=True))
        assert listed == expected and len(listed) == line.count, line.url


def test_the_complaint_and_application_links_list_the_counted_items(client, org, seeded):
    complaint = Complaint.objects.get()
    client.force_login(org.clerk_a)
    home = client.get(reverse("home")).context["todo"]
    line = next(ln for group in home for ln in group if ln.key == "accountability.complaints.work")
    assert complaint.tracking_number in client.get(line.url).content.decode()
    complaints_url = line.url
    line = next(ln for group in home for ln in group if ln.key == "approvals.applications.work")
    assert "鄂州市某某置业有限公司" in client.get(line.url).content.decode()
    client.force_login(org.clerk_b)
    assert complaint.tracking_number not in client.get(complaints_url).content.decode()
    assert "鄂州市某某置业有限公司" not in client.get(line.url).content.decode()


def test_a_bad_rating_is_on_the_heads_to_do_to_call_back_and_not_on_unit_bs(client, org):
    from approvals import services as approvals

    app, _code = receive(org, make_item(org))
    approvals.application_decide(actor=org.clerk_a, application=app, outcome=Status.APPROVED)
    approvals.rating_submit(application=app, score=1, comment="窗口态度差")
    assert _counts(client, org.head_a)["approvals.followups.followup"] == 2  # call back, and fix
    assert _counts(client, org.head_b)["approvals.followups.followup"] == 0
    assert "approvals.followups.followup" not in _counts(client, org.clerk_a)  # the head's and the office's
    response = client.get(reverse("approvals:index"))
    assert response.content.decode().count("窗口态度差") == 0  # the clerk's window page has no follow-ups
    client.force_login(org.head_a)
    page = client.get(reverse("approvals:index")).content.decode()
    assert 'id="followups"' in page and page.count("窗口态度差") == 2


def test_the_api_filters_the_work_list_by_rung_like_the_page(org, seeded):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(org.office)
    assert api.get("/api/v1/supervision/targets/?rung=3").json()["count"] == 2
    assert api.get("/api/v1/supervision/targets/?rung=4").json()["count"] == 1
    api.force_authenticate(org.clerk_a)
    assert api.get("/api/v1/supervision/targets/?status=working").json()["count"] == 2


def test_the_home_page_counts_in_a_fixed_number_of_queries(client, org, seeded, django_assert_max_num_queries):
    client.force_login(org.office)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for i in range(6):
        _target(org, f"追加件{i}", org.unit_b, status=TS.HANDLING, due_in_days=-1, rung=Rung.RED)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert _counts(client, org.office)["supervision.targets.red"] == 8
    assert len(many) == len(few)
    with django_assert_max_num_queries(16):  # session, user, banner, inbox, one aggregate per source
        client.get(reverse("home"))


# --- opening a message marks it read --------------------------------------------------------------


def _message(user, *, link=""):
    event = Event.objects.create(kind="test", subject_type="clocktest.timeditem", subject_id=1)
    return Notification.objects.create(event=event, user=user, recipient=f"user:{user.pk}", channel="inbox",
                                       title="【红牌】交办件超期", body="请立即办理。", link=link, status="sent")


def test_following_a_messages_link_from_the_inbox_marks_it_read(client, org):
    note = _message(org.clerk_a, link="/supervision/")
    client.force_login(org.clerk_a)
    assert reverse("inbox_open", args=[note.pk]) in client.get(reverse("inbox")).content.decode()
    response = client.get(reverse("inbox_open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/supervision/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_opening_a_message_without_link_shows_it_and_marks_it_read(client, org):
    note = _message(org.clerk_a)
    client.force_login(org.clerk_a)
    response = client.get(reverse("inbox_open", args=[note.pk]))
    assert response.status_code == 200 and "请立即办理。" in response.content.decode()
    note.refresh_from_db()
    assert note.read_at is not None


def test_another_users_message_is_not_found_and_stays_unread(client, org):
    note = _message(org.clerk_b, link="/supervision/")
    client.force_login(org.clerk_a)
    assert client.get(reverse("inbox_open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_a_message_linking_off_site_is_shown_not_followed(client, org):
    note = _message(org.clerk_a, link="https://evil.example/")
    client.force_login(org.clerk_a)
    response = client.get(reverse("inbox_open", args=[note.pk]))
    assert response.status_code == 200
    note.refresh_from_db()
    assert note.read_at is not None
