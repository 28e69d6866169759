"""One inspection end to end in Chromium: plan → approval → draw → visit → finding →
rectification late (red) → verified."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from efficiency.sweep import sweep
from efficiency.workdays import local_date
from inspection import services
from inspection.models import Rectification

from .conftest import login_as as _as, shot


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 60)).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.django_db(transaction=True)
def test_inspection_flow_to_a_late_verified_rectification(page, live_server, org):  # R13 R30 R31 R32 R33
    services.target_pool_create(actor=org.office, name="市直窗口单位", issuing_unit=org.office_unit,
                                units=[org.unit_a, org.unit_b])
    services.inspector_pool_create(actor=org.office, name="效能督查员", issuing_unit=org.office_unit,
                                   members=[org.office, org.head_b])
    today = local_date(timezone.now())
    visited = (today - timedelta(days=40)).isoformat()

    _as(page, live_server, "office")
    page.goto(f"{live_server.url}/inspection/plans/new/")
    page.fill("input[name=topic]", "窗口服务作风明查暗访")
    page.fill("textarea[name=scope]", "工作纪律、服务态度、限时办结")
    page.select_option("select[name=method]", "open")
    page.select_option("select[name=issuing_unit]", str(org.office_unit.pk))
    page.select_option("select[name=region]", str(org.region.pk))
    page.fill("input[name=start_date]", (today - timedelta(days=45)).isoformat())
    page.fill("input[name=end_date]", today.isoformat())
    page.select_option("select[name=units]", [str(org.unit_a.pk), str(org.unit_b.pk)])
    page.fill("input[name=sample_size]", "1")
    page.click("button[type=submit]:has-text('提交')")
    page.click("text=报领导审批")
    assert "待审批" in page.inner_text("#plan-status")
    plan_url = page.url

    _as(page, live_server, "leader")
    page.goto(plan_url)
    page.fill("textarea[name=note]", "同意")
    page.click("button[name=approve]")
    assert "已批准" in page.inner_text("#plan-status")

    _as(page, live_server, "office")
    page.goto(plan_url)
    page.click("text=双随机抽取")
    page.select_option("select[name=target_pool]", label="市直窗口单位")
    page.select_option("select[name=inspector_pool]", label="效能督查员")
    page.fill("input[name=n_targets]", "1")
    page.fill("input[name=per_target]", "1")
    page.click("button[type=submit]:has-text('提交')")
    assert page.inner_text("#draw-seed").strip().isdigit()
    assert "结果一致" in page.inner_text("#draw-verified")
    shot(page, "inspection_draw")

    page.goto(plan_url)
    page.click("text=记录明查暗访")
    page.select_option("select[name=unit]", str(org.unit_a.pk))
    page.fill("input[name=visited_on]", visited)
    page.fill("input[name=place]", "市民之家二楼不动产登记窗口")
    page.fill("textarea[name=people_met]", "窗口值班人员2名")
    page.click("button[type=submit]:has-text('提交')")
    page.set_input_files("input[name=image]", files=[{"name": "现场.png", "mimeType": "image/png", "buffer": _png()}])
    page.click("button[type=submit]:has-text('上传')")
    assert page.locator("figure img").count() == 1
    page.click("text=登记问题")
    page.fill("input[name=title]", "工作时间窗口空岗")
    page.fill("textarea[name=rectify_target]", "窗口全时段有人值守，建立AB岗")
    page.fill("input[name=rectify_days]", "10")
    page.fill("input[name=feedback_date]", visited)
    page.select_option("select[name=responsible]", str(org.clerk_a.pk))
    page.click("button[type=submit]:has-text('提交')")
    rect = Rectification.objects.get(finding__title="工作时间窗口空岗")

    sweep(now=timezone.now())  # the beat's sweep: the deadline passed weeks ago
    page.goto(f"{live_server.url}{rect.get_absolute_url()}")
    assert "红牌" in page.inner_text("#rect-status")
    shot(page, "inspection_rectification_red")

    _as(page, live_server, "clerk_a")
    page.goto(f"{live_server.url}{rect.get_absolute_url()}")
    page.fill("textarea[name=report]", "已建立AB岗制度并公示")
    page.click("button[type=submit]:has-text('报告')")
    assert "待验收" in page.inner_text("#rect-status")

    _as(page, live_server, "office")
    page.goto(f"{live_server.url}{rect.get_absolute_url()}")
    page.click("#verify")
    assert "已验收" in page.inner_text("#rect-status") and "超期办结" in page.inner_text("#rect-status")
    shot(page, "inspection_flow")
    rect.refresh_from_db()
    assert rect.status == Rectification.Status.VERIFIED and rect.clock_state == "done_late"


@pytest.mark.django_db(transaction=True)
def test_the_office_edits_a_returned_plan_then_closes_it_and_the_public_sees_it_closed(page, live_server, org):
    today = local_date(timezone.now())
    plan = services.plan_create(
        actor=org.office, topic="减证便民专项督查", scope="证明事项清理", method="special", issuing_unit=org.office_unit,
        region=org.region, start_date=today - timedelta(days=20), end_date=today, units=[org.unit_a, org.unit_b],
        sample_size=2)
    services.plan_submit(actor=org.office, plan=plan)
    services.plan_reject(actor=org.leader, plan=plan, note="抽查面过大，请压减")

    _as(page, live_server, "office")
    plan_url = f"{live_server.url}{plan.get_absolute_url()}"
    page.goto(plan_url)
    page.click("#plan-edit")
    page.fill("input[name=topic]", "减证便民专项督查（压减后）")
    page.fill("input[name=sample_size]", "1")
    page.click("button[type=submit]:has-text('提交')")
    assert "计划已修改" in page.inner_text(".messages")
    assert "已退回" in page.inner_text("#plan-status")
    page.click("text=报领导审批")
    services.plan_approve(actor=org.leader, plan=plan, note="同意")
    visit = services.visit_record(actor=org.office, plan=plan, unit=org.unit_a, kind="open",
                                  visited_on=today - timedelta(days=5))
    services.finding_record(actor=org.office, visit=visit, title="证明材料仍要求群众自行开具", rectify_target="取消该证明",
                            rectify_days=30)

    page.goto(plan_url)
    page.click("#plan-close")
    assert "尚有 1 次检查未反馈" in page.inner_text("#close-open-visits")
    services.visit_close(actor=org.office, visit=visit)
    page.reload()
    assert "证明材料仍要求群众自行开具" in page.inner_text("#close-still-open")
    page.fill("textarea[name=summary]", "检查单位1个，发现问题1个，整改中。")
    page.click("#close-submit")
    assert "已完成" in page.inner_text("#plan-status")
    assert "完成时仍未整改完毕的事项 1 项" in page.inner_text("#plan-closing")
    page.click("button:has-text('公开结果')")
    shot(page, "inspection_plan_closed")

    page.goto(f"{live_server.url}/inspection/public/plans/{plan.pk}/")
    assert "已完成" in page.inner_text("#public-plan-state")
    assert "减证便民专项督查（压减后）" in page.inner_text("h1")
