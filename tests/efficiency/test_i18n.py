"""简体中文 by default, English selectable, compiled messages shipped."""

from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_the_default_language_is_simplified_chinese(client):
    body = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in body and "登录" in body


def test_switching_to_english_changes_the_login_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    body = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in body and "Log in" in body and "Username" in body and "用户名" not in body


def test_english_navigation_for_a_logged_in_user(client, org):
    client.force_login(org.auditadmin)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert "Audit log" in body and "Workbench" in body and "Audit administrator" in body


def test_compiled_messages_are_in_the_tree():
    mo = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.mo"
    po = mo.with_suffix(".po")
    assert mo.exists() and po.exists()
