"""System checks of the core (`manage.py check`, and every `runserver`/`migrate`/test run).

efficiency.E001: a registered clock model lacks the sweep's partial index on `next_at`. The
index is declared once, in `Clock.Meta`; a model whose own `Meta` replaces `indexes` without
`*Clock.Meta.indexes` (or does not inherit `Clock.Meta`) would leave the sweep reading its
whole table each minute.
"""

from django.core import checks

from . import registry
from .models import Clock


def _is_clock_index(index, template) -> bool:
    return list(index.fields) == list(template.fields) and index.condition == template.condition


@checks.register(checks.Tags.models)
def clock_index_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    template = Clock._meta.indexes[0]
    errors = []
    for entry in registry.clock_models():
        meta = entry.model._meta
        if app_configs is not None and meta.app_config not in app_configs:
            continue
        if not any(_is_clock_index(index, template) for index in meta.indexes):
            errors.append(checks.Error(
                f"{meta.label} is a registered clock model without the sweep's partial index on next_at.",
                hint="Let its Meta inherit Clock.Meta and keep its indexes: indexes = [*Clock.Meta.indexes, …].",
                obj=entry.model, id="efficiency.E001"))
    return errors


AUDIT_RETENTION_MIN_DAYS = 184  # as efficiency.audit and migration 0006: six months whichever they are


@checks.register()
def audit_retention_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """efficiency.E002: AUDIT_RETENTION_DAYS under six months (网络安全法 §21, R40)."""
    from django.conf import settings

    days = settings.AUDIT_RETENTION_DAYS
    if days < AUDIT_RETENTION_MIN_DAYS:
        return [checks.Error(f"AUDIT_RETENTION_DAYS={days} keeps audit rows less than six months.",
                             hint=f"Set at least {AUDIT_RETENTION_MIN_DAYS} (the purge refuses fewer).",
                             id="efficiency.E002")]
    return []
