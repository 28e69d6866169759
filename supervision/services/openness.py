"""Openness among government departments (R59): units publish their internal procedures and standards."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efficiency.audit import audit_record
from efficiency.models import Role
from efficiency.permissions import require_role

from ..models import InternalProcedure
from .common import _require


@transaction.atomic
def procedure_publish(*, actor, kind: str, title: str, body: str) -> InternalProcedure:
    """R59 (2019 (十二)): 内部运转流程和标准要在政府部门间公开 — a unit's head publishes one of its
    unit's internal procedures or standards; every unit's staff read them (queries.procedures_open)."""
    require_role(actor, Role.HEAD, unit=actor.unit_id, message=_("只有单位负责人可以发布本单位的内部运转流程和标准。"))
    if kind not in InternalProcedure.Kind.values:
        raise ValidationError({"kind": _("请选择类别：内部运转流程或工作标准。")})
    p = InternalProcedure.objects.create(unit_id=actor.unit_id, kind=kind, title=_require(title, _("名称")),
                                         body=_require(body, _("内容")), published_by=actor,
                                         published_at=timezone.now())
    audit_record("create", actor=actor, obj=p, summary=f"发布内部运转流程和标准 {p.title}")
    return p
