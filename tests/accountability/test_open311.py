"""Open311 GeoReport v2 at /open311/v2/ (issue 18): every endpoint in JSON and XML, the shapes of
the specification's examples, every error path, the filed request an ordinary complaint on its
clock (R26), well-formed XML against hostile input, and no personal data in any answer."""

import json
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accountability import services
from accountability.models import Complaint
from efficiency.events import events_for
from efficiency.models import AuditLog, Event
from tests.proxy import CLIENT_A, CLIENT_B, NGINX, behind_proxy

from .conftest import file_complaint
from .test_public_complaints import API, api_data

pytestmark = pytest.mark.django_db

BASE = "/open311/v2/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
FILED = datetime(2026, 11, 2, 9, 30, tzinfo=SHANGHAI)  # a Monday


@pytest.fixture
def channel(db):
    return services.channel_add(name="城市 App")


@pytest.fixture
def api_key(channel):
    return channel[1]


def post_data(org, api_key, **kw):
    data = {"api_key": api_key, "jurisdiction_id": "ezhou.gov.cn", "service_code": "slow",
            "address_string": "市政务服务中心 3 号窗口", f"attribute[subject_unit]": str(org.unit_a.pk),
            "description": "办理营业执照拖了一个月"}
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def get(client, path, fmt="json", **params):
    return client.get(f"{BASE}{path}.{fmt}", params)


def xml(resp):
    assert resp["Content-Type"] == "text/xml; charset=utf-8"
    assert resp.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(resp.content)


def errors(resp):
    body = resp.json()
    assert isinstance(body, list) and set(body[0]) == {"code", "description"}
    assert body[0]["code"] == resp.status_code
    return body[0]["description"]


# --- discovery, services, definitions --------------------------------------------------------------


