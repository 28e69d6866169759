"""A citizen at `/` (issue 15 #7, issue 14 #9): the portal is the front door; the complaint form is
one click away; the CAPTCHA is refreshed and switched to a text question without losing what was
typed; the complaint is filed and tracked; the deadline shown never goes backwards across the
steps (accepted, handed to the unit, the unit replying early); the logo and the menu lead back."""

import re

import pytest
from playwright.sync_api import expect

from accountability import services
from accountability.models import Complaint

from .conftest import shot

pytestmark = pytest.mark.django_db(transaction=True)


def _due(p) -> str:
    return p.inner_text("#due-at").strip()


def test_a_citizen_goes_from_the_portal_to_a_complaint_and_tracks_it(page, live_server, org, settings):
    settings.CAPTCHA_TEST_MODE = True
    # The per-address counter lives in the shared cache: another worker's flood test must not
    # slow this citizen down (the limit itself: tests/accountability/test_public_complaints.py).
    settings.COMPLAINT_SUBMITS_PER_MINUTE = 10_000
    p = page
    p.goto(f"{live_server.url}/")
    assert p.is_visible("#staff-login")  # the staff login is one link away, not the front door
    shot(p, "portal_0_front_door")
    p.click("#portal-actions >> text=效能投诉")
    assert p.url.endswith("/accountability/public/complaint/")

    # The CAPTCHA: another image, then a text question; what was typed stays.
    p.select_option("#id_category", "slow")
    p.fill("#id_subject_unit", org.unit_a.name)
    p.fill("#id_description", "营业执照变更材料齐全，窗口说要等领导签字，两周没有结果。")
    p.fill("#id_name", "王女士")  # real-name by default (R26): anonymity is the citizen's explicit choice
    p.fill("#id_phone", "13900000000")
    first_key = p.input_value("input[name=captcha_id]")
    first_src = p.get_attribute("#captcha-image", "src")
    p.click("#captcha-refresh")
    expect(p.locator("input[name=captcha_id]")).not_to_have_value(first_key)  # no eval: the CSP forbids it
    assert p.get_attribute("#captcha-image", "src") != first_src and p.is_visible("#captcha-image")
    p.click("#captcha-text")
    p.wait_for_selector("#captcha-question:not([hidden])")
    assert "等于几" in p.inner_text("#captcha-question") and not p.is_visible("#captcha-image")
    assert p.input_value("#id_description").startswith("营业执照变更")
    p.fill("#id_captcha_answer", "PASSED")
    shot(p, "portal_1_form_text_captcha")
    p.click("#complaint-form button[type=submit]:not([name])")
    number = p.inner_text("#tracking-number").strip()
    code = p.inner_text("#check-code").strip()
    # Post/Redirect/Get: the receipt is a page of its own; reloading it shows it again and files nothing.
    assert p.url.endswith("/accountability/public/complaint/filed/")
    p.reload()
    assert p.inner_text("#tracking-number").strip() == number and p.inner_text("#check-code").strip() == code
    assert Complaint.objects.count() == 1

    # Tracking: the menu leads there; the deadline is followed across the office's steps.
    def track() -> str:
        p.click("#public-menu >> text=投诉办理进度查询")
        p.fill("#id_tracking_number", number)
        p.fill("#id_code", code)
        p.click("main button[type=submit]")
        return _due(p)

    seen = [track()]
    c = Complaint.objects.get(tracking_number=number)
    c = services.complaint_accept(complaint=c, actor=org.office)
    seen.append(track())
    c = services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)
    seen.append(track())
    c = services.complaint_unit_reply(complaint=c, actor=org.head_a, reply="已督促窗口当日办结。")
    assert c.reviews.get().due_at.date().isoformat() < seen[-1]  # the office's review runs on a shorter clock
    seen.append(track())
    shot(p, "portal_2_tracking")
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in seen), seen
    assert seen == sorted(seen) and seen[2] > seen[0], seen  # later once handed out, never earlier
    assert "期限由" in p.inner_text("#due-changes")  # the move later says why

    # The logo leads back to the portal, not to the staff login.
    p.click("a.brand")
    assert p.url == f"{live_server.url}/" and p.is_visible("#portal-actions")
