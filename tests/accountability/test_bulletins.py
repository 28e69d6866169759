"""Bulletins (通报) of typical cases, good and bad, published on the public site (R34)."""

from datetime import datetime, timezone as dt_timezone

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader
from io import BytesIO

from accountability import services
from accountability.models import Bulletin
from efficiency.models import Role
from tests.factories import make_user

from .conftest import file_complaint, to_replied

pytestmark = pytest.mark.django_db


def published(org, **kw):
    filed, c = to_replied(org)
    c = services.complaint_send_reply(complaint=c, actor=org.office, substantiated=True)
    b = services.bulletin_create(actor=org.office, title="关于 2025 年第三季度效能投诉典型案例的通报", complaints=[c], **kw)
    return services.bulletin_sign_off(bulletin=b, actor=org.leader), c


def test_r34_a_clerk_cannot_publish_a_draft_only_a_leaders_sign_off_does(org):
    """R34: an office clerk drafts; publishing is refused (403, with the reason) until a leader
    signs it off — not another office member either; the leader's sign-off publishes it."""
    file_complaint(org.unit_a)
    office2 = make_user(Role.OFFICE, unit=org.office_unit, username="office2", full_name="周督查")
    b = services.bulletin_create(actor=org.office, title="通报", body="正文")
    with pytest.raises(PermissionDenied, match="领导签发"):
        services.bulletin_publish(bulletin=b, actor=org.office)
    with pytest.raises(PermissionDenied, match="领导签发"):
        services.bulletin_sign_off(bulletin=b, actor=office2)
    b.refresh_from_db()
    assert b.status == Bulletin.Status.DRAFT and b.approved_by is None
    b = services.bulletin_sign_off(bulletin=b, actor=org.leader)
    assert b.status == Bulletin.Status.PUBLISHED and b.number.startswith("效能通报〔")
    assert (b.approved_by, b.approved_at is not None) == (org.leader, True)


def test_r34_a_leader_does_not_sign_off_their_own_draft(org):
    b = services.bulletin_create(actor=org.leader, title="通报", body="正文")
    with pytest.raises(ValidationError, match="起草人以外"):
        services.bulletin_sign_off(bulletin=b, actor=org.leader)


def test_r34_the_api_refuses_the_office_sign_off_with_the_reason(client, org):
    b = services.bulletin_create(actor=org.office, title="通报", body="正文")
    client.force_login(org.office)
    resp = client.post(f"/api/v1/accountability/bulletins/{b.pk}/sign-off/")
    assert resp.status_code == 403 and "领导签发" in resp.json()["error"]["message"]
    resp = client.post(f"/api/v1/accountability/bulletins/{b.pk}/publish/")
    assert resp.status_code == 403
    client.force_login(org.leader)
    assert client.post(f"/api/v1/accountability/bulletins/{b.pk}/sign-off/").json()["status"] == "published"


def test_the_public_reads_it_without_the_citizens_name(client, org):  # R34
    filed, c = to_replied(org)
    c.complainant_name, c.is_anonymous = "王小明", False
    c.save(update_fields=["complainant_name", "is_anonymous"])
    c = services.complaint_send_reply(complaint=c, actor=org.office, substantiated=True)
    b = services.bulletin_create(actor=org.office, title="典型案例通报", complaints=[c])
    services.bulletin_sign_off(bulletin=b, actor=org.leader)
    page = client.get(f"/accountability/public/bulletins/{b.pk}/").content.decode()
    assert org.unit_a.name in page and "王小明" not in page
    assert "典型案例通报" in client.get("/accountability/public/bulletins/").content.decode()


def test_a_draft_is_not_public(client, org):
    b = services.bulletin_create(actor=org.office, title="草稿", body="内部")
    assert client.get(f"/accountability/public/bulletins/{b.pk}/").status_code == 404


def test_it_prints_as_pdf(client, org):  # R34
    b, _ = published(org)
    resp = client.get(f"/accountability/public/bulletins/{b.pk}/pdf/")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF") and b"STSong-Light" in resp.content


def test_r34_the_pdf_shows_who_signed_and_when_in_china_time(org):
    """Signed off at 17:30 UTC on 5 January = 01:30 on 6 January in Beijing: the PDF says the 6th."""
    b = services.bulletin_create(actor=org.office, title="通报", body="正文")
    with time_machine.travel(datetime(2026, 1, 5, 17, 30, tzinfo=dt_timezone.utc), tick=False):
        b = services.bulletin_sign_off(bulletin=b, actor=org.leader)
    from accountability.pdf import bulletin_pdf

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(bulletin_pdf(b))).pages)
    assert "2026年01月06日 01:30" in text and "2026年01月05日" not in text
    assert "签发" in text and org.leader.full_name in text
