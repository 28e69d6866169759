"""Test settings: the platform's settings plus a minimal clock model for the core's tests."""

from efficiency.settings import *  # noqa: F401,F403
from efficiency.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.clocktest"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
