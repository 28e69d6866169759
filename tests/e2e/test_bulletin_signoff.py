"""R34 in the browser: an office clerk drafts a bulletin, it is not public and the clerk has no way
to publish it; the leader signs it off (签发) and it is public at once, with the signer shown."""

from datetime import datetime

import pytest
import time_machine

from accountability.models import Bulletin
from efficiency.workdays import SHANGHAI

from .conftest import login, shot

pytestmark = pytest.mark.django_db(transaction=True)

SIGNED = datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI)  # 00:30 UTC: the China date is the one shown


def test_r34_a_leader_signs_off_a_bulletin_then_it_is_public(browser, page, live_server, org):
    login(page, live_server, "office")
    page.goto(f"{live_server.url}/accountability/bulletins/")
    page.fill("input[name=title]", "关于窗口午间提前停止接件问题的通报")
    page.fill("textarea[name=body]", "市政务服务中心综合受理窗口午休前提前停止接件，经核查属实，已责令整改。")
    page.click("form.form button.btn-primary")
    b = Bulletin.objects.get()
    assert b.status == Bulletin.Status.DRAFT
    assert "待领导签发后发布" in page.inner_text(".actions") and page.locator("#sign-off").count() == 0
    shot(page, "bulletin_0_draft_office")
    page.goto(f"{live_server.url}/accountability/public/bulletins/")
    assert b.title not in page.inner_text("main")
    assert page.goto(f"{live_server.url}/accountability/public/bulletins/{b.pk}/").status == 404

    leader = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    login(leader, live_server, "leader")
    with time_machine.travel(SIGNED, tick=True):
        leader.goto(f"{live_server.url}{b.get_absolute_url()}")
        leader.click("#sign-off")
        assert "已发布" in leader.inner_text("main")
        assert "刘市长" in leader.inner_text("#signed-off") and "2026-03-02" in leader.inner_text("#signed-off")
        shot(leader, "bulletin_1_signed_off_leader")
    leader.context.close()

    page.goto(f"{live_server.url}/accountability/public/bulletins/")
    page.click(f"text={b.title}")
    assert "刘市长" in page.inner_text("#signed-off") and "2026-03-02" in page.inner_text("main")
    shot(page, "bulletin_2_public")
    b.refresh_from_db()
    assert (b.status, b.approved_by, b.number.startswith("效能通报〔2026〕")) == (
        Bulletin.Status.PUBLISHED, org.leader, True)
