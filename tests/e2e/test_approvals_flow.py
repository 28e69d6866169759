"""One application end to end in Chromium: intake with a missing material → one-time notice →
complete → two units review in parallel, one silent (red card, deemed consent) → the sweep
deems the application approved → the applicant sees 视为同意 and rates it."""

from datetime import timedelta

import pytest

from approvals import services
from approvals.models import Application, Material, ReviewStep, StepStatus
from efficiency.models import Event, Rung
from efficiency.sweep import sweep
from tests.factories import make_unit

from .conftest import login_as as _as, shot


@pytest.mark.django_db(transaction=True)
def test_a_joint_application_is_deemed_approved_and_rated(page, phone_page, live_server, org):  # R17 R19 R20 R24 R25 R36
    unit_c = make_unit("鄂州市住房和城乡建设局", region=org.region, code="C")
    item = services.item_save(
        actor=org.head_a, unit=org.unit_a, code="ZRZY-E2E", name="建设工程规划许可证核发",
        legal_basis="《中华人民共和国城乡规划法》第四十条", legal_limit=45, committed_limit=10, deemed_approval=True,
        materials=["建设工程规划许可证申请表", "建设用地使用权证明", "设计方案总平面图"], joint_units=[org.unit_b, unit_c])
    materials = list(Material.objects.filter(item=item).order_by("order"))

    _as(page, live_server, "clerk_a")
    page.goto(f"{live_server.url}/approvals/new/?item={item.pk}")
    page.select_option("select[name=applicant_kind]", "enterprise")
    page.fill("input[name=applicant_name]", "鄂州市滨湖置业有限公司")
    page.fill("input[name=applicant_id_number]", "91350100M000100Y43")
    page.fill("input[name=applicant_phone]", "13800000000")
    page.fill("input[name=project]", "滨湖商业综合体")
    for m in materials[:2]:
        page.check(f"#intake-form input[name=materials][value='{m.pk}']")
    page.click("#intake-form button[type=submit]")
    page.click("#issue-notice")
    page.wait_for_selector("#notice")
    assert "设计方案总平面图" in page.inner_text("#notice")
    shot(page, "approvals_notice")
    app = Application.objects.get()
    page.goto(f"{live_server.url}{app.get_absolute_url()}")
    page.check(f"form[action$='/complete/'] input[value='{materials[2].pk}']")
    page.click("#complete")
    number = page.inner_text("#receipt-number").strip()
    code = page.inner_text("#check-code").strip()
    assert number.startswith("SL") and len(code) == 8

    _as(page, live_server, "clerk_b")
    page.goto(f"{live_server.url}{app.get_absolute_url()}")
    page.check("#step-form input[name=consent][value='1']")
    page.click("#step-form button")
    page.wait_for_selector("text=会审意见已提交")

    app.refresh_from_db()
    silent = ReviewStep.objects.get(application=app, unit=unit_c)
    sweep(now=silent.due_at + timedelta(minutes=1))  # unit C stays silent past its step deadline
    silent.refresh_from_db()
    app.refresh_from_db()
    assert silent.breach_level == Rung.RED and silent.status == StepStatus.DEEMED_CONSENTED
    assert app.breach_level < Rung.YELLOW  # the application itself is still on time

    _as(page, live_server, "clerk_a")
    page.goto(f"{live_server.url}{app.get_absolute_url()}")
    steps = page.inner_text("#steps")
    assert "红牌" in steps and "责任转由鄂州市住房和城乡建设局承担" in steps
    shot(page, "approvals_step_red_card")

    sweep(now=app.due_at + timedelta(minutes=1))
    sweep(now=app.due_at + timedelta(minutes=2))
    app.refresh_from_db()
    assert app.status == "deemed"
    assert Event.objects.filter(kind="approvals.deemed_approved", subject_id=app.pk).count() == 1
    # The deemed approval is also the proposal (its kind implies accountability.propose): one case.
    from accountability.models import AccountabilityCase
    assert AccountabilityCase.objects.filter(source="deemed_approval", subject_id=app.pk).count() == 1

    phone_page.goto(f"{live_server.url}/approvals/public/lookup/")
    phone_page.fill("input[name=receipt_number]", number)
    phone_page.fill("input[name=code]", code)
    phone_page.click("#lookup-form button")
    assert "视为同意" in phone_page.inner_text("#public-status")
    phone_page.check("#rating-form input[name=score][value='5']")
    phone_page.fill("#rating-form textarea[name=comment]", "超时默认，省了跑腿")
    phone_page.click("#rating-form button")
    phone_page.wait_for_selector("#thanks")
    shot(phone_page, "approvals_deemed_and_rated")
    assert app.ratings.get().score == 5
