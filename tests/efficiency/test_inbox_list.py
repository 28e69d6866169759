"""The inbox as a list (issue 15, 2–3): search, unread filter, pages with the total, the same
filters in the API, the export read back — never another person's messages."""

from datetime import datetime

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from efficiency.models import Event, Notification
from efficiency.workdays import SHANGHAI
from tests.listing import column, read_xlsx, total

pytestmark = pytest.mark.django_db
FRIDAY = datetime(2024, 9, 13, 10, 0, tzinfo=SHANGHAI)


def _message(user, title, body="请立即办理。", **kw):
    event = Event.objects.create(kind="test", subject_type="clocktest.timeditem", subject_id=1)
    with time_machine.travel(FRIDAY, tick=False):
        return Notification.objects.create(event=event, user=user, recipient=f"user:{user.pk}", channel="inbox",
                                           title=title, body=body, status="sent", **kw)


@pytest.fixture
def inbox(org):
    return {"red": _message(org.clerk_a, "【红牌】交办件超期"),
            "read": _message(org.clerk_a, "【提示】投诉即将到期", read_at=timezone.now()),
            "other": _message(org.clerk_b, "【红牌】别人的消息")}


def test_the_inbox_is_searched_filtered_and_paged(client, org, inbox):
    client.force_login(org.clerk_a)
    html = client.get("/inbox/").content.decode()
    assert total(html) == 2 and "别人的消息" not in html
    assert total(client.get("/inbox/", {"q": "红牌"}).content.decode()) == 1
    assert total(client.get("/inbox/", {"unread": "true"}).content.decode()) == 1
    assert total(client.get("/inbox/", {"date_from": "2024-09-14"}).content.decode()) == 0
    for i in range(50):
        _message(org.clerk_a, f"【提示】第 {i} 条")
    assert "第 2/2 页" in client.get("/inbox/", {"page": 2}).content.decode()


def test_the_inbox_api_and_export(client, org, inbox):
    api = APIClient()
    api.force_authenticate(org.clerk_a)
    r = api.get("/api/v1/notifications/", {"q": "投诉", "unread": "false"})
    assert [n["id"] for n in r.json()["results"]] == [inbox["read"].pk]
    client.force_login(org.clerk_a)
    rows = read_xlsx(client.get("/inbox/export.xlsx", {"q": "红牌"}))
    assert rows[0] == ["时间", "标题", "内容", "已读时间"]
    assert rows[1][:2] == [datetime(2024, 9, 13, 10, 0), "【红牌】交办件超期"] and len(rows) == 2
    client.force_login(org.clerk_b)
    assert column(read_xlsx(client.get("/inbox/export.xlsx")), "标题") == ["【红牌】别人的消息"]
