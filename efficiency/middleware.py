"""Idle session timeout and forced password change (等保 2.0 level 3)."""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

ALLOWED_WHILE_CHANGING = ("password_change", "logout", "set_language")


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and not request.path.startswith("/api/"):
            now = int(time.time())
            last = request.session.get("last_seen")
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                from .audit import audit_record

                audit_record("logout", actor=request.user, summary="会话空闲超时", request=request)
                logout(request)
                return redirect(f"{reverse('login')}?timeout=1")
            request.session["last_seen"] = now
        return self.get_response(request)


class PasswordExpiryMiddleware:
    """A seeded account changes its password at first login; every password expires."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        # Every method: a user who must change the password may do nothing else (a POST
        # elsewhere is redirected too; the login POST happens before authentication).
        if user.is_authenticated and not request.path.startswith(("/static/", "/api/")):
            expired = user.password_changed_at < timezone.now() - timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
            if user.must_change_password or expired:
                allowed = {reverse(name) for name in ALLOWED_WHILE_CHANGING}
                if request.path not in allowed:
                    return redirect(f"{reverse('password_change')}?required=1")
        return self.get_response(request)
