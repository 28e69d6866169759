"""Writes of the dashboards: the assessor's marks and the administrator's weights."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from efficiency.audit import audit_record, snapshot

from .models import PersonAssessment, ScoreWeight
from .scoring import scores_store, stored_months


def person_assess(*, actor, user, month: date, de: int, neng: int, qin: int, lian: int,
                  note: str = "") -> PersonAssessment:
    """Record 德、能、勤、廉 for one person and month (R37); 绩 comes from the data."""
    for name, value in ((_("德"), de), (_("能"), neng), (_("勤"), qin), (_("廉"), lian)):
        if not 0 <= int(value) <= 100:
            raise ValidationError(_("%(name)s 的分数应在 0 到 100 之间。") % {"name": name})
    with transaction.atomic():
        obj, created = PersonAssessment.objects.select_for_update().get_or_create(
            user=user, month=month.replace(day=1), defaults={"assessor": actor})
        before = None if created else snapshot(obj)
        obj.de, obj.neng, obj.qin, obj.lian, obj.note, obj.assessor = de, neng, qin, lian, note, actor
        obj.save()
        audit_record("person_assess", actor=actor, obj=obj, summary=f"个人考评 {user} {month:%Y-%m}",
                     before=before, after=snapshot(obj))
    return obj


def weight_set(*, actor, component: str, weight: int, penalty: int = 10) -> ScoreWeight:
    if component not in ScoreWeight.Component.values:
        raise ValidationError(_("未知的考评项。"))
    with transaction.atomic():
        obj, _created = ScoreWeight.objects.update_or_create(
            component=component, defaults={"weight": weight, "penalty": penalty})
        audit_record("score_weight_set", actor=actor, obj=obj, summary=f"考评权重 {component}={weight}",
                     after=snapshot(obj))
        # The stored ranking follows the new weights (R37).
        scores_store(stored_months())
    return obj
