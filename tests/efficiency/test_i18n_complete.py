"""English is complete: every catalogue entry translated and compiled, and the UI chrome of the
login page and of an office user's home page reads in English (demo names stay Chinese: they are data)."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
HAN = re.compile(r"[\u3400-\u9fff]")


def _unquote(line: str) -> str:
    return line[line.index('"') + 1:line.rindex('"')].encode("latin-1", "backslashreplace").decode("unicode_escape")


def po_entries():
    """(msgctxt, msgid, [msgstr, ...], fuzzy) for each live entry of the English .po, header left out."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        fields, current, fuzzy = {}, None, False
        for line in lines:
            if line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in line
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[current] += _unquote(line)
            else:
                current = line.split(" ", 1)[0]
                fields[current] = _unquote(line)
        if fields.get("msgid"):
            strs = [v for k, v in fields.items() if k.startswith("msgstr")]
            yield fields.get("msgctxt"), fields["msgid"], strs, fuzzy


def test_every_english_entry_is_translated_and_none_is_fuzzy():
    entries = list(po_entries())
    assert len(entries) > 1000
    assert [msgid for _c, msgid, strs, _f in entries if not all(strs)] == []
    assert [msgid for _c, msgid, _s, fuzzy in entries if fuzzy] == []


def test_the_compiled_catalogue_matches_the_po():
    with open(LOCALE / "django.mo", "rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    stale = []
    for ctx, msgid, strs, _fuzzy in po_entries():
        if len(strs) > 1:
            continue
        got = catalog.pgettext(ctx, msgid) if ctx else catalog.gettext(msgid)
        if got != strs[0]:
            stale.append(msgid)
    assert stale == [], "run: python manage.py compilemessages -l en --ignore=.venv"


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_the_english_login_page_has_no_chinese_chrome(client):
    body = _english(client).get("/accounts/login/").content.decode()
    # The language menu names Chinese in Chinese on purpose.
    body = body.replace(">简体中文<", "><")
    assert 'lang="en"' in body and "Log in" in body
    assert HAN.findall(body) == []


@pytest.mark.django_db
def test_the_english_home_page_of_the_office_shows_an_english_navigation(client, org):
    client.force_login(org.office)
    body = _english(client).get("/").content.decode()
    nav = re.search(r'<nav class="nav".*?</nav>', body, re.S).group(0)
    for word in ("Home", "Messages", "Assignments", "Key task", "Supervision overview", "Inspections",
                 "Rectification", "Time-limited approvals", "Efficiency complaints", "Accountability", "Bulletin"):
        assert word in nav
    assert HAN.findall(nav) == []
    for chinese in ("交办督办", "督查检查", "限时办结", "效能投诉", "修改密码", "退出", "效能督查平台"):
        assert chinese not in body
    assert "Efficiency Supervision Platform" in body and "Log out" in body and "Efficiency Office" in body
