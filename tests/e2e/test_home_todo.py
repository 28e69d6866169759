"""A clerk's day starts at the home page: the to-do says one assignment waits to be signed for;
its link opens the work list with exactly that item; the clerk opens it and signs for it, and
back home it has moved from 待签收 to 待办理. A leader sees the red card on the home page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from efficiency.models import Rung
from supervision import services
from supervision.models import AssignmentKind, AssignmentTarget

from .conftest import login_as, shot


def _assignment(org, title, unit):
    return services.assignment_create(
        actor=org.office, kind=AssignmentKind.MEETING, title=title, source_text="市政府第 12 次常务会议决定。",
        issuing_leader="刘市长", lead_unit=unit)


def _count(page, key) -> int:
    return int(page.locator(f"a[data-todo='{key}'] .todo-count").inner_text())


@pytest.mark.django_db(transaction=True)
def test_a_clerk_goes_from_the_home_to_do_to_the_item_and_signs_for_it(page, live_server, org):
    mine = _assignment(org, "关于推进不动产登记一窗受理的决定", org.unit_a)
    _assignment(org, "关于市场主体年报的决定", org.unit_b)

    login_as(page, live_server, "clerk_a")
    page.goto(f"{live_server.url}/")
    assert _count(page, "supervision.targets.sign") == 1 and _count(page, "supervision.targets.work") == 0
    shot(page, "home_clerk_todo")

    page.click("a[data-todo='supervision.targets.sign']")
    page.wait_for_selector("#work-list")
    rows = page.locator("#work-list tbody tr")
    assert rows.count() == 1 and mine.title in rows.first.inner_text()  # unit B's item is not listed

    rows.first.locator(f"a:has-text('{mine.title}')").click()
    page.wait_for_selector("#targets")
    page.locator("form[data-action=acknowledge] button[type=submit]").first.click()
    page.wait_for_load_state()
    assert AssignmentTarget.objects.get(assignment=mine).status == AssignmentTarget.Status.HANDLING

    page.goto(f"{live_server.url}/")
    assert _count(page, "supervision.targets.sign") == 0 and _count(page, "supervision.targets.work") == 1


@pytest.mark.django_db(transaction=True)
def test_a_leader_sees_a_red_card_on_the_home_page_and_opens_it(page, live_server, org):
    late = _assignment(org, "关于整治窗口推诿扯皮的批示", org.unit_b)
    AssignmentTarget.objects.filter(assignment=late).update(
        due_at=timezone.now() - timedelta(days=3), breach_level=Rung.RED)

    login_as(page, live_server, "leader")
    page.goto(f"{live_server.url}/")
    assert page.locator("#alerts").is_visible()
    assert _count(page, "supervision.targets.red") == 1
    page.click("a[data-todo='supervision.targets.red']")
    page.wait_for_selector("#work-list")
    assert late.title in page.locator("#work-list tbody").inner_text()
    shot(page, "home_leader_red_list")


@pytest.mark.django_db(transaction=True)
def test_a_leader_is_told_of_a_red_card_in_the_inbox_and_opening_it_marks_it_read(page, live_server, org):
    """The sweep's red card reaches the leader of the item's region (issue #15: leaders were told
    nothing); the inbox lists it unread, opening it leads to the item and marks it read."""
    import time_machine

    from efficiency.models import Notification
    from efficiency.notifications import notifications_fan_out
    from efficiency.sweep import sweep

    with time_machine.travel(timezone.now() - timedelta(days=30), tick=False):
        late = _assignment(org, "关于整治窗口推诿扯皮的批示", org.unit_b)
    target = AssignmentTarget.objects.get(assignment=late)
    sweep(now=target.red_at)
    notifications_fan_out()
    card = Notification.objects.get(user=org.leader, channel="inbox", event__kind="clock.breach")
    assert card.read_at is None

    login_as(page, live_server, "leader")
    page.goto(f"{live_server.url}/inbox/")
    item = page.locator("li.unread", has_text="红牌")
    assert item.count() == 1
    item.locator("a").first.click()
    page.wait_for_load_state()
    assert late.title in page.content()
    card.refresh_from_db()
    assert card.read_at is not None
    shot(page, "inbox_leader_red_card")
