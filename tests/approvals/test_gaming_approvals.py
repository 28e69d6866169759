"""Issue 18: the approvals' gaming detectors (approvals/gaming.py) on data built through the real
services and endpoints — each pattern found with its figures and events, nothing just under
the thresholds, thresholds passed in change the result. Thresholds are local defaults
(本地默认, 种子未规定)."""

from datetime import datetime, timedelta

import pytest
import time_machine

from approvals import services
from approvals.models import Application, Material, RefusalGround, Rating, Status
from efficiency.models import Event
from efficiency.workdays import SHANGHAI
from tests.gaming_run import run_detector

from .helpers import ENTERPRISE_ID, MONDAY, PERSON_ID, make_item

pytestmark = pytest.mark.django_db

WEEK = (MONDAY.replace(hour=0), MONDAY.replace(hour=0) + timedelta(days=14))
OTHER_ID = "110105194912310038"


def receive(org, item, when, *, id_number=ENTERPRISE_ID, phone="13800000000", submitted_at=None, missing=0):
    materials = list(Material.objects.filter(item=item).order_by("order"))
    with time_machine.travel(when, tick=False):
        app, code = services.application_receive(
            actor=org.clerk_a, item=item, applicant_kind="enterprise" if id_number == ENTERPRISE_ID else "person",
            applicant_name="鄂州市某某置业有限公司", applicant_id_number=id_number, applicant_phone=phone,
            project="滨湖商业综合体", materials=materials[: len(materials) - missing], submitted_at=submitted_at)
    return app, code


def event_ids(app, *kinds):
    return list(Event.objects.filter(subject_type="approvals.application", subject_id=app.pk, kind__in=kinds)
                .order_by("id").values_list("id", flat=True))


# --- 体外循环 -----------------------------------------------------------------------------------


def test_intake_lag_finds_materials_logged_two_working_days_after_they_arrived(org):
    item = make_item(org)
    late, _c = receive(org, item, MONDAY + timedelta(days=2), submitted_at=MONDAY)  # Wed, arrived Mon
    found = run_detector("intake_lag.application", None, *WEEK)
    assert [f["subject_id"] for f in found] == [late.pk]
    f = found[0]
    assert f["unit_id"] == org.unit_a.pk and f["key"] == f"intake_lag:approvals.application:{late.pk}"
    assert f["figures"]["working_days"] == 2 and f["figures"]["threshold_days"] == 1
    assert datetime.fromisoformat(f["figures"]["arrival"]) == MONDAY
    assert datetime.fromisoformat(f["figures"]["recorded_start"]) == MONDAY + timedelta(days=2)
    assert f["event_ids"] == event_ids(late, "clock.started", "approvals.accepted") and f["event_ids"]


def test_the_runner_files_an_app_detectors_finding_on_the_offices_list_once(org):
    """The app's detector through the core's runner (`efficiency.gaming.detect`): one finding on
    the office's list, against the unit, with the detector's evidence; a second run adds none."""
    from efficiency import gaming
    from efficiency.models import GamingFinding

    item = make_item(org)
    late, _c = receive(org, item, MONDAY + timedelta(days=2), submitted_at=MONDAY)
    counts = gaming.detect(*WEEK, codes={"intake_lag.application"}, now=MONDAY + timedelta(days=3))
    assert counts == {"intake_lag.application": {"found": 1, "new": 1}}
    f = GamingFinding.objects.get()
    assert (f.pattern, f.subject_type, f.subject_id, f.unit_id, f.status) == (
        "intake_lag.application", "approvals.application", late.pk, org.unit_a.pk, "open")
    assert f.event_ids == event_ids(late, "clock.started", "approvals.accepted")
    assert gaming.detect(*WEEK, codes={"intake_lag.application"}, now=MONDAY + timedelta(days=4)) == {
        "intake_lag.application": {"found": 1, "new": 0}}
    assert GamingFinding.objects.count() == 1


