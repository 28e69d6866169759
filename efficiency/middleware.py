"""Idle session timeout and forced password change (等保 2.0 level 3)."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .passwords import password_must_change

ALLOWED_WHILE_CHANGING = ("password_change", "logout", "set_language", "inbox_badge")
# Requests the page makes by itself (the top bar's unread count, polled by htmx): they must not
# keep an idle session alive, or the idle timeout would never fire while a page is open.
PASSIVE_PATHS = ("/inbox/badge/",)


def login_redirect(request, url: str):
    """A redirect to the login page; an htmx request gets HX-Redirect, so the whole page goes
    there instead of the login page being swapped into a fragment."""
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


# `last_seen` is written when it is at least this old (seconds), not on every request: a page
# read no longer saves the session (BEGIN, UPDATE django_session, COMMIT and its WAL flush — three
# round trips on every page, issue 17). The session may end up to a minute early, never late.
LAST_SEEN_STEP = 60


class IdleTimeoutMiddleware:
    """A session unused for SESSION_IDLE_TIMEOUT ends, for pages and the session-authenticated API
    alike (等保 2.0 level 3). An API request gets a 401 error body; one that also carries a token
    goes on without the session, as a token request (tokens have their own expiry)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get("last_seen")
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                from .audit import audit_record

                audit_record("logout", actor=request.user, summary="会话空闲超时", request=request)
                logout(request)
                if not request.path.startswith("/api/"):
                    return login_redirect(request, f"{reverse('login')}?timeout=1")
                if "HTTP_AUTHORIZATION" not in request.META:
                    return _idle_api_response()
            elif request.path not in PASSIVE_PATHS and (last is None or now - last >= LAST_SEEN_STEP):
                request.session["last_seen"] = now
        return self.get_response(request)


def _idle_api_response():
    from django.http import JsonResponse
    from django.utils.translation import gettext as _

    message = _("会话因长时间未操作已结束，请重新登录。")
    return JsonResponse({"error": {"code": "session_idle", "message": message, "fields": {}}}, status=401,
                        headers={"WWW-Authenticate": "Token"})


class PasswordExpiryMiddleware:
    """A seeded account changes its password at first login; every password expires."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        # Every method: a user who must change the password may do nothing else (a POST
        # elsewhere is redirected too; the login POST happens before authentication).
        if user.is_authenticated and not request.path.startswith(("/static/", "/api/")):
            if password_must_change(user):
                allowed = {reverse(name) for name in ALLOWED_WHILE_CHANGING}
                if request.path not in allowed:
                    return redirect(f"{reverse('password_change')}?required=1")
        return self.get_response(request)


class RejectNulMiddleware:
    """A NUL byte in a query string, a form field or a JSON body cannot be stored in PostgreSQL
    (psycopg raises ValueError: a 500 on any page or API filter). No real input has one: answer 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            from django.http import HttpResponse, JsonResponse
            from django.utils.translation import gettext as _

            message = _("请求中含有非法字符（NUL），请检查输入后重试。")
            if request.path.startswith("/api/"):
                return JsonResponse({"error": {"code": "invalid", "message": message, "fields": {}}}, status=400)
            if request.path.startswith("/open311/"):  # GeoReport v2's error list
                return JsonResponse([{"code": 400, "description": message}], safe=False, status=400,
                                    json_dumps_params={"ensure_ascii": False})
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        def nul(data):
            return any("\x00" in k or any("\x00" in v for v in data.getlist(k)) for k in data)

        if nul(request.GET) or "\x00" in request.path:
            return True
        if request.method in ("POST", "PUT", "PATCH"):
            ctype = request.content_type or ""
            if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                return nul(request.POST)
            if ctype == "application/json":
                return b"\\u0000" in request.body
        return False
