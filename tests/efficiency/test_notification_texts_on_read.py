"""Issue 17: the fan-out writes deliveries without their texts; the texts are rendered from the
event when read — the inbox page, its search, the API, the export, the e-mail sent — in a
constant number of queries per page or chunk. Deliveries written with texts keep them."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from rest_framework.test import APIClient

from efficiency import clocks
from efficiency.clocks import Limit
from efficiency.events import event_emit
from efficiency.models import Event, Notification
from efficiency.notifications import notifications_fan_out, notifications_send
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem
from tests.listing import column, read_xlsx, total

pytestmark = pytest.mark.django_db

START = datetime(2025, 9, 1, 9, tzinfo=SHANGHAI)


def items(org, n: int, start=START) -> list[TimedItem]:
    made = []
    with time_machine.travel(start, tick=False):
        for i in range(n):
            item = TimedItem.objects.create(unit=org.unit_a, owner=org.clerk_a, title=f"防汛物资{i}号")
            made.append(clocks.clock_start(item, actor=None, limit=Limit(3)))
    return made


def test_a_card_is_written_without_text_and_read_with_the_due_it_had(org, client):
    (item,) = items(org, 1)
    due = item.due_at
    moment = START + timedelta(days=5)
    with time_machine.travel(moment, tick=False):
        sweep(now=moment)
        notifications_fan_out()
    note = Notification.objects.get(channel="inbox", user=org.clerk_a, event__kind="clock.breach")
    assert (note.stored_title, note.stored_body, note.stored_link) == ("", "", "")  # nothing per row
    # The item's due moves afterwards: the card still says the due it crossed.
    TimedItem.objects.filter(pk=item.pk).update(due_at=due + timedelta(days=30))
    note = Notification.objects.get(pk=note.pk)
    assert note.title.startswith("【") and "防汛物资0号" in note.title
    assert clocks.format_due(due) in note.body and note.link == ""  # the test model has no page
    client.force_login(org.clerk_a)
    page = client.get("/inbox/").content.decode()
    assert "防汛物资0号" in page and clocks.format_due(due) in page
    detail = client.get(f"/inbox/{note.pk}/", follow=True)
    assert detail.status_code == 200


def test_the_search_finds_rendered_deliveries_by_what_their_text_is_made_of(org, client):
    both = items(org, 2)
    event_emit("test.notice", subject=both[0], message="请补交汛期值班表", recipients=["owner"])
    event_emit("test.notice", subject=both[1], message="请办理", recipients=["owner"])
    notifications_fan_out()
    client.force_login(org.clerk_a)
    assert total(client.get("/inbox/").content.decode()) == 2
    assert total(client.get("/inbox/", {"q": "值班表"}).content.decode()) == 1  # the message
    assert total(client.get("/inbox/", {"q": "防汛物资1号"}).content.decode()) == 1  # the subject's name
    assert total(client.get("/inbox/", {"q": "防汛物资"}).content.decode()) == 2
    assert total(client.get("/inbox/", {"q": "无此字样"}).content.decode()) == 0
    api = APIClient()
    api.force_authenticate(org.clerk_a)
    got = api.get("/api/v1/notifications/", {"q": "值班表"}).json()["results"]
    assert [n["body"] for n in got] == ["请补交汛期值班表"] and "防汛物资0号" in got[0]["title"]
    rows = read_xlsx(client.get("/inbox/export.xlsx"))
    assert sorted(column(rows, "内容")) == ["请办理", "请补交汛期值班表"]


def test_a_delivery_written_with_its_text_keeps_it(org):
    (item,) = items(org, 1)
    event = Event.objects.create(kind="test.notice", subject_type="clocktest.timeditem", subject_id=item.pk,
                                 message="新的说明")
    note = Notification.objects.create(event=event, user=org.clerk_a, recipient=f"user:{org.clerk_a.pk}",
                                       channel="inbox", title="【旧】写好的标题", body="写好的内容", status="sent")
    note = Notification.objects.get(pk=note.pk)
    assert (note.title, note.body, note.link) == ("【旧】写好的标题", "写好的内容", "")


@pytest.mark.parametrize("n", [10, 60])
def test_an_inbox_page_and_an_api_page_render_in_constant_queries(org, client, n, django_assert_max_num_queries):
    for item in items(org, n):
        event_emit("test.notice", subject=item, message="请办理", recipients=["owner"])
    notifications_fan_out()
    client.force_login(org.clerk_a)
    client.get("/inbox/")  # the session, the user: warm
    # The session and user, the count, the page, its events, their subjects (one model), the
    # unread badge and the page's other context.
    with django_assert_max_num_queries(12):
        page = client.get("/inbox/").content.decode()
    assert page.count("防汛物资") == min(n, 50)
    api = APIClient()
    api.force_authenticate(org.clerk_a)
    with django_assert_max_num_queries(6):
        got = api.get("/api/v1/notifications/").json()["results"]
    assert all(r["title"].startswith("【") and "防汛物资" in r["title"] for r in got)


def test_an_email_is_rendered_when_it_is_sent_the_citizen_reading_their_own_text(org):
    (item,) = items(org, 1)
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        event_emit("test.notice", subject=item, message="请办理", recipients=["owner", "email:a@example.org"],
                   payload={"citizen_message": "您反映的问题已受理。"})
        notifications_fan_out()
        assert notifications_send()["sent"] == 2
    citizen, staff = sorted(mail.outbox, key=lambda m: m.to)
    assert "防汛物资0号" in staff.subject and staff.body == "请办理"
    assert citizen.to == ["a@example.org"] and citizen.body == "您反映的问题已受理。"
