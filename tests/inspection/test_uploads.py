"""Visit photos and assessment reports as an attacker sends or looks for them
(efficiency/uploads.py): a 20000×20000 PNG is a 400 with a message, not a server error; a photo
is re-encoded under a random name and shown only to those who see the visit."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from efficiency.workdays import local_date
from inspection import services
from inspection.models import Method

from ..files import SCRIPT, bomb_png, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(org, approved_plan):
    return services.visit_record(actor=org.office, plan=approved_plan, unit=org.unit_a, kind=Method.OPEN,
                                 visited_on=local_date(timezone.now()), people_met="窗口负责人张某")


def test_a_bomb_photo_is_a_400_with_a_message_not_a_server_error(client, org, visit):
    client.force_login(org.office)
    r = client.post(f"/api/v1/inspection/visits/{visit.pk}/photos/", {"image": bomb_png()})
    assert r.status_code == 400 and "像素过多" in r.json()["error"]["message"]
    r = client.post(f"/inspection/visits/{visit.pk}/photos/", {"image": bomb_png()}, follow=True)
    assert r.status_code == 200 and "像素过多" in r.content.decode()
    assert not visit.photos.exists()


def test_a_photo_carrying_html_is_re_encoded_under_a_random_name(org, visit):
    photo = services.visit_photo_add(actor=org.office, visit=visit, upload=png("<img onerror>.png", tail=SCRIPT))
    assert re.fullmatch(r"inspection/photos/\d{4}/\d{2}/[0-9a-f]{32}\.png", photo.image.name), photo.image.name
    assert b"<script" not in photo.image.read()


def test_a_photo_is_served_only_to_those_who_see_the_visit(client, org, visit):
    photo = services.visit_photo_add(actor=org.office, visit=visit, upload=png())
    url = f"/inspection/photos/{photo.pk}/"
    assert client.get(url).status_code == 302  # to the login page
    assert client.get(f"/media/{photo.image.name}").status_code == 404
    client.force_login(org.clerk_b)
    assert client.get(url).status_code == 404
    client.force_login(org.office)
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"].startswith("inline")
    assert 'filename="photo.png"' in r["Content-Disposition"]  # the name it was uploaded under


def test_a_photo_keeps_its_uploaded_stem_but_never_its_extension(client, org, visit):
    photo = services.visit_photo_add(actor=org.office, visit=visit, upload=png("现场..\\page.html"))
    assert photo.original_name == "现场..\\page.html"
    client.force_login(org.office)
    disposition = client.get(f"/inspection/photos/{photo.pk}/")["Content-Disposition"]
    assert disposition.endswith('filename="page.png"') and ".html" not in disposition and "\\" not in disposition


def test_an_assessment_report_of_garbage_after_a_pdf_header_is_refused(org, approved_plan, plan_factory):
    from django.core.exceptions import ValidationError

    plan = services.plan_approve(actor=org.leader, plan=plan_factory(method=Method.THIRD_PARTY))
    junk = SimpleUploadedFile("评估报告.pdf", b"%PDF-1.5\n" + b"\x00\x01junk" * 300, content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        services.plan_assessment_record(actor=org.office, plan=plan, assessor="某评估中心", report=junk)
    assert "已损坏或不是有效的 PDF" in " ".join(exc.value.message_dict["report"])
