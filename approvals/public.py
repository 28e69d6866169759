"""The applicant's lookup by receipt number + check code, shared by the page and the API.

Wrong tries are counted per client IP in the cache (10 a minute); with the cache down the
lookup still answers (the check code's 31^8 space is the real protection)."""

from __future__ import annotations

import logging

from django.core.cache import cache

from efficiency.client import client_ip
from efficiency.clocks import format_due

from . import services
from .models import Application, Status

log = logging.getLogger(__name__)

MAX_FAILURES = 10
WINDOW_SECONDS = 60


def _key(request) -> str:
    return f"approvals:lookup-fail:{client_ip(request) or 'unknown'}"


def throttled(request) -> bool:
    try:
        return (cache.get(_key(request)) or 0) >= MAX_FAILURES
    except Exception:  # noqa: BLE001 - cache down: do not lock everyone out
        log.warning("cache unavailable for the lookup rate limit", exc_info=True)
        return False


def _fail(request) -> None:
    try:
        key = _key(request)
        if cache.add(key, 1, WINDOW_SECONDS):
            return
        cache.incr(key)
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable for the lookup rate limit", exc_info=True)


def lookup(request, receipt_number: str, code: str) -> Application | None:
    app = services.application_lookup(receipt_number, code)
    if app is None:
        _fail(request)
    return app


def public_view(app: Application) -> dict:
    """What the applicant may see: status, steps, due date, decision. No staff names beyond
    the unit, no ID number."""
    return {
        "receipt_number": app.receipt_number,
        "item": app.item.name,
        "unit": app.unit.name,
        # 综合窗口: where it was taken in, when a 政务服务中心 took it in for the department.
        "intake_unit": app.intake_unit.name if app.intake_unit_id else "",
        "applicant": app.applicant_name,
        "status": app.status,
        "status_display": app.get_status_display(),
        "deemed_approved": app.status == Status.DEEMED_APPROVED,
        "accepted_at": app.accepted_at,
        "due_date": format_due(app.due_at),
        "paused": app.paused_at is not None,
        "decided_at": app.decided_at,
        "decision_reason": app.decision_reason,
        "steps": [{"unit": s.unit.name, "status": s.status, "status_display": s.get_status_display(),
                   "due_date": format_due(s.due_at)} for s in app.steps.select_related("unit")],
        "can_rate": services.rating_allowed(app) is not None,
        "ratings": [{"score": r.score, "score_display": r.get_score_display(), "round": r.round}
                    for r in app.ratings.order_by("round")],
    }
