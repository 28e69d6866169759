"""Writing the audit log (R40: kept at least 180 days; append-only)."""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.forms.models import model_to_dict
from django.utils import timezone

from .client import client_ip
from .models import AuditLog


def _jsonable(value):
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, default=str))


def snapshot(obj, fields: list[str] | None = None) -> dict:
    """The object's field values, for the before/after columns."""
    return _jsonable(model_to_dict(obj, fields=fields))


def audit_record(action: str, *, actor=None, obj=None, object_type: str = "", object_id: str = "",
                 summary: str = "", before=None, after=None, request=None, actor_name: str = "") -> AuditLog:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    user = actor if getattr(actor, "pk", None) else None
    return AuditLog.objects.create(
        actor=user,
        actor_name=actor_name or (user.get_username() if user else ""),
        ip=client_ip(request),
        action=action,
        object_type=object_type[:64],
        object_id=str(object_id)[:64],
        summary=summary[:255],
        before=_jsonable(before),
        after=_jsonable(after),
    )


def audit_purge(*, now=None) -> int:
    """Remove rows older than the retention period (never fewer than 180 days: R40)."""
    days = max(settings.AUDIT_RETENTION_DAYS, 180)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = AuditLog.objects.all()._purge_before(cutoff)
    return deleted
