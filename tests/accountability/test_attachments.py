"""Complaint evidence as an attacker would go after it (efficiency/uploads.py): an HTML page on an
image never runs in an office user's session, a bomb or a damaged PDF is refused with a message,
and the files are served only to the office and units that see the complaint, or to the
complainant with the private link or the number and the check code — everyone else gets 404."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accountability import services
from accountability.models import Complaint

from ..files import SCRIPT, bomb_png, pdf, png
from .conftest import file_complaint
from .test_public_complaints import API, FORM, api_data, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(org):
    """A complaint about unit A, handed to unit A, with an HTML page riding on its photo."""
    filed = file_complaint(org.unit_a, files=[png("窗口.png", tail=SCRIPT), pdf("回执.pdf")])
    c = services.complaint_accept(complaint=filed.complaint, actor=org.office)
    services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)
    return filed


def _urls(filed):
    c = filed.complaint
    return [f"/accountability/complaints/{c.pk}/attachments/{a.pk}/" for a in c.attachments.order_by("pk")]


def test_the_html_on_a_citizens_photo_is_gone_and_the_photo_is_served_as_an_image(client, org):
    resp = client.post(FORM, form_data(org.unit_a, attachments=[png("x.png", tail=SCRIPT)]))
    assert resp.status_code == 303
    a = Complaint.objects.get().attachments.get()
    assert re.fullmatch(r"complaints/\d{4}/\d{2}/[0-9a-f]{32}\.png", a.file.name), a.file.name
    assert a.original_name == "x.png" and b"<script" not in a.file.read()
    client.force_login(org.office)
    r = client.get(f"/accountability/complaints/{a.complaint_id}/attachments/{a.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r["Content-Security-Policy"] and b"<script" not in b"".join(r.streaming_content)


def test_a_pdf_is_a_download_under_its_uploaded_name(client, org, filed):
    client.force_login(org.office)
    r = client.get(_urls(filed)[1])
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment") and "%E5%9B%9E%E6%89%A7.pdf" in r["Content-Disposition"]


def test_no_attachment_address_serves_anyone_anonymous(client, org, filed):
    for url in _urls(filed):
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith("/accounts/login/"), url
    for a in filed.complaint.attachments.all():
        assert client.get(f"/media/{a.file.name}").status_code == 404
        assert client.post(f"/accountability/public/attachments/{a.pk}/").status_code == 404
        assert client.get(f"/accountability/public/attachments/{a.pk}/").status_code == 405


def test_another_units_staff_gets_404(client, org, filed):
    client.force_login(org.clerk_b)
    assert [client.get(url).status_code for url in _urls(filed)] == [404, 404]
    client.force_login(org.clerk_a)  # the unit the complaint was handed to
    assert [client.get(url).status_code for url in _urls(filed)] == [200, 200]


def test_the_complainant_with_a_wrong_check_code_gets_404(client, org, filed):
    a = filed.complaint.attachments.order_by("pk").first()
    url = f"/accountability/public/attachments/{a.pk}/"
    number = filed.complaint.tracking_number
    assert client.post(url, {"number": number, "code": "ZZZZZZZZ"}).status_code == 404
    assert client.post(url, {"token": "not-the-link"}).status_code == 404
    other = file_complaint(org.unit_b)  # a right code for another complaint opens nothing of this one
    assert client.post(url, {"number": other.complaint.tracking_number, "code": other.check_code}).status_code == 404


def test_the_complainant_downloads_the_evidence_with_the_number_and_code_or_the_link(client, org, filed):
    page = client.post("/accountability/public/track/", {"tracking_number": filed.complaint.tracking_number,
                                                         "code": filed.check_code}).content.decode()
    a = filed.complaint.attachments.order_by("pk").first()
    url = f"/accountability/public/attachments/{a.pk}/"
    assert url in page and "窗口.png" in page
    r = client.post(url, {"number": filed.complaint.tracking_number, "code": filed.check_code})
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
    assert client.post(url, {"token": filed.link_token}).status_code == 200


def test_a_bomb_png_is_refused_with_a_message_on_the_form_and_the_api(client, org):
    r = client.post(FORM, form_data(org.unit_a, attachments=[bomb_png()]))
    assert r.status_code == 200 and "像素过多" in r.content.decode()
    r = client.post(API, api_data(org.unit_a, attachments=[bomb_png()]))
    assert r.status_code == 400 and "像素过多" in r.json()["error"]["message"]
    assert not Complaint.objects.exists()


def test_a_pdf_with_garbage_is_refused(client, org):
    junk = SimpleUploadedFile("扫描件.pdf", b"%PDF-1.4\n" + b"\x00garbage\xff" * 500, content_type="application/pdf")
    r = client.post(API, api_data(org.unit_a, attachments=[junk]))
    assert r.status_code == 400 and "已损坏或不是有效的 PDF" in r.json()["error"]["message"]
    assert not Complaint.objects.exists()