def test_intake_lag_counts_working_days_not_calendar_days_and_obeys_its_threshold(org):
    item = make_item(org)
    friday = MONDAY + timedelta(days=4)
    receive(org, item, friday + timedelta(days=3), submitted_at=friday)  # Fri → Mon: 1 working day
    receive(org, item, MONDAY + timedelta(days=1), submitted_at=MONDAY)  # Mon → Tue
    receive(org, item, MONDAY + timedelta(hours=2))  # at the desk: arrival = intake
    assert run_detector("intake_lag.application", None, *WEEK) == []
    assert len(run_detector("intake_lag.application", {"working_days": 0}, *WEEK)) == 2


def test_the_intake_records_the_arrival_by_api_and_form_and_defaults_to_the_intake_moment(client, org):
    item = make_item(org)
    client.force_login(org.clerk_a)
    ids = list(item.materials.values_list("pk", flat=True))
    body = {"item": item.pk, "applicant_kind": "enterprise", "applicant_name": "某公司",
            "applicant_id_number": ENTERPRISE_ID, "applicant_phone": "13800000000", "material_ids": ids}
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        resp = client.post("/api/v1/approvals/applications/", {**body, "submitted_at": "2025-11-03T10:00:00+08:00"},
                           content_type="application/json")
        assert resp.status_code == 201, resp.content
        plain = client.post("/api/v1/approvals/applications/", body, content_type="application/json")
        form = client.post(f"/approvals/new/?item={item.pk}", {
            "item": item.pk, "applicant_kind": "enterprise", "applicant_name": "某公司",
            "applicant_id_number": ENTERPRISE_ID, "applicant_phone": "13800000000",
            "materials": [m.pk for m in item.materials.filter(required=True)], "submitted_at": "2025-11-04T09:30"})
    assert form.status_code == 302
    given = Application.objects.get(pk=resp.json()["application"]["id"])
    assert given.submitted_at == MONDAY and given.received_at == MONDAY + timedelta(days=2)
    default = Application.objects.get(pk=plain.json()["application"]["id"])
    assert default.submitted_at == default.received_at
    assert Application.objects.order_by("-id").first().submitted_at == datetime(2025, 11, 4, 9, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize("value, message", [
    ("2025-11-06T10:00:00+08:00", "不能晚于当前时间"),
    ("2024-01-01T10:00:00+08:00", "早于一年前"),
    ("yesterday", "日期时间格式错误"),
])
def test_the_intake_refuses_an_arrival_in_the_future_too_old_or_malformed(client, org, value, message):
    item = make_item(org)
    client.force_login(org.clerk_a)
    body = {"item": item.pk, "applicant_kind": "enterprise", "applicant_name": "某公司",
            "applicant_id_number": ENTERPRISE_ID, "applicant_phone": "13800000000", "submitted_at": value}
    with time_machine.travel(MONDAY, tick=False):
        resp = client.post("/api/v1/approvals/applications/", body, content_type="application/json")
    assert resp.status_code == 400 and message.lower() in resp.content.decode().lower()
    assert not Application.objects.exists()


# --- 退回重报 / 拆分 -----------------------------------------------------------------------------


def _refuse(org, app, when):
    with time_machine.travel(when, tick=False):
        services.application_refuse_acceptance(actor=org.head_a, application=app, ground=RefusalGround.NOT_REQUIRED,
                                               reason="无需许可")


def test_resubmit_restart_finds_a_matter_refused_then_filed_again_with_a_new_clock(org):
    item = make_item(org)
    first, _c = receive(org, item, MONDAY, missing=1)
    _refuse(org, first, MONDAY + timedelta(days=1))
    second, _c = receive(org, item, MONDAY + timedelta(days=3))
    receive(org, item, MONDAY + timedelta(days=3, hours=1), id_number=OTHER_ID)  # another applicant
    found = run_detector("resubmit_restart", None, *WEEK)
    assert [(f["subject_id"], f["key"]) for f in found] == [(second.pk, f"resubmit_restart:{first.pk}:{second.pk}")]
    fig = found[0]["figures"]
    assert (fig["first_id"], fig["first_status"], fig["second_id"]) == (first.pk, Status.NOT_ACCEPTED, second.pk)
    assert fig["days_between"] == 2.0 and fig["days_given_back"] == 3
    assert found[0]["event_ids"] == [*event_ids(first, "clock.started", "approvals.not_accepted"),
                                     *event_ids(second, "clock.started")]


def test_resubmit_restart_leaves_a_refiling_after_the_threshold_unless_the_office_widens_it(org):
    item = make_item(org)
    first, _c = receive(org, item, MONDAY, missing=1)
    _refuse(org, first, MONDAY + timedelta(days=1))
    receive(org, item, MONDAY + timedelta(days=12))  # 11 days after the refusal
    span = (WEEK[0], WEEK[0] + timedelta(days=30))
    assert run_detector("resubmit_restart", None, *span) == []
    assert len(run_detector("resubmit_restart", {"days": 15}, *span)) == 1


def test_resubmit_restart_finds_a_withdrawal_and_refiling(org):
    item = make_item(org)
    first, _c = receive(org, item, MONDAY)
    with time_machine.travel(MONDAY + timedelta(days=7), tick=False):
        services.application_withdraw(actor=org.clerk_a, application=first, reason="申请人撤回")
    second, _c = receive(org, item, MONDAY + timedelta(days=8))
    found = run_detector("resubmit_restart", None, *WEEK)
    assert [f["subject_id"] for f in found] == [second.pk]
    assert found[0]["figures"]["first_status"] == Status.WITHDRAWN and found[0]["figures"]["days_given_back"] == 6


def test_split_matter_finds_three_applications_of_one_applicant_for_one_item_on_one_day(org):
    item = make_item(org)
    apps = [receive(org, item, MONDAY + timedelta(hours=h))[0] for h in (0, 1, 2)]
    receive(org, item, MONDAY + timedelta(days=1), id_number=OTHER_ID)
    receive(org, item, MONDAY + timedelta(days=1, hours=1), id_number=OTHER_ID)  # two: under the threshold
    found = run_detector("split_matter", None, *WEEK)
    assert [f["key"] for f in found] == [f"split_matter:{apps[0].pk}"]
    assert found[0]["figures"]["application_ids"] == [a.pk for a in apps]
    assert found[0]["figures"]["count"] == 3 and found[0]["figures"]["day"] == "2025-11-03"
    assert found[0]["event_ids"] == sorted(i for a in apps for i in event_ids(a, "clock.started"))
    assert len(run_detector("split_matter", {"count": 2}, *WEEK)) == 2


# --- 好差评 ------------------------------------------------------------------------------------


def _decided(org, item, n, *, phone="13800000000"):
    out = []
    for i in range(n):
        app, code = receive(org, item, MONDAY + timedelta(minutes=i), phone=phone,
                            id_number=ENTERPRISE_ID if i % 2 else PERSON_ID)
        with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
            services.application_decide(actor=org.clerk_a, application=app, outcome=Status.APPROVED)
        out.append((app, code))
    return out


def _rate_by_api(client, app, code, when, score=5, addr="203.0.113.7", agent="Mozilla/5.0 (phone)"):
    with time_machine.travel(when, tick=False):
        return client.post(f"/api/v1/public/applications/{app.receipt_number}/rating/",
                           {"code": code, "score": score}, content_type="application/json",
                           REMOTE_ADDR=addr, HTTP_USER_AGENT=agent)


def test_rating_burst_finds_five_good_ratings_from_one_phone_and_one_device_within_a_day(client, org):
    item = make_item(org)
    apps = _decided(org, item, 5)
    for i, (app, code) in enumerate(apps):
        assert _rate_by_api(client, app, code, MONDAY + timedelta(hours=2 + 4 * i)).status_code == 201
    ratings = list(Rating.objects.order_by("created_at"))
    found = run_detector("rating_burst", None, *WEEK)
    assert sorted(f["figures"]["by"] for f in found) == ["device", "phone"]
    for f in found:
        assert f["unit_id"] == org.unit_a.pk and f["subject_id"] == apps[0][0].pk
        assert f["figures"]["item_ids"] == [a.pk for a, _c in apps]
        assert f["figures"]["rating_ids"] == [r.pk for r in ratings] and f["figures"]["count"] == 5
        assert f["key"].endswith(f":{ratings[0].pk}")
        assert f["event_ids"] == list(Event.objects.filter(kind="approvals.rated").order_by("id")
                                      .values_list("id", flat=True))
    again = run_detector("rating_burst", None, *WEEK)
    assert [f["key"] for f in again] == [f["key"] for f in found]  # stable from one run to the next


def test_rating_burst_ignores_four_ratings_or_five_spread_over_more_than_the_window(client, org):
    item = make_item(org)
    apps = _decided(org, item, 5)
    for i, (app, code) in enumerate(apps):  # every 7 hours: 28 h from first to last
        _rate_by_api(client, app, code, MONDAY + timedelta(hours=2 + 7 * i))
    assert run_detector("rating_burst", None, *WEEK) == []
    assert len(run_detector("rating_burst", {"count": 4}, *WEEK)) == 2
    assert len(run_detector("rating_burst", {"hours": 30}, *WEEK)) == 2


def test_rating_burst_ignores_bad_ratings_and_different_phones_and_devices(client, org):
    item = make_item(org)
    apps = _decided(org, item, 5)
    for i, (app, code) in enumerate(apps):
        _rate_by_api(client, app, code, MONDAY + timedelta(hours=2 + i), score=2 if i == 0 else 5)
    assert run_detector("rating_burst", None, *WEEK) == []
    for i, (app, code) in enumerate(_decided(org, item, 5, phone="1390000000")):
        Application.objects.filter(pk=app.pk).update(applicant_phone=f"13900000{i:03d}")
        _rate_by_api(client, app, code, MONDAY + timedelta(hours=3 + i), addr=f"198.51.100.{i}")
    assert run_detector("rating_burst", None, *WEEK) == []


def test_a_rating_keeps_keyed_hashes_never_the_raw_phone_or_address(client, org):
    item = make_item(org)
    (app, code), = _decided(org, item, 1, phone="13712345678")
    _rate_by_api(client, app, code, MONDAY + timedelta(hours=2))
    r = Rating.objects.get()
    assert len(r.phone_hash) == 64 and len(r.device_hash) == 64 and r.phone_hash != r.device_hash
    for column in (r.phone_hash, r.device_hash, r.comment):
        assert "13712345678" not in column and "203.0.113.7" not in column
    assert r.entered_by is None


def test_rating_by_staff_finds_a_good_rating_entered_by_a_signed_in_clerk_of_the_rated_unit(client, org):
    item = make_item(org)
    (mine, code_m), (theirs, code_t), (citizen, code_c) = _decided(org, item, 3)
    client.force_login(org.clerk_a)
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        page = client.post("/approvals/public/lookup/", {"receipt_number": mine.receipt_number, "code": code_m,
                                                         "score": 5})
    assert page.status_code == 200
    client.force_login(org.clerk_b)  # another unit's clerk: recorded, not this pattern
    _rate_by_api(client, theirs, code_t, MONDAY + timedelta(hours=3))
    client.logout()
    _rate_by_api(client, citizen, code_c, MONDAY + timedelta(hours=4))
    assert list(Rating.objects.order_by("created_at").values_list("entered_by", flat=True)) == [
        org.clerk_a.pk, org.clerk_b.pk, None]
    found = run_detector("rating_by_staff", None, *WEEK)
    rating = Rating.objects.get(application=mine)
    assert [(f["subject_id"], f["key"]) for f in found] == [(mine.pk, f"rating_by_staff:{rating.pk}")]
    assert found[0]["figures"]["entered_by"] == org.clerk_a.pk and found[0]["figures"]["entered_by_name"] == "张经办"
    assert found[0]["event_ids"] == event_ids(mine, "approvals.rated")
    assert run_detector("rating_by_staff", {"score": 6}, *WEEK) == []


def test_the_intake_form_refuses_an_arrival_in_the_future_on_its_field(client, org):
    item = make_item(org)
    client.force_login(org.clerk_a)
    with time_machine.travel(MONDAY, tick=False):
        page = client.post(f"/approvals/new/?item={item.pk}", {
            "item": item.pk, "applicant_kind": "enterprise", "applicant_name": "某公司",
            "applicant_id_number": ENTERPRISE_ID, "applicant_phone": "13800000000",
            "materials": [m.pk for m in item.materials.filter(required=True)], "submitted_at": "2025-11-04T09:30"})
    assert page.status_code == 200 and "收件时间不能晚于当前时间" in page.content.decode()
    assert not Application.objects.exists()
