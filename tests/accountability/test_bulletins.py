"""Bulletins (通报) of typical cases, good and bad, published on the public site (R34)."""

import pytest
from django.core.exceptions import ValidationError

from accountability import services
from accountability.models import Bulletin

from .conftest import file_complaint, to_replied

pytestmark = pytest.mark.django_db


def published(org, **kw):
    filed, c = to_replied(org)
    c = services.complaint_send_reply(complaint=c, actor=org.office)
    b = services.bulletin_create(actor=org.office, title="关于 2025 年第三季度效能投诉典型案例的通报", complaints=[c], **kw)
    services.bulletin_approve(bulletin=b, actor=org.leader)
    return services.bulletin_publish(bulletin=b, actor=org.office), c


def test_a_bulletin_is_approved_by_someone_else_then_published(org):  # R34
    file_complaint(org.unit_a)
    b = services.bulletin_create(actor=org.office, title="通报", body="正文")
    with pytest.raises(ValidationError):
        services.bulletin_publish(bulletin=b, actor=org.office)
    with pytest.raises(ValidationError, match="起草人以外"):
        services.bulletin_approve(bulletin=b, actor=org.office)
    services.bulletin_approve(bulletin=b, actor=org.leader)
    b = services.bulletin_publish(bulletin=b, actor=org.office)
    assert b.status == Bulletin.Status.PUBLISHED and b.number.startswith("效能通报〔")


def test_the_public_reads_it_without_the_citizens_name(client, org):  # R34
    filed, c = to_replied(org)
    c.complainant_name, c.is_anonymous = "王小明", False
    c.save(update_fields=["complainant_name", "is_anonymous"])
    c = services.complaint_send_reply(complaint=c, actor=org.office)
    b = services.bulletin_create(actor=org.office, title="典型案例通报", complaints=[c])
    services.bulletin_approve(bulletin=b, actor=org.leader)
    services.bulletin_publish(bulletin=b, actor=org.office)
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
