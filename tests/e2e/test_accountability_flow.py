"""A citizen on a phone files an anonymous complaint with a photo; the office accepts and
assigns; the unit replies late (red card, accountability proposal); the office sends the
reply within its review period; the citizen reads it by tracking number, rates it 不满意 and
asks for re-examination."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from PIL import Image

from accountability.models import AccountabilityCase, Complaint
from efficiency.models import Rung
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI

from .conftest import login, shot

pytestmark = pytest.mark.django_db(transaction=True)


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


def _as(browser, live_server, username, **ctx):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **ctx)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    login(pg, live_server, username)
    return context, pg


def test_a_citizen_complains_from_a_phone_and_follows_it_to_reexamination(
        browser, phone_page, live_server, org, settings, tmp_path):  # R26 R28
    settings.CAPTCHA_TEST_MODE = True
    settings.MEDIA_ROOT = tmp_path
    p = phone_page
    # 1. The citizen files an anonymous complaint with a photo.
    p.goto(f"{live_server.url}/accountability/public/complaint/")
    p.select_option("#id_category", "slow")
    p.fill("#id_subject_unit", org.unit_a.name)
    p.fill("#id_place", "市民之家 2 楼不动产登记窗口")
    p.fill("#id_description", "10 月 9 日提交的不动产登记申请，承诺 5 个工作日办结，至今没有结果，窗口说“等通知”。<b>请督办</b>")
    p.set_input_files("#id_attachments", files=[{"name": "窗口.png", "mimeType": "image/png", "buffer": _png()}])
    # Real-name by default (R26): anonymity is the citizen's own choice, and the form says its cost.
    assert not p.is_checked("#id_is_anonymous")
    assert "无法电话回访" in p.inner_text("#anonymity-cost")
    p.check("#id_is_anonymous")
    p.fill("#id_captcha_answer", "PASSED")
    shot(p, "accountability_0_form_phone")
    p.click("button[type=submit]")
    number = p.inner_text("#tracking-number").strip()
    code = p.inner_text("#check-code").strip()
    assert p.url.endswith("/accountability/public/complaint/filed/")  # the form's POST answered 303
    shot(p, "accountability_1_filed_phone")
    c = Complaint.objects.get(tracking_number=number)
    assert c.is_anonymous and c.attachments.count() == 1

    # 2. The office accepts and assigns it to unit A.
    ctx, office = _as(browser, live_server, "office")
    office.goto(f"{live_server.url}/accountability/complaints/")
    office.click(f"text={number}")
    office.click("#accept")
    office.select_option("#assign-form select[name=unit]", label=org.unit_a.name)
    office.click("#assign-form button")
    assert "办理中" in office.inner_text("#status")
    shot(office, "accountability_office_assigned")
    ctx.close()
    c.refresh_from_db()
    assert c.status == Complaint.Status.ASSIGNED and c.unit == org.unit_a

    # 3. The unit replies late: the sweep past the reply deadline shows a red card and proposes a case.
    with time_machine.travel(c.red_at + timedelta(hours=10), tick=True):
        sweep(now=timezone.now())
        c.refresh_from_db()
        assert c.breach_level == Rung.RED
        case = AccountabilityCase.objects.get(source="red_card", subject_id=c.pk)
        assert case.unit == org.unit_a and case.person == org.head_a
        ctx, unit = _as(browser, live_server, "head_a")
        unit.goto(f"{live_server.url}{c.get_absolute_url()}")
        assert "红牌" in unit.inner_text("h1")
        shot(unit, "accountability_unit_red_card")
        unit.fill("#unit-reply-form textarea[name=reply]", "经核查，因系统数据迁移延误，已于今日办结，并向申请人致歉。")
        assert unit.locator("#unit-reply-form select[name=substantiated]").count() == 0  # the office's finding
        unit.click("#unit-reply")
        ctx.close()
        c.refresh_from_db()
        assert c.status == Complaint.Status.REPLIED and c.clock_state == "done_late"

        # 4. The office reviews, on its own clock, and sends the reply to the citizen.
        review = c.reviews.get()
        ctx, office = _as(browser, live_server, "office")
        office.goto(f"{live_server.url}{c.get_absolute_url()}")
        assert review.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d") in office.inner_text("#step-due")
        assert "效能办审核单位答复" in office.inner_text("#step-due")
        office.select_option("#send-form select[name=substantiated]", "true")
        office.click("#send")
        ctx.close()
        c.refresh_from_db()
        review.refresh_from_db()
        assert c.status == Complaint.Status.ANSWERED and (c.substantiated, c.finding_by) == (True, org.office)
        assert (review.outcome, review.clock_state) == ("sent", "done")

        # 5. The citizen reads it by tracking number, rates it 不满意 and asks for re-examination.
        p.goto(f"{live_server.url}/accountability/public/track/")
        p.fill("#id_tracking_number", number)
        p.fill("#id_code", code)
        p.click("button[type=submit]")
        assert "并向申请人致歉" in p.inner_text("#reply")
        assert org.head_a.full_name not in p.content() and org.office.full_name not in p.content()
        p.check("#rate-form input[name=rating][value=dissatisfied]")
        p.click("#rate-form button")
        p.fill("#reexamine-form textarea[name=reason]", "只是道歉，登记证至今没拿到。")
        p.click("#reexamine-form button")
        assert "复查中" in p.inner_text("#status")
        shot(p, "accountability_2_reexamination_phone")
    c.refresh_from_db()
    assert (c.rating, c.status) == ("dissatisfied", Complaint.Status.REEXAMINING)
    assert AccountabilityCase.objects.filter(subject_id=c.pk).count() == 2  # red card + substantiated