def test_discovery_in_json_and_xml(client):
    body = get(client, "discovery").json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["url"].endswith("/open311/v2/")
    assert body["endpoints"][0]["formats"] == ["application/json", "text/xml"]
    root = xml(get(client, "discovery", "xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["application/json", "text/xml"]


def test_services_are_the_complaint_categories(client):
    body = get(client, "services").json()
    slow = next(s for s in body if s["service_code"] == "slow")
    assert slow == {"service_code": "slow", "service_name": "慢作为", "description": slow["description"],
                    "metadata": True, "type": "realtime", "keywords": slow["keywords"], "group": "效能投诉"}
    assert {s["service_code"] for s in body} >= {"nonfeasance", "graft", "buck_passing", "other"}
    root = xml(get(client, "services", "xml"))
    assert root.tag == "services" and {e.tag for e in root} == {"service"}
    first = root.find("service")
    assert [c.tag for c in first] == ["service_code", "service_name", "description", "metadata", "type",
                                      "keywords", "group"]
    assert first.find("metadata").text == "true"


def test_a_service_definition_lists_the_units_as_the_required_attribute(client, org):
    body = get(client, "services/graft").json()
    assert body["service_code"] == "graft"
    unit = body["attributes"][0]
    assert unit["code"] == "subject_unit" and unit["required"] is True and unit["datatype"] == "singlevaluelist"
    assert {"key": str(org.unit_a.pk), "name": org.unit_a.name} in unit["values"]
    root = xml(get(client, "services/graft", "xml"))
    assert root.tag == "service_definition"
    values = root.findall("attributes/attribute/values/value")
    assert any(v.find("name").text == org.unit_a.name for v in values)


def test_an_unknown_service_code_and_format_are_404(client):
    resp = get(client, "services/potholes")
    assert resp.status_code == 404 and "potholes" in errors(resp)
    root = xml(get(client, "services/potholes", "xml"))
    assert root.tag == "errors" and root.find("error/code").text == "404"
    resp = client.get(f"{BASE}services.csv")
    assert resp.status_code == 404 and "csv" in errors(resp)
    assert client.get(f"{BASE}services").status_code == 404  # no format at all


def test_a_wrong_method_is_405_in_the_format_asked_for(client):
    resp = client.post(f"{BASE}services.xml")
    assert resp.status_code == 405 and xml(resp).find("error/code").text == "405"
    assert resp["Allow"] == "GET, HEAD"
    assert client.delete(f"{BASE}requests.json").status_code == 405
    assert client.head(f"{BASE}services.json").status_code == 200


# --- POST requests ------------------------------------------------------------------------------------


def test_a_post_files_an_ordinary_complaint_on_its_clock(client, org, channel, api_key):  # R26
    resp = client.post(f"{BASE}requests.json", post_data(org, api_key))
    assert resp.status_code == 201
    [created] = resp.json()
    c = Complaint.objects.get()
    assert created["service_request_id"] == c.tracking_number != str(c.pk)
    assert created["account_id"] is None and "查询码" in created["service_notice"]
    assert c.channel == channel[0] and c.category == "slow" and c.subject_unit == org.unit_a
    assert c.is_anonymous and c.place == "市政务服务中心 3 号窗口"
    assert c.status == Complaint.Status.RECEIVED and c.due_at and c.closed_at is None  # the clock runs
    assert c.time_rule.code == "complaint.accept"
    # the office sees it on its list, as any complaint
    client.force_login(org.office)
    assert c.tracking_number in client.get("/accountability/complaints/").content.decode()


def test_the_check_code_in_the_notice_opens_the_public_tracking(client, org, api_key):
    created = client.post(f"{BASE}requests.json", post_data(org, api_key)).json()[0]
    code = created["service_notice"].split("查询码 ")[1][:8]
    status = client.get(f"{API}{created['service_request_id']}/", {"code": code})
    assert status.status_code == 200 and status.json()["status"] == "received"


def test_the_same_events_and_audit_as_the_channel_api(client, org, api_key):  # R26
    client.post(API, api_data(org.unit_a), HTTP_X_CHANNEL_TOKEN=api_key)
    client.post(f"{BASE}requests.json", post_data(org, api_key))
    by_api, by_open311 = Complaint.objects.order_by("pk")
    shape = [[(e.kind, sorted(e.payload)) for e in events_for(c).order_by("pk")] for c in (by_api, by_open311)]
    assert shape[0] == shape[1] and ("complaints.filed", ["category", "channel", "subject_unit_id"]) in shape[0]
    assert events_for(by_open311).get(kind="complaints.filed").payload["channel"] == "城市 App"
    assert AuditLog.objects.filter(object_id=str(by_open311.pk), action="create").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_filing_takes_the_statements_of_the_channel_api(client, org, monkeypatch):
    """Issue 17: the channel's lookup, then the filing as ONE statement (write_with), no
    transaction around them — the channel API's path exactly, not a second intake path."""
    from efficiency import process_cache

    from .test_intake_queries import statements

    monkeypatch.setattr(process_cache, "RECHECK_SECONDS", 3600)
    _, key = services.channel_add(name="城市 App")
    client.post(f"{BASE}requests.json", post_data(org, key))  # the process reads the calendar and the rule
    counted = []
    for send in (lambda: client.post(API, api_data(org.unit_a), HTTP_X_CHANNEL_TOKEN=key),
                 lambda: client.post(f"{BASE}requests.json", post_data(org, key))):
        with CaptureQueriesContext(connection) as captured:
            assert send().status_code == 201
        counted.append(statements(captured))
    assert len(counted[1]) == len(counted[0]) == 2
    assert counted[1][1].startswith("EXECUTE efficiency_hot_")


def test_a_post_in_xml(client, org, api_key):
    resp = client.post(f"{BASE}requests.xml", post_data(org, api_key, lat="30.391", long="114.894",
                                                          address_string=None))
    assert resp.status_code == 201
    root = xml(resp)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text.startswith("TS")
    assert Complaint.objects.get().place == "坐标 30.391000,114.894000"
    [own] = get(client, "requests", api_key=api_key).json()
    [public] = get(client, "requests").json()
    assert (own["lat"], own["long"]) == (30.391, 114.894) and public["lat"] is public["long"] is None


def test_a_real_name_request_keeps_name_and_phone_and_never_returns_them(client, org, api_key):
    resp = client.post(f"{BASE}requests.json", post_data(org, api_key, first_name="小明", last_name="王",
                                                         phone="13800000000", email="wang@example.com"))
    c = Complaint.objects.get()
    assert not c.is_anonymous and c.complainant_name == "王小明" and c.complainant_phone == "13800000000"
    for body in (resp.content, get(client, f"requests/{c.tracking_number}", api_key=api_key).content,
                 get(client, "requests", "xml", api_key=api_key).content):
        text = body.decode()
        assert "王小明" not in text and "13800000000" not in text and "wang@example.com" not in text


def test_post_without_or_with_a_bad_api_key_is_403(client, org, api_key):
    resp = client.post(f"{BASE}requests.json", post_data(org, None))
    assert resp.status_code == 403 and "api_key" in errors(resp)
    resp = client.post(f"{BASE}requests.xml", post_data(org, "forged"))
    assert resp.status_code == 403 and xml(resp).find("error/code").text == "403"
    assert not Complaint.objects.exists()


def test_an_inactive_channel_is_403(client, org, channel, api_key):
    channel[0].is_active = False
    channel[0].save()
    assert client.post(f"{BASE}requests.json", post_data(org, api_key)).status_code == 403
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("change, status, words", [
    ({"service_code": "potholes"}, 404, "potholes"),
    ({"service_code": None}, 400, "service_code"),
    ({"address_string": None}, 400, "lat"),
    ({"address_string": None, "lat": "30.39"}, 400, "long"),
    ({"address_string": None, "lat": "91", "long": "114"}, 400, "lat"),
    ({"address_string": None, "lat": "nan", "long": "114"}, 400, "lat"),
    ({"attribute[subject_unit]": None}, 400, "subject_unit"),
    ({"attribute[subject_unit]": "99999"}, 400, "被投诉单位"),
    ({"attribute[subject_unit]": "不存在的局"}, 400, "被投诉单位"),
    ({"attribute[occurred_on]": "yesterday"}, 400, "occurred_on"),
    ({"description": "  "}, 400, "description"),
    ({"description": "长" * 5001}, 400, "5000"),
    ({"phone": "13800000000"}, 400, "姓名"),
    ({"first_name": "小明", "last_name": "王", "phone": "call me"}, 400, "数字"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
])
def test_every_bad_post_is_refused_in_the_specification_format(client, org, api_key, change, status, words):
    resp = client.post(f"{BASE}requests.json", post_data(org, api_key, **change))
    assert resp.status_code == status and words in errors(resp)
    assert not Complaint.objects.exists() and not Event.objects.filter(kind="complaints.filed").exists()


def test_the_unit_by_its_name_and_the_address_id_and_a_photo_link(client, org, api_key):
    resp = client.post(f"{BASE}requests.json", post_data(
        org, api_key, **{"attribute[subject_unit]": org.unit_b.name, "address_id": "420704-001",
                         "attribute[occurred_on]": "2026-11-01", "media_url": "https://img.example.com/a.jpg"}))
    assert resp.status_code == 201
    c = Complaint.objects.get()
    assert c.subject_unit == org.unit_b and "地址编号 420704-001" in c.place and str(c.occurred_on) == "2026-11-01"
    assert "https://img.example.com/a.jpg" in c.description


def test_another_jurisdiction_is_404_when_one_is_set(client, org, api_key, settings):
    settings.OPEN311_JURISDICTION_ID = "ezhou.gov.cn"
    assert client.post(f"{BASE}requests.json", post_data(org, api_key)).status_code == 201
    resp = client.post(f"{BASE}requests.json", post_data(org, api_key, jurisdiction_id="wuhan.gov.cn"))
    assert resp.status_code == 404 and "jurisdiction_id" in errors(resp)


def test_posting_needs_no_csrf_token(org, api_key):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"{BASE}requests.json", post_data(org, api_key)).status_code == 201


# --- GET requests ---------------------------------------------------------------------------------------


def test_get_one_request_in_json_and_xml_without_personal_data(client, org):
    with time_machine.travel(FILED, tick=False):
        filed = file_complaint(org.unit_a, is_anonymous=False, name="李四", phone="13900000000")
    with time_machine.travel(FILED + timedelta(hours=1), tick=False):
        [row] = get(client, f"requests/{filed.complaint.tracking_number}").json()
        root = xml(get(client, f"requests/{filed.complaint.tracking_number.lower()}", "xml"))
    assert row["service_request_id"] == filed.complaint.tracking_number
    assert row["status"] == "open" and row["status_notes"] == "待受理"
    assert row["service_code"] == "slow" and row["service_name"] == "慢作为"
    assert row["requested_datetime"] == "2026-11-02T09:30:00+08:00"
    assert row["expected_datetime"] == "2026-11-05T23:59:59+08:00"  # the citizen's deadline: 3 working days
    assert row["agency_responsible"] == "效能办" and row["description"] == "" and row["address"] == ""
    assert set(row) == {"service_request_id", "status", "status_notes", "service_name", "service_code",
                        "description", "agency_responsible", "service_notice", "requested_datetime",
                        "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
                        "long", "media_url"}
    assert root.tag == "service_requests" and root.find("request/status").text == "open"
    text = json.dumps(row, ensure_ascii=False) + ET.tostring(root, encoding="unicode")
    assert "李四" not in text and "13900000000" not in text and filed.check_code not in text


def test_the_filing_channel_also_sees_its_description_and_address(client, org, channel, api_key):
    mine = file_complaint(org.unit_a, channel=channel[0]).complaint
    theirs = file_complaint(org.unit_a).complaint
    rows = {r["service_request_id"]: r for r in get(client, "requests", api_key=api_key).json()}
    assert rows[mine.tracking_number]["description"] == mine.description
    assert rows[mine.tracking_number]["address"] == mine.place
    assert rows[theirs.tracking_number]["description"] == "" and rows[theirs.tracking_number]["address"] == ""


def test_status_maps_to_open_and_closed_with_the_public_notes(client, org, channel, api_key):  # R26
    declined = file_complaint(org.unit_a, channel=channel[0]).complaint
    services.complaint_decline(complaint=declined, actor=org.office, reason="不属于效能投诉受理范围")
    assigned = file_complaint(org.unit_a).complaint
    assigned = services.complaint_accept(complaint=assigned, actor=org.office)
    services.complaint_assign(complaint=assigned, actor=org.office, unit=org.unit_b)
    public = {r["service_request_id"]: r for r in get(client, "requests").json()}
    assert public[declined.tracking_number]["status"] == "closed"
    assert public[declined.tracking_number]["status_notes"] == "不予受理"  # the reason only to its channel
    assert public[assigned.tracking_number]["status"] == "open"
    assert public[assigned.tracking_number]["status_notes"] == "办理中"
    assert public[assigned.tracking_number]["agency_responsible"] == org.unit_b.name
    own = {r["service_request_id"]: r for r in get(client, "requests", api_key=api_key).json()}
    assert own[declined.tracking_number]["status_notes"] == "不予受理：不属于效能投诉受理范围"
    closed = [r["service_request_id"] for r in get(client, "requests", status="closed").json()]
    opened = [r["service_request_id"] for r in get(client, "requests", status="open").json()]
    assert closed == [declined.tracking_number] and opened == [assigned.tracking_number]
    assert len(get(client, "requests", status="open,closed").json()) == 2


def test_the_list_filters_by_ids_code_and_date_window(client, org):
    with time_machine.travel(FILED - timedelta(days=120), tick=False):
        old = file_complaint(org.unit_a).complaint
    with time_machine.travel(FILED, tick=False):
        slow = file_complaint(org.unit_a).complaint
        graft = file_complaint(org.unit_a, category="graft").complaint
    with time_machine.travel(FILED + timedelta(days=1), tick=False):
        numbers = lambda **p: [r["service_request_id"] for r in get(client, "requests", **p).json()]  # noqa: E731
        assert set(numbers()) == {slow.tracking_number, graft.tracking_number}  # the last 90 days
        assert numbers(service_code="graft") == [graft.tracking_number]
        assert set(numbers(service_code="graft,slow")) == {slow.tracking_number, graft.tracking_number}
        # service_request_id overrides the other filters, the old one included
        assert set(numbers(service_request_id=f"{old.tracking_number},{slow.tracking_number}",
                           service_code="graft")) == {old.tracking_number, slow.tracking_number}
        window = dict(start_date=(FILED - timedelta(days=125)).isoformat(),
                      end_date=(FILED - timedelta(days=100)).isoformat())
        assert numbers(**window) == [old.tracking_number]
        assert numbers(start_date="2026-11-02T01:00:00Z") == [graft.tracking_number, slow.tracking_number]
        assert numbers(end_date="2026-11-02T09:00:00+08:00") == []
        # an offset's "+" sent unencoded reaches us as a space: still read as the offset
        assert client.get(f"{BASE}requests.json?end_date=2026-11-02T09:00:00+08:00").json() == []
        assert len(client.get(f"{BASE}requests.json?start_date=2026-11-02T09:00:00+08:00").json()) == 2
        root = xml(get(client, "requests", "xml", service_code="slow"))
        assert [e.text for e in root.findall("request/service_request_id")] == [slow.tracking_number]


@pytest.mark.parametrize("params, words", [
    ({"start_date": "last week"}, "start_date"),
    ({"end_date": "2026-13-40"}, "end_date"),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90"),
    ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, "start_date"),
    ({"status": "pending"}, "status"),
])
def test_a_bad_filter_is_400(client, params, words):
    resp = get(client, "requests", **params)
    assert resp.status_code == 400 and words in errors(resp)
    assert xml(get(client, "requests", "xml", **params)).find("error/code").text == "400"


def test_an_unknown_service_code_in_the_list_is_404(client):
    assert get(client, "requests", service_code="potholes").status_code == 404


def test_an_unknown_request_is_404(client, org):
    file_complaint(org.unit_a)
    for number in ("TS20261102000000", "1", "../etc"):
        resp = get(client, f"requests/{number}")
        assert resp.status_code == 404
    assert xml(get(client, "requests/TS20261102000000", "xml")).find("error/code").text == "404"


def test_the_list_is_capped_at_1000(client, org, monkeypatch):
    from accountability import open311

    monkeypatch.setattr(open311, "MAX_RESULTS", 2)
    for _ in range(3):
        file_complaint(org.unit_a)
    assert len(get(client, "requests").json()) == 2


def test_reads_are_limited_per_client_behind_the_proxy(client, settings):
    settings.TRUSTED_PROXIES = [NGINX]
    settings.OPEN311_READS_PER_MINUTE = 3
    codes = [client.get(f"{BASE}services.json", **behind_proxy(CLIENT_A)).status_code for _ in range(5)]
    assert codes == [200] * 3 + [429] * 2
    resp = client.get(f"{BASE}services.xml", **behind_proxy(CLIENT_A, sent=CLIENT_B))
    assert resp.status_code == 429 and resp["Retry-After"] == "60" and xml(resp).find("error/code").text == "429"
    assert client.get(f"{BASE}services.json", **behind_proxy(CLIENT_B)).status_code == 200


# --- tokens ------------------------------------------------------------------------------------------------


def test_a_token_is_the_request_id(client, org, api_key):
    number = client.post(f"{BASE}requests.json", post_data(org, api_key)).json()[0]["service_request_id"]
    assert get(client, f"tokens/{number}").json() == [{"service_request_id": number, "token": number}]
    assert xml(get(client, f"tokens/{number}", "xml")).find("request/token").text == number
    assert get(client, "tokens/TS20000101000000").status_code == 404


# --- hostile input -------------------------------------------------------------------------------------------


def test_xml_is_well_formed_and_escaped_against_hostile_input(client, org, channel, api_key):
    hostile = '</description><script>alert("x")</script>&amp; ]]> \x01\x0b\ufffe 甲'
    resp = client.post(f"{BASE}requests.xml", post_data(org, api_key, description=hostile,
                                                         address_string="<b>地址</b>&"))
    assert resp.status_code == 201
    root = xml(get(client, "requests", "xml", api_key=api_key))  # parses: well-formed
    assert root.find("request/description").text == '</description><script>alert("x")</script>&amp; ]]>  甲'
    assert root.find("request/address").text == "<b>地址</b>&"
    assert b"<script>" not in get(client, "requests", "xml", api_key=api_key).content
    resp = get(client, "services/<x>&", "xml")
    assert resp.status_code == 404 and xml(resp).find("error/description").text.count("<x>&") == 1


def test_a_nul_byte_is_refused(client, org, api_key):
    resp = client.post(f"{BASE}requests.json", post_data(org, api_key, description="a\x00b"))
    assert resp.status_code == 400 and resp.json()[0]["code"] == 400 and not Complaint.objects.exists()


def test_a_get_with_a_bad_api_key_is_403(client, org):
    file_complaint(org.unit_a)
    resp = get(client, "requests", api_key="revoked")
    assert resp.status_code == 403 and "api_key" in errors(resp)
    assert get(client, "requests").status_code == 200  # no key at all: the public view


def test_the_public_list_reads_the_filing_time_index(org):
    """The 90-day window, newest first, at any size: the plan walks acc_complaint_filed."""
    from django.db import connection

    from accountability import queries

    file_complaint(org.unit_a)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        qs = Complaint.objects.filter(filed_at__gte=FILED - timedelta(days=90), filed_at__lte=FILED).order_by(
            "-filed_at", "-id")[:1000]
        plan = qs.explain()
    assert "acc_complaint_filed" in plan
    assert queries.complaints_open311(since=FILED - timedelta(days=90), until=FILED) == []


def test_an_english_client_reads_english_names_with_the_same_codes(client, org, api_key):
    body = client.get(f"{BASE}services.json", HTTP_ACCEPT_LANGUAGE="en").json()
    slow = next(s for s in body if s["service_code"] == "slow")
    assert slow["service_name"] != "慢作为" and slow["service_name"].isascii()
    resp = client.post(f"{BASE}requests.json", post_data(org, api_key, service_code="nope"), HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 404 and errors(resp) == 'No complaint category has the service_code "nope".'


def test_the_list_takes_a_fixed_number_of_queries(client, org, channel, api_key, monkeypatch):
    from efficiency import process_cache

    # The per-process copies recheck once a second; a slow machine must not make that the extra query.
    monkeypatch.setattr(process_cache, "RECHECK_SECONDS", 3600)

    def counted():
        with CaptureQueriesContext(connection) as captured:
            assert get(client, "requests", "xml", api_key=api_key).status_code == 200
        return len(captured.captured_queries)

    file_complaint(org.unit_a, channel=channel[0])
    counted()  # this process reads the rules once (efficiency.process_cache)
    few = counted()
    for _ in range(5):
        file_complaint(org.unit_a, channel=channel[0])
    assert counted() == few == 2  # the channel, the list


def test_an_answered_complaint_is_closed_and_a_reexamination_opens_it(client, org, channel, api_key):  # R26
    c = file_complaint(org.unit_a, channel=channel[0]).complaint
    c = services.complaint_accept(complaint=c, actor=org.office)
    c = services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)
    c = services.complaint_unit_reply(complaint=c, actor=org.head_a, reply="已责令窗口当日办结。")
    c = services.complaint_send_reply(complaint=c, actor=org.office, substantiated=True)
    [public] = get(client, f"requests/{c.tracking_number}").json()
    [own] = get(client, f"requests/{c.tracking_number}", api_key=api_key).json()
    assert public["status"] == own["status"] == "closed" and public["status_notes"] == "已答复"
    assert own["status_notes"] == f"已答复：{c.reply}" and public["expected_datetime"] is None
    assert public["updated_datetime"] >= public["requested_datetime"]
    services.complaint_reexamine(complaint=c, reason="答复没有解决问题")
    [again] = get(client, f"requests/{c.tracking_number}").json()
    assert again["status"] == "open" and again["status_notes"] == "复查中"


def test_wrong_api_keys_from_one_address_are_slowed_down_and_the_right_one_from_another_is_not(
        client, org, api_key, settings):
    from accountability import open311_views

    settings.TRUSTED_PROXIES = [NGINX]
    codes = [client.post(f"{BASE}requests.json", post_data(org, f"guess-{n}"), **behind_proxy(CLIENT_A)).status_code
             for n in range(open311_views.KEY_FAILS_PER_IP + 2)]
    assert codes == [403] * open311_views.KEY_FAILS_PER_IP + [429] * 2
    resp = client.get(f"{BASE}requests.json", {"api_key": "guess"}, **behind_proxy(CLIENT_A))
    assert resp.status_code == 429 and resp["Retry-After"] == "600"
    assert client.post(f"{BASE}requests.json", post_data(org, api_key), **behind_proxy(CLIENT_B)).status_code == 201
