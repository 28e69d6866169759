"""The attacks of issue #14 against the shipped shape itself: the repository's nginx config
(deploy/nginx/efficiency.conf, only its upstream, listen address and folders rewritten) in front of
gunicorn running `efficiency.wsgi` with DEBUG=0, on the test database. Each test is one attack:

- an HTML page riding on an image, uploaded as evidence, is never served as something that runs;
- the upload folder is not reachable by path, neither `/media/…` nor the internal `/_uploads/…`;
- an attachment's URL refuses an anonymous client and another unit's clerk;
- one client behind the proxy that forges X-Forwarded-For is slowed down, another client is not;
- the audit log records the client's real address, not the proxy's nor the forged one.

Distinct clients are distinct loopback source addresses (127.0.0.2, 127.0.0.3): nginx appends the
peer's address to X-Forwarded-For, and gunicorn trusts only nginx's own (127.0.0.1)."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from efficiency.models import AuditLog
from supervision import services as supervision
from supervision.models import AssignmentKind
from tests.embedded import database_url
from tests.files import png

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CLIENT_A, CLIENT_B = "127.0.0.2", "127.0.0.3"
SECRET_KEY = "behind-nginx-" + "k" * 40  # gunicorn's, and this process's while a test runs (check codes are keyed)
SCRIPT = b"<html><script>document.title='pwned'</script></html>"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(NGINX) and not os.environ.get("CI"),
                       reason="nginx missing: `make test` installs it (apt) when run as root"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, proc: subprocess.Popen, what: str) -> None:
    for _ in range(300):  # a readiness poll of a child process, not a timing of the code under test
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port}")


def nginx_conf(*, listen: int, upstream: int, media: Path, static: Path, tmp: Path) -> str:
    """The shipped server block, as docker compose runs it, pointed at local folders and ports."""
    server = (ROOT / "deploy/nginx/efficiency.conf").read_text()
    for old, new in [("server web:8000;", f"server 127.0.0.1:{upstream};"), ("listen 80;", f"listen 127.0.0.1:{listen};"),
                     ("/srv/media/", f"{media}/"), ("/srv/static/", f"{static}/")]:
        assert old in server, f"deploy/nginx/efficiency.conf no longer has {old!r}"
        server = server.replace(old, new)
    temp = "\n".join(f"    {kind}_temp_path {tmp}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;" if os.geteuid() == 0 else ""
    return (f"{user}\nworker_processes 1;\ndaemon off;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\n"
            f"events {{ worker_connections 64; }}\n"
            f"http {{\n    access_log {tmp}/access.log;\n{temp}\n{server}\n}}\n")


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory):
    """gunicorn + the shipped nginx on the test database (started once for the module: every
    request reads the database afresh, and each test commits its own rows)."""
    media, static, tmp = Path(settings.MEDIA_ROOT), Path(settings.STATIC_ROOT), tmp_path_factory.mktemp("nginx")
    app_port, web_port = _free_port(), _free_port()
    env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict), "DJANGO_SETTINGS_MODULE": "tests.settings",
           "DEBUG": "0", "SECRET_KEY": SECRET_KEY, "TRUSTED_PROXIES": "127.0.0.1",
           "UPLOAD_ACCEL_REDIRECT": "/_uploads/", "MEDIA_ROOT": str(media), "STATIC_ROOT": str(settings.STATIC_ROOT),
           "HTTPS": "0"}
    gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn", "efficiency.wsgi", "-b", f"127.0.0.1:{app_port}",
                                 "-w", "1", "--access-logfile", "-"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    conf = tmp / "nginx.conf"
    conf.write_text(nginx_conf(listen=web_port, upstream=app_port, media=media, static=static, tmp=tmp))
    nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait(app_port, gunicorn, "gunicorn")
        _wait(web_port, nginx, "nginx")
        yield type("Shipped", (), {"port": web_port, "media": media})
    finally:
        for proc in (nginx, gunicorn):
            proc.send_signal(signal.SIGTERM)
        for proc in (nginx, gunicorn):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


class Client:
    """An HTTP client with its own loopback source address and cookie jar."""

    def __init__(self, port: int, source: str):
        self.port, self.source, self.cookies = port, source, {}

    def request(self, method, path, *, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, source_address=(self.source, 0), timeout=30)
        headers = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response, data

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def login(self, username, password, *, forged=""):
        _, page = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{self.port}/"}
        if forged:
            headers["X-Forwarded-For"] = forged
        response, _ = self.request("POST", "/accounts/login/", body=body, headers=headers)
        assert response.status == 302, f"login of {username} failed: {response.status}"


@pytest.fixture
def evidence(org):
    """Evidence uploaded by unit A's clerk: a real PNG with an HTML page appended."""
    assignment = supervision.assignment_create(
        actor=org.office, kind=AssignmentKind.FIELD_RESEARCH, title="关于加快推进项目审批的批示",
        source_text="请市自然资源和规划局牵头。", issuing_leader="刘市长", lead_unit=org.unit_a, co_units=())
    target = assignment.targets.get(unit=org.unit_a)
    supervision.target_acknowledge(actor=org.clerk_a, target=target)
    supervision.target_feedback(actor=org.clerk_a, target=target, text="已完成",
                                evidence=png("整改照片.png", tail=SCRIPT))
    target.refresh_from_db()
    return target


