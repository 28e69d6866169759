"""The form's receipt after Post/Redirect/Get (issue #17, R26): the POST answers 303 and hands
the receipt to the receipt page in a signed, short-lived, HttpOnly cookie; a refresh shows the
receipt again and files nothing; a forged, altered or expired receipt shows nothing."""

import pytest
from django.core import signing

from accountability import security, views
from accountability.models import Complaint

from .test_public_complaints import FORM, form_data

pytestmark = pytest.mark.django_db

FILED = "/accountability/public/complaint/filed/"


def test_r26_the_form_answers_303_and_the_receipt_page_shows_number_code_and_link(client, org):
    resp = client.post(FORM, form_data(org.unit_a))
    assert resp.status_code == 303 and resp["Location"] == FILED
    c = Complaint.objects.get()
    cookie = resp.cookies[views.RECEIPT_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == FILED
    assert int(cookie["max-age"]) == views.RECEIPT_SECONDS
    assert c.tracking_number not in resp["Location"] and not resp.content  # nothing secret in the URL
    assert "sessionid" not in resp.cookies  # no session written for an anonymous citizen

    page = client.get(FILED)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert f'<strong>{c.tracking_number}</strong>' in html
    code = html.split('id="check-code"><strong>')[1].split("<")[0]
    token = html.split("/accountability/public/t/")[1].split("/")[0]
    assert security.digest(code) == c.check_code_hash and security.token_digest(token) == c.link_token_hash
    assert c.due_at.date().isoformat() in html


def test_r26_a_refresh_of_the_receipt_shows_it_again_and_files_nothing(client, org):
    client.post(FORM, form_data(org.unit_a))
    first, again = client.get(FILED).content.decode(), client.get(FILED).content.decode()
    number = Complaint.objects.get().tracking_number
    assert number in first and number in again and Complaint.objects.count() == 1


@pytest.mark.parametrize("receipt", [
    None,  # another browser, or the cookie gone
    "not-a-receipt",
    signing.dumps(["TS20250101000001", "ABCDEFGH", "token", "2025-01-01T00:00:00+00:00", ""], salt="other"),
])
def test_r26_no_receipt_or_a_forged_one_leads_back_to_the_form(client, receipt):
    if receipt is not None:
        client.cookies[views.RECEIPT_COOKIE] = receipt
    resp = client.get(FILED)
    assert resp.status_code == 302 and resp["Location"] == FORM


def test_r26_an_altered_receipt_is_refused(client, org):
    client.post(FORM, form_data(org.unit_a))
    value = client.cookies[views.RECEIPT_COOKIE].value
    payload, _, signature = value.partition(":")
    client.cookies[views.RECEIPT_COOKIE] = signing.b64_encode(
        signing.b64_decode(payload.encode()).replace(b"TS", b"TT")).decode() + ":" + signature
    assert client.get(FILED).status_code == 302


def test_r26_the_receipt_expires(client, org, monkeypatch):
    import time

    client.post(FORM, form_data(org.unit_a))
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + views.RECEIPT_SECONDS - 5)
    assert client.get(FILED).status_code == 200
    monkeypatch.setattr(signing.time, "time", lambda: now + views.RECEIPT_SECONDS + 5)
    assert client.get(FILED).status_code == 302
