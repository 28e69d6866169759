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


# --- 满意度评价 ----------------------------------------------------------------------------------


def answered(org, n, *, phone="13912345678"):
    from accountability import services

    from .conftest import file_complaint

    out = []
    for _i in range(n):
        with time_machine.travel(MONDAY, tick=False):
            filed = file_complaint(org.unit_a, is_anonymous=False, name="李四", phone=phone)
            c = services.complaint_accept(complaint=filed.complaint, actor=org.office)
            c = services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)
            c = services.complaint_unit_reply(complaint=c, actor=org.head_a, reply="已责令窗口当日办结并致歉。")
            c = services.complaint_send_reply(complaint=c, actor=org.office, reply="已责令窗口当日办结并致歉。")
        out.append((c, filed.check_code))
    return out


def rate(client, c, code, when, rating="satisfied", addr="203.0.113.9"):
    with time_machine.travel(when, tick=False):
        return client.post(f"{API}{c.tracking_number}/rate/", {"code": code, "rating": rating},
                           content_type="application/json", REMOTE_ADDR=addr, HTTP_USER_AGENT="Mozilla/5.0")


def test_rating_burst_finds_five_satisfied_ratings_of_one_unit_from_one_phone_and_device(client, org):
    done = answered(org, 5)
    for i, (c, code) in enumerate(done):
        assert rate(client, c, code, MONDAY + timedelta(hours=1 + i)).status_code == 200
    found = run_detector("rating_burst.complaint", None, *WEEK)
    assert sorted(f["figures"]["by"] for f in found) == ["device", "phone"]
    ids = [c.pk for c, _code in done]
    for f in found:
        assert f["unit_id"] == org.unit_a.pk and f["figures"]["item_ids"] == ids and f["subject_id"] == ids[0]
        assert f["event_ids"] == list(Event.objects.filter(kind="complaints.rated").order_by("id")
                                      .values_list("id", flat=True))
    stored = Complaint.objects.get(pk=ids[0])
    assert len(stored.rating_phone_hash) == 64 and "13912345678" not in stored.rating_phone_hash + stored.rating_device_hash
    assert run_detector("rating_burst.complaint", {"count": 6}, *WEEK) == []


def test_rating_burst_ignores_four_ratings_and_dissatisfied_ones(client, org):
    done = answered(org, 5)
    for i, (c, code) in enumerate(done):
        rate(client, c, code, MONDAY + timedelta(hours=1 + i), rating="dissatisfied" if i == 0 else "satisfied")
    assert run_detector("rating_burst.complaint", None, *WEEK) == []
    assert len(run_detector("rating_burst.complaint", {"count": 4}, *WEEK)) == 2


def test_rating_by_staff_finds_a_satisfied_rating_entered_by_the_complained_about_units_staff(client, org):
    (mine, code_m), (other, code_o) = answered(org, 2)
    client.force_login(org.clerk_a)
    assert rate(client, mine, code_m, MONDAY + timedelta(hours=1)).status_code == 200
    client.force_login(org.clerk_b)
    rate(client, other, code_o, MONDAY + timedelta(hours=2))
    assert Complaint.objects.get(pk=mine.pk).rating_entered_by == org.clerk_a
    found = run_detector("rating_by_staff.complaint", None, *WEEK)
    assert [(f["subject_id"], f["unit_id"]) for f in found] == [(mine.pk, org.unit_a.pk)]
    assert found[0]["figures"]["entered_by"] == org.clerk_a.pk
    assert found[0]["event_ids"] == list(Event.objects.filter(
        kind="complaints.rated", subject_id=mine.pk).values_list("id", flat=True))
