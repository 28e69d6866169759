"""Each demo role logs in with the seeded password and sees its own navigation."""

import pytest

from efficiency import demo
from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# username → (role shown in the top bar, a nav entry it must see, nav entries it must not see)
EXPECTED = {
    "jingban": ("经办人", "本单位", ["系统管理", "审计日志"]),
    "fuzeren": ("单位负责人", "本单位", ["系统管理", "审计日志"]),
    "xiaoneng": ("效能办", "消息", ["系统管理", "审计日志", "本单位"]),
    "lingdao": ("领导", "消息", ["系统管理", "审计日志", "本单位"]),
    "sysadmin": ("系统管理员", "系统管理", ["审计日志", "安全策略与锁定", "本单位"]),
    "secadmin": ("安全管理员", "安全策略与锁定", ["系统管理", "审计日志", "本单位"]),
    "auditadmin": ("审计管理员", "审计日志", ["系统管理", "安全策略与锁定", "本单位"]),
}


def test_each_demo_role_logs_in_and_sees_its_navigation(page, live_server):
    demo.seed_org()
    for username, (role, must, must_not) in EXPECTED.items():
        login(page, live_server, username, demo.DEMO_PASSWORD)
        page.wait_for_selector("[data-testid=role]")
        assert page.inner_text("[data-testid=role]") == role, username
        nav = page.inner_text("nav.nav")
        assert must in nav, (username, nav)
        for entry in must_not:
            assert entry not in nav, (username, entry, nav)
        shot(page, f"foundation_home_{username}")
        page.click("text=退出")
        page.wait_for_url("**/accounts/login/")


def test_the_audit_administrator_filters_the_log_on_a_phone(phone_page, live_server):
    demo.seed_org()
    login(phone_page, live_server, "jingban", "wrong-password")
    login(phone_page, live_server, "auditadmin", demo.DEMO_PASSWORD)
    phone_page.click("nav.nav >> text=审计日志")
    phone_page.select_option("select[name=action]", "login_failed")
    phone_page.click("form.filters button[type=submit]")
    rows = phone_page.inner_text("table.table tbody")
    assert "jingban" in rows and "登录失败" in rows
    shot(phone_page, "foundation_audit_phone")


def test_a_locked_account_sees_the_chinese_lockout_page(page, live_server):
    demo.seed_org()
    for _ in range(5):
        login(page, live_server, "jingban2", "wrong-password")
    assert "账号已锁定" in page.content()
    shot(page, "foundation_locked_out")


def test_a_seeded_account_changes_its_password_at_first_login(page, live_server):
    from django.core.management import call_command

    call_command("seed_demo", "--org-only", "--first-login-change")
    login(page, live_server, "fuzeren", demo.DEMO_PASSWORD)
    page.wait_for_url("**/accounts/password/**")
    assert "首次登录" in page.content()
    page.fill("input[name=old_password]", demo.DEMO_PASSWORD)
    page.fill("input[name=new_password1]", "Xinmima#2026b")
    page.fill("input[name=new_password2]", "Xinmima#2026b")
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-testid=role]")
    assert "密码已修改" in page.content() and "本单位" in page.inner_text("nav.nav")
    shot(page, "foundation_first_login_changed")
