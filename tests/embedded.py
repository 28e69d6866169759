"""Run `manage.py` as `make run` does: the embedded defaults (SQLite under VAR_DIR, the
filesystem broker), in a child process with no DATABASE_URL, REDIS_URL or broker set."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def manage_on_embedded_defaults(var_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="efficiency.settings")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
