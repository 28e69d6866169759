"""Core pages: home, notifications inbox, health check."""

import logging

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from .models import Notification
from .notifications import inbox_mark_read

log = logging.getLogger(__name__)


def healthz(request):
    """200 when the database and the broker answer; 503 naming the one that failed."""
    checks = {}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        from .celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["broker"] = f"error: {exc.__class__.__name__}"
    failed = [name for name, state in checks.items() if state != "ok"]
    return JsonResponse({"status": "ok" if not failed else "fail", "failed": failed, "checks": checks},
                        status=200 if not failed else 503)


@login_required
def home(request):
    return render(request, "efficiency/home.html", {})


@login_required
def inbox(request):
    items = Notification.objects.filter(user=request.user, channel="inbox").order_by("-created_at")[:200]
    return render(request, "efficiency/inbox.html", {"items": items})


@login_required
@require_POST
def inbox_read(request):
    ids = request.POST.getlist("id") or None
    inbox_mark_read(user=request.user, ids=ids)
    return inbox(request)
