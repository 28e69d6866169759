"""The public complaint form and API (R26): bad input, CAPTCHA, channels, rate limits, tracking."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from accountability.models import Complaint, IntakeChannel
from efficiency.models import Event

from ..files import pdf_bytes, png
from .conftest import file_complaint

pytestmark = pytest.mark.django_db

API = "/api/v1/public/complaints/"
FORM = "/accountability/public/complaint/"


def form_data(unit, **kw):
    data = {"category": "slow", "subject_unit": unit.name, "description": "办证拖了一个月", "place": "政务中心",
            "is_anonymous": "on", "captcha_id": "x", "captcha_answer": "PASSED"}
    data.update(kw)
    return data


def api_data(unit, **kw):
    data = {"category": "slow", "subject_unit": unit.pk, "description": "办证拖了一个月", "is_anonymous": True,
            "captcha_id": "x", "captcha_answer": "PASSED"}
    data.update(kw)
    return data


def test_the_form_files_an_anonymous_complaint_with_a_photo(client, org):  # R26
    resp = client.post(FORM, form_data(org.unit_a, attachments=[png()]), follow=True)
    assert resp.redirect_chain == [("/accountability/public/complaint/filed/", 303)] and resp.status_code == 200
    c = Complaint.objects.get()
    assert c.is_anonymous and c.attachments.get().content_type == "image/png"
    page = resp.content.decode()
    assert c.tracking_number in page and "/accountability/public/t/" in page


def test_the_form_page_shows_a_captcha_and_units(client, org):
    resp = client.get(FORM)
    assert resp.status_code == 200
    page = resp.content.decode()
    assert "/captcha/image/" in page and org.unit_a.name in page and "门难进脸难看事难办" in page


def test_an_exe_renamed_jpg_is_refused_with_a_clear_message(client, org):
    exe = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00\x03" + b"\x00" * 2000, content_type="image/jpeg")
    resp = client.post(FORM, form_data(org.unit_a, attachments=[exe]))
    assert resp.status_code == 200 and "不是图片或 PDF 文件" in resp.content.decode()
    exe.seek(0)
    resp = client.post(API, api_data(org.unit_a, attachments=[exe]))
    assert resp.status_code == 400 and "不是图片或 PDF" in resp.json()["error"]["message"]
    assert not Complaint.objects.exists()


def test_a_50_mb_file_is_refused(client, org):
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024), content_type="application/pdf")
    resp = client.post(API, api_data(org.unit_a, attachments=[big]))
    assert resp.status_code == 400 and "超过 10 MB" in resp.json()["error"]["message"]
    assert not Complaint.objects.exists()


def test_a_pdf_is_accepted_by_its_content(client, org):
    scan = SimpleUploadedFile("扫描件.bin", pdf_bytes(), content_type="application/octet-stream")
    resp = client.post(API, api_data(org.unit_a, attachments=[scan]))
    assert resp.status_code == 201
    assert Complaint.objects.get().attachments.get().content_type == "application/pdf"


def test_html_in_the_text_is_shown_as_text(client, org):
    filed = file_complaint(org.unit_a, description='<script>alert("x")</script><b>粗</b>')
    client.force_login(org.office)
    page = client.get(filed.complaint.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert '<script>alert("x")' not in page


def test_30_submissions_a_minute_from_one_address_are_slowed_down(client, org):
    codes = [client.post(API, api_data(org.unit_a)).status_code for _ in range(30)]
    assert codes.count(201) == 20 and codes[-1] == 429
    resp = client.post(API, api_data(org.unit_a))
    assert "频繁" in resp.json()["error"]["message"]
    assert client.post(FORM, form_data(org.unit_a)).status_code == 429
    other = client.post(API, api_data(org.unit_a), REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 201


def test_an_anonymous_api_call_needs_the_captcha(client, org, settings):
    settings.CAPTCHA_TEST_MODE = False
    resp = client.post(API, api_data(org.unit_a, captcha_answer="WRONG"))
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "captcha"
    challenge = client.get(API + "captcha/").json()
    from captcha.models import CaptchaStore

    answer = CaptchaStore.objects.get(hashkey=challenge["captcha_id"]).response
    assert challenge["image_url"].startswith("/captcha/image/")
    resp = client.post(API, api_data(org.unit_a, captcha_id=challenge["captcha_id"], captcha_answer=answer))
    assert resp.status_code == 201
    again = client.post(API, api_data(org.unit_a, captcha_id=challenge["captcha_id"], captcha_answer=answer))
    assert again.status_code == 400  # one use per challenge


def test_an_anonymous_api_call_without_a_captcha_is_refused_not_a_server_error(client, org):
    data = api_data(org.unit_a)
    data.pop("captcha_id", None)
    resp = client.post(API, {**data, "captcha_answer": "passed"})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "captcha"
    assert not Complaint.objects.exists()


def test_a_registered_channel_skips_the_captcha_and_is_marked(client, org, settings, capsys):
    settings.CAPTCHA_TEST_MODE = False
    call_command("intake_channel", "add", "12345 热线")
    token = capsys.readouterr().out.strip()
    channel = IntakeChannel.objects.get()
    assert token and channel.token_hash != token  # only the hash is kept
    resp = client.post(API, api_data(org.unit_a, captcha_answer=""), HTTP_AUTHORIZATION=f"Channel {token}")
    assert resp.status_code == 201
    assert Complaint.objects.get().channel == channel
    resp = client.post(API, api_data(org.unit_a), HTTP_X_CHANNEL_TOKEN="forged")
    assert resp.status_code == 401


def test_public_status_by_number_and_code_hides_the_handlers(client, org):
    from accountability import services

    filed = file_complaint(org.unit_a)
    services.complaint_accept(complaint=filed.complaint, actor=org.office)
    resp = client.get(f"{API}{filed.complaint.tracking_number}/?code={filed.check_code}")
    assert resp.status_code == 200 and resp.json()["status"] == "accepted"
    assert org.office.full_name not in resp.content.decode()
    page = client.get(f"/accountability/public/t/{filed.link_token}/").content.decode()
    assert "已受理" in page and org.office.full_name not in page


def test_a_wrong_code_answers_like_an_unknown_number_and_is_rate_limited(client, org):
    filed = file_complaint(org.unit_a)
    no = filed.complaint.tracking_number
    wrong = client.get(f"{API}{no}/?code=AAAAAAAA")
    unknown = client.get(f"{API}TS2099010100000/?code=AAAAAAAA")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    codes = [client.get(f"{API}{no}/?code=BBBBBBB{i}").status_code for i in range(6)]
    assert 429 in codes
    # locked out: even the right code waits
    assert client.get(f"{API}{no}/?code={filed.check_code}").status_code == 429


def test_the_filed_event_is_in_the_same_transaction_as_the_row(org):
    filed = file_complaint(org.unit_a)
    assert Event.objects.filter(kind="complaints.filed", subject_id=filed.complaint.pk).count() == 1


def test_units_json_lists_active_units(client, org):
    data = client.get("/accountability/public/units.json?q=自然资源").json()
    assert [u["name"] for u in data["results"]] == [org.unit_a.name]


def test_bad_fields_give_a_400_in_chinese(client, org):
    resp = client.post(API, {"category": "nope", "subject_unit": "abc", "description": ""})
    assert resp.status_code == 400 and resp.json()["error"]["message"]
    resp = client.post(API, api_data(org.unit_a, is_anonymous="false", name="", phone=""))
    assert resp.status_code == 400 and "实名" in resp.json()["error"]["message"]


def test_a_wrong_captcha_on_the_page_is_a_form_error_with_a_new_challenge(client, org, settings):
    settings.CAPTCHA_TEST_MODE = False
    resp = client.post(FORM, form_data(org.unit_a, captcha_answer="nope"))
    assert resp.status_code == 200 and "验证码不正确" in resp.content.decode()
    assert not Complaint.objects.exists()


def test_an_unknown_unit_on_the_page_is_a_form_error(client, org):
    resp = client.post(FORM, form_data(org.unit_a, subject_unit="不存在的局"))
    assert resp.status_code == 200 and "没有找到该单位" in resp.content.decode()


def test_the_unit_field_searches_as_the_citizen_types(client, org):
    resp = client.get("/accountability/public/units.json?format=options&subject_unit=市场")
    assert org.unit_b.name in resp.content.decode() and org.unit_a.name not in resp.content.decode()


def test_a_bad_link_token_is_404(client, org):
    file_complaint(org.unit_a)
    assert client.get("/accountability/public/t/not-a-token/").status_code == 404


def test_a_channel_is_not_slowed_down(client, org):
    from accountability.services import channel_add

    _, token = channel_add(name="微信小程序")
    codes = {client.post(API, api_data(org.unit_a), HTTP_X_CHANNEL_TOKEN=token).status_code for _ in range(25)}
    assert codes == {201}


def test_the_tracking_page_shows_the_reply_and_takes_the_rating(client, org):  # R26
    from accountability import services

    from .conftest import to_replied

    filed, c = to_replied(org)
    services.complaint_send_reply(complaint=c, actor=org.office, reply="已责令窗口当日办结。<i>致歉</i>")
    resp = client.post("/accountability/public/track/", {"tracking_number": c.tracking_number.lower(), "code": filed.check_code.lower()})
    page = resp.content.decode()
    assert resp.status_code == 200 and "已责令窗口当日办结" in page and "&lt;i&gt;致歉&lt;/i&gt;" in page
    assert org.head_a.full_name not in page
    wrong = client.post("/accountability/public/track/", {"tracking_number": c.tracking_number, "code": "ZZZZZZZZ"})
    assert wrong.status_code == 404 and "没有找到该投诉" in wrong.content.decode()
    resp = client.post("/accountability/public/act/rate/", {"token": filed.link_token, "rating": "satisfied"})
    assert resp.status_code == 200
    c.refresh_from_db()
    assert (c.rating, c.status) == ("satisfied", "closed")


def test_the_api_takes_the_rating_and_one_reexamination(client, org):
    from accountability import services

    from .conftest import to_replied

    filed, c = to_replied(org)
    services.complaint_send_reply(complaint=c, actor=org.office)
    url = f"{API}{c.tracking_number}/rate/"
    resp = client.post(url, {"code": filed.check_code, "rating": "dissatisfied"}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["rating"] == "dissatisfied"
    resp = client.post(url, {"code": filed.check_code, "reexamine": "没解决"}, content_type="application/json")
    assert resp.json()["status"] == "reexamining"
    again = client.post(url, {"code": filed.check_code, "reexamine": "再查"}, content_type="application/json")
    assert again.status_code == 400 and "一次" in again.json()["error"]["message"]


def test_a_citizen_who_left_a_phone_gets_a_text_when_it_is_accepted(org):
    from accountability import services
    from efficiency.models import Notification
    from efficiency.notifications import notifications_fan_out

    filed = file_complaint(org.unit_a, is_anonymous=False, name="王先生", phone="13800000001")
    services.complaint_accept(complaint=filed.complaint, actor=org.office)
    notifications_fan_out()
    sms = Notification.objects.get(channel="sms", event__kind="complaints.accepted")
    assert sms.recipient == "phone:13800000001" and filed.complaint.tracking_number in sms.body
