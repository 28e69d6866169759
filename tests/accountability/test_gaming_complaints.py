"""Issue 18: 体外循环 on complaints (accountability/gaming.py) — a channel's own receipt time
(`received_at` on the channel API, one statement with the filing) against the clock's start.
The threshold is a local default (本地默认, 种子未规定)."""

from datetime import datetime, timedelta

import pytest
import time_machine

from accountability.models import Complaint
from accountability.services import channel_add
from efficiency.models import Event
from efficiency.workdays import SHANGHAI
from tests.gaming_run import run_detector

pytestmark = pytest.mark.django_db

API = "/api/v1/public/complaints/"
MONDAY = datetime(2025, 11, 3, 10, 0, tzinfo=SHANGHAI)
WEEK = (MONDAY.replace(hour=0), MONDAY.replace(hour=0) + timedelta(days=14))


def body(unit, **kw):
    return {"category": "slow", "subject_unit": unit.pk, "description": "办证拖了一个月", "is_anonymous": True, **kw}


def post(client, token, unit, when, **kw):
    with time_machine.travel(when, tick=False):
        return client.post(API, body(unit, **kw), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Channel {token}" if token else "")


def test_intake_lag_finds_a_hotline_complaint_logged_three_working_days_after_the_call(client, org):
    _ch, token = channel_add(name="12345 热线")
    late = post(client, token, org.unit_a, MONDAY + timedelta(days=3), received_at="2025-11-03T09:00:00+08:00")
    assert late.status_code == 201, late.content
    post(client, token, org.unit_a, MONDAY + timedelta(days=1), received_at="2025-11-03T09:00:00+08:00")  # 1 day
    post(client, token, org.unit_a, MONDAY)  # no receipt time given: now
    c = Complaint.objects.get(tracking_number=late.json()["tracking_number"])
    assert c.channel_received_at == datetime(2025, 11, 3, 9, 0, tzinfo=SHANGHAI)
    found = run_detector("intake_lag.complaint", None, *WEEK)
    assert [(f["subject_id"], f["unit_id"]) for f in found] == [(c.pk, org.unit_a.pk)]
    fig = found[0]["figures"]
    assert fig["working_days"] == 3 and fig["channel"] == "12345 热线" and fig["tracking_number"] == c.tracking_number
    assert found[0]["event_ids"] == list(Event.objects.filter(
        subject_type="accountability.complaint", subject_id=c.pk, kind__in=("clock.started", "complaints.filed"))
        .order_by("id").values_list("id", flat=True)) and len(found[0]["event_ids"]) == 2
    assert len(run_detector("intake_lag.complaint", {"working_days": 0}, *WEEK)) == 2
    assert run_detector("intake_lag.complaint", {"working_days": 3}, *WEEK) == []


@pytest.mark.parametrize("value, message", [
    ("2025-11-04T10:00:00+08:00", "不能晚于当前时间"),
    ("2024-10-01T10:00:00+08:00", "早于一年前"),
    ("last week", "日期时间格式错误"),
])
def test_the_channel_api_refuses_a_receipt_time_in_the_future_too_old_or_malformed(client, org, value, message):
    _ch, token = channel_add(name="12345 热线")
    resp = post(client, token, org.unit_a, MONDAY, received_at=value)
    assert resp.status_code == 400 and message in resp.content.decode()
    assert not Complaint.objects.exists()


def test_only_a_registered_channel_may_give_a_receipt_time(client, org):
    resp = post(client, None, org.unit_a, MONDAY, received_at="2025-11-01T10:00:00+08:00",
                captcha_id="x", captcha_answer="PASSED")
    assert resp.status_code == 400 and "受理渠道" in resp.content.decode()
    assert not Complaint.objects.exists()
    assert post(client, None, org.unit_a, MONDAY, captcha_id="x", captcha_answer="PASSED").status_code == 201
