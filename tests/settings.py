"""Test settings: the platform's settings plus a minimal clock model for the core's tests."""

import os

from efficiency.settings import *  # noqa: F401,F403
from efficiency.settings import CACHES, DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.clocktest"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The audit log refuses TRUNCATE (R40) unless the connection says so; the test runner's flush
# after a transactional test needs it. UPDATE and DELETE stay refused.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c efficiency.audit_allow_truncate=on"

# pytest-xdist: each worker gets a cache of its own, so one worker's `cache.clear()` or rate-limit
# counters never reach the other (a Redis database number further up, or a folder of its own).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw"):
    _n = int(_worker[2:])
    _cache = CACHES["default"]
    if _cache["BACKEND"].endswith("RedisCache"):
        _base, _, _db = _cache["LOCATION"].rpartition("/")
        _cache["LOCATION"] = f"{_base}/{(int(_db or 0) + 2 + _n) % 16}" if _db.isdigit() else _cache["LOCATION"]
    else:
        _cache["LOCATION"] = f"{_cache['LOCATION']}-{_worker}"
