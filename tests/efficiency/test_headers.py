"""Security headers (issue 14): a Content-Security-Policy that refuses inline script, and under
production settings HTTPS enforced (redirect, HSTS, Secure cookies) — or, for an intranet
without TLS, turned off by HTTPS=0. Production settings are loaded in a child process, as
gunicorn loads them (DEBUG=0 and friends are read once, at import)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k8Zq2vX9-production-like-secret-Lw4Rt7Yp1Ns6Hd3Jf0Gb5Mc",
    "ALLOWED_HOSTS": "xiaoneng.example.gov.cn,localhost",
    "DJANGO_SETTINGS_MODULE": "efficiency.settings",
}
# A page in production: HTTP (nothing in X-Forwarded-Proto), and HTTPS as nginx reports it.
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
c = Client(HTTP_HOST="xiaoneng.example.gov.cn")
plain = c.get("/no-such-page/")
secure = c.get("/no-such-page/", HTTP_X_FORWARDED_PROTO="https")
health = c.get("/healthz", HTTP_HOST="localhost")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "hsts": secure.get("Strict-Transport-Security"),
    "health": health.status_code,
    "cookies_secure": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
}))
"""


def run_production(args, tmp_path, **extra):
    env = {**os.environ, **PRODUCTION, "VAR_DIR": str(tmp_path), **extra}
    # Not a production variable: the browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE
    # in this process (check --deploy rightly refuses it, async.E001).
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_under_production_settings_gives_no_warning(tmp_path):
    result = run_production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr + result.stdout


def test_plain_http_in_production_is_redirected_and_https_gets_hsts(tmp_path):
    result = run_production(["-c", PROBE], tmp_path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://xiaoneng.example.gov.cn/no-such-page/"]
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["cookies_secure"] == [True, True]
    assert seen["health"] != 301  # the containers' healthcheck calls gunicorn over HTTP


def test_https_0_serves_an_intranet_over_plain_http(tmp_path):
    result = run_production(["-c", PROBE], tmp_path, HTTPS="0")
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"][0] == 404 and seen["hsts"] is None
    assert seen["cookies_secure"] == [False, False]


def test_hsts_lifetime_comes_from_the_environment(tmp_path):
    result = run_production(["-c", PROBE], tmp_path, SECURE_HSTS_SECONDS="600", SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
                            SECURE_HSTS_PRELOAD="0")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["hsts"] == "max-age=600"


@pytest.mark.django_db
def test_a_page_sends_a_policy_that_refuses_inline_script(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives == {
        "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
        "object-src": "'none'", "base-uri": "'self'", "frame-ancestors": "'none'", "form-action": "'self'",
    }


# What the policy would refuse in the browser: an inline script (not a JSON data block), an
# inline event handler, a javascript: URL, an inline style sheet or style attribute.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*application/json)|\son[a-z]+\s*=|javascript:|<style|\sstyle=", re.I)
# drf-spectacular's Redoc page, whose policy allows its inline styles (efficiency/urls.py).
ALLOWED = {"drf_spectacular/redoc.html"}


def test_no_template_has_inline_script_or_style():
    found = [f"{path.relative_to(TEMPLATES)}: {match.group(0).strip()}"
             for path in sorted(TEMPLATES.rglob("*.html")) if str(path.relative_to(TEMPLATES)) not in ALLOWED
             for match in INLINE.finditer(path.read_text())]
    assert found == []
