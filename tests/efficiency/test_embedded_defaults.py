"""`make run`'s path on the embedded defaults: the embedded PostgreSQL under VAR_DIR/pgdata and
the filesystem broker, with no DATABASE_URL, REDIS_URL or broker set and no server installed.

The rest of the suite runs on the PostgreSQL of DATABASE_URL; these run what `make run` runs
(`python -m efficiency.embedded_db run`) in child processes, as a new user would: the key-task
year page, its Excel export and the import answer there; Ctrl-C leaves no process behind; a
second start reuses the data."""

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import psycopg2
import pytest

from tests.embedded import ROOT, embedded_db, embedded_env, manage_on_embedded_defaults

pytestmark = pytest.mark.slow


@pytest.fixture
def var_dir():
    """A VAR_DIR outside pytest's own temporary root: as root the server runs as the OS user
    `embedded_postgres`, which must traverse the path to its data, and pytest keeps its root
    0700 (re-applied by every pytest session that starts on the machine)."""
    path = Path(tempfile.mkdtemp(prefix="efficiency-embedded-"))
    yield path
    embedded_db(path, "stop")
    shutil.rmtree(path, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postmaster_pid(var_dir: Path) -> int | None:
    pid_file = var_dir / "pgdata" / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def _gone(pid: int) -> bool:
    """The process has exited (pg_ctl's -w stop returns once postmaster.pid is removed; the
    process may need a moment more to be reaped by its parent)."""
    try:
        psutil.Process(pid).wait(timeout=15)
    except psutil.NoSuchProcess:
        pass
    except psutil.TimeoutExpired:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    return True


class Browser:
    """A logged-in HTTP client with cookies and the CSRF token, standard library only."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str):
        return self.opener.open(self.base + path, timeout=30)

    def csrf(self, path: str) -> str:
        page = self.get(path).read().decode()
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def post(self, path: str, data: bytes, content_type: str):
        request = urllib.request.Request(self.base + path, data=data, method="POST", headers={
            "Content-Type": content_type, "Referer": self.base + path})
        return self.opener.open(request, timeout=60)

    def login(self, username: str, password: str) -> None:
        token = self.csrf("/accounts/login/")
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        landed = self.post("/accounts/login/", body.encode(), "application/x-www-form-urlencoded")
        assert "/accounts/login/" not in landed.geturl(), "the demo login was refused"

    def upload(self, path: str, name: str, content: bytes) -> str:
        token = self.csrf(path)
        boundary = "----efficiencytest"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n{token}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode()
        body += content + f"\r\n--{boundary}--\r\n".encode()
        return self.post(path, body, f"multipart/form-data; boundary={boundary}").read().decode()


def _start(var_dir: Path, port: int, log: Path) -> subprocess.Popen:
    launcher = subprocess.Popen([sys.executable, "-m", "efficiency.embedded_db", "run"], cwd=ROOT,
                                env=embedded_env(var_dir, WEB_PORT=str(port)), stdout=log.open("ab"),
                                stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert launcher.poll() is None, f"make run's launcher exited:\n{log.read_text()[-3000:]}"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
            return launcher
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"not serving after 300 s:\n{log.read_text()[-3000:]}")


def _ctrl_c(launcher: subprocess.Popen) -> list[psutil.Process]:
    """Ctrl-C as a terminal sends it: SIGINT to the whole process group. Returns the processes
    that were running under the launcher, to check that none is left."""
    children = psutil.Process(launcher.pid).children(recursive=True)
    os.killpg(launcher.pid, signal.SIGINT)
    launcher.wait(timeout=120)
    return children


def test_make_run_serves_the_year_page_export_and_import_on_embedded_postgresql(var_dir):
    port, log = _free_port(), var_dir / "run.log"
    launcher = _start(var_dir, port, log)
    try:
        postmaster = _postmaster_pid(var_dir)
        assert postmaster and psutil.pid_exists(postmaster)
        assert "embedded PostgreSQL" in log.read_text() and "xiaoneng2" in log.read_text()
        assert embedded_db(var_dir, "url").stdout.startswith("postgres://efficiency_app@")

        web = Browser(f"http://127.0.0.1:{port}")
        web.login("xiaoneng2", "Demo@2025xn")
        year = time.localtime().tm_year
        assert web.get(f"/supervision/tasks/{year}/").status == 200
        export = web.get(f"/supervision/tasks/{year}/export.xlsx")
        workbook = export.read()
        assert export.headers["Content-Type"].startswith("application/vnd.openxmlformats") and workbook[:2] == b"PK"
        result = web.upload(f"/supervision/tasks/{year}/import/", "tasks.xlsx", workbook)
        assert "导入完成" in result  # the exported ledger imports back: nothing added, nothing lost

        # the web connects as the app role, which owns nothing (manage.py db_roles); worker and beat
        # as the system role, which bypasses row-level security and is nothing more (docs/rls.md)
        superuser = embedded_db(var_dir, "url", "superuser").stdout.strip()
        with psycopg2.connect(superuser) as pg, pg.cursor() as cur:
            cur.execute("SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = 'efficiency' "
                        "AND pid <> pg_backend_pid()")
            users = {r[0] for r in cur.fetchall()}
            assert "efficiency_app" in users and users <= {"efficiency_app", "efficiency_system"}
            cur.execute("SELECT rolname, rolbypassrls, rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles "
                        "WHERE rolname IN ('efficiency_app', 'efficiency_system') ORDER BY 1")
            assert cur.fetchall() == [("efficiency_app", False, False), ("efficiency_system", True, False)]

        made = manage_on_embedded_defaults(var_dir, "shell", "-v0", "-c",
                                           "from efficiency.models import Region; Region.objects.create(code='999999', name='复用标记', level='county')")
        assert made.returncode == 0, made.stderr[-2000:]
    finally:
        children = _ctrl_c(launcher)

    assert children and not [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert _gone(postmaster), "Ctrl-C left the embedded PostgreSQL running"
    assert "embedded PostgreSQL stopped" in log.read_text()

    launcher = _start(var_dir, port, log)  # the second start reuses the cluster and its data
    try:
        kept = manage_on_embedded_defaults(var_dir, "shell", "-v0", "-c",
                                           "from efficiency.models import Region; print(Region.objects.filter(name='复用标记').count())")
        assert kept.stdout.strip() == "1", kept.stderr[-2000:]
        postmaster = _postmaster_pid(var_dir)
    finally:
        _ctrl_c(launcher)
    assert _gone(postmaster)


def test_manage_py_without_database_url_uses_the_running_embedded_cluster(var_dir):
    """migrate (as the owner), then seed_demo twice, a sweep and the audit purge as the app role,
    as `make demo` runs them, on the cluster that `make db` started: the settings find it by its
    postmaster.pid, no URL is passed."""
    started = embedded_db(var_dir, "start")
    assert started.returncode == 0, started.stderr[-3000:]
    try:
        migrated = embedded_db(var_dir, "migrate")  # as the owner role, then db_roles
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        for args in (("seed_demo",), ("sweep",), ("purge_audit",)):
            done = manage_on_embedded_defaults(var_dir, *args)
            assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}"
        seeded = manage_on_embedded_defaults(var_dir, "seed_demo").stdout
        assert "demo data ready" in seeded and "xiaoneng" in seeded and "Demo@2025xn" in seeded
        assert not (ROOT / "control").exists()  # the filesystem broker keeps its files under VAR_DIR
    finally:
        assert embedded_db(var_dir, "stop").returncode == 0
    assert embedded_db(var_dir, "url").returncode == 1


def test_without_a_running_cluster_the_error_names_the_socket_and_make_db(var_dir):
    done = manage_on_embedded_defaults(var_dir, "sweep")
    assert done.returncode != 0
    assert str(var_dir / "pgdata") in done.stderr
    assert "make db" in embedded_db(var_dir, "url").stderr
