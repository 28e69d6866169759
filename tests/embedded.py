"""Run the platform as `make run` does, on its embedded defaults: the embedded PostgreSQL cluster
under VAR_DIR/pgdata and kombu's filesystem broker, in child processes with no DATABASE_URL,
REDIS_URL or broker set."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def embedded_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="efficiency.settings", **extra)
    return env


def manage_on_embedded_defaults(var_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=embedded_env(var_dir, **extra),
                          capture_output=True, text=True, timeout=600)


def embedded_db(var_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m efficiency.embedded_db start|stop|url|migrate` for the cluster under var_dir."""
    return subprocess.run([sys.executable, "-m", "efficiency.embedded_db", *args], cwd=ROOT,
                          env=embedded_env(var_dir), capture_output=True, text=True, timeout=300)


def database_url(settings_dict: dict) -> str:
    """The libpq URL of a connection's settings (the test database), for a child process: the
    user, password and host percent-encoded, so a Unix-socket directory works as the host."""
    from urllib.parse import quote

    password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict.get("PASSWORD") else ""
    host = quote(settings_dict.get("HOST") or "", safe="")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{quote(settings_dict['USER'] or '', safe='')}{password}@{host}{port}/{settings_dict['NAME']}"
