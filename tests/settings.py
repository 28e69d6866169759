"""Test settings: the platform's settings plus a minimal clock model for the core's tests."""

from efficiency.settings import *  # noqa: F401,F403
from efficiency.settings import DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.clocktest"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The audit log refuses TRUNCATE (R40) unless the connection says so; the test runner's flush
# after a transactional test needs it. UPDATE and DELETE stay refused.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c efficiency.audit_allow_truncate=on"