PASSWORD = "Passw0rd!2024"


@pytest.fixture
def shipped(servers, org, settings):
    from django.core.cache import cache

    settings.SECRET_KEY = SECRET_KEY
    cache.clear()  # the rate-limit counters of an earlier test (gunicorn shares this cache)
    return servers


def test_html_riding_on_an_image_is_served_as_an_image_through_nginx_never_as_a_page(shipped, org, evidence):
    clerk = Client(shipped.port, CLIENT_A)
    clerk.login("clerk_a", PASSWORD)
    response, body = clerk.get(f"/supervision/targets/{evidence.pk}/evidence/")
    assert response.status == 200, body[:300]
    assert response.getheader("Content-Type") == "image/png"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert "sandbox" in response.getheader("Content-Security-Policy")
    assert body.startswith(b"\x89PNG") and b"<script" not in body  # re-encoded: the page is gone
    assert "X-Accel-Redirect" not in response.headers  # nginx consumed it; the bytes came from /_uploads/


def test_the_upload_folder_is_not_reachable_by_path(shipped, org, evidence):
    stored = evidence.evidence.name
    assert (shipped.media / stored).exists()
    clerk = Client(shipped.port, CLIENT_A)
    clerk.login("clerk_a", PASSWORD)
    for path in (f"/media/{stored}", f"/_uploads/{stored}", f"/_uploads/../media/{stored}"):
        response, body = clerk.get(path)
        assert response.status == 404, (path, response.status)
        assert not body.startswith(b"\x89PNG")


def test_an_attachment_refuses_anonymous_and_another_units_clerk(shipped, org, evidence):
    url = f"/supervision/targets/{evidence.pk}/evidence/"
    response, body = Client(shipped.port, CLIENT_A).get(url)
    assert response.status == 302 and "/accounts/login/" in response.getheader("Location")
    other = Client(shipped.port, CLIENT_B)
    other.login("clerk_b", PASSWORD)
    response, body = other.get(url)
    assert response.status == 404 and not body.startswith(b"\x89PNG")


def test_a_forging_client_is_slowed_down_and_another_client_is_not(shipped, org):
    from approvals.models import Material
    from tests.approvals.helpers import make_item, receive

    app, code = receive(org, make_item(org))
    assert Material.objects.exists()
    url = f"/api/v1/public/applications/{app.receipt_number}/"
    guesser, applicant = Client(shipped.port, CLIENT_A), Client(shipped.port, CLIENT_B)
    for n in range(10):  # a new forged address on every try: nginx appends the real one, which counts
        response, _ = guesser.get(f"{url}?code=WRONG", headers={"X-Forwarded-For": f"192.0.2.{n}"})
        assert response.status == 404, n
    response, _ = guesser.get(f"{url}?code={code}", headers={"X-Forwarded-For": "192.0.2.200"})
    assert response.status == 429 and response.getheader("Retry-After") == "60"
    response, body = applicant.get(f"{url}?code={code}")
    assert response.status == 200 and json.loads(body)["receipt_number"] == app.receipt_number


def test_the_audit_records_the_clients_address_not_the_proxys_nor_a_forged_one(shipped, org):
    Client(shipped.port, CLIENT_B).login("clerk_a", PASSWORD, forged="8.8.8.8")
    row = AuditLog.objects.filter(action="login", actor=org.clerk_a).latest("id")
    assert row.ip == CLIENT_B
