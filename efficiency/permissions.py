"""The one place that decides what a user may see and change.

- clerks and unit heads: their own unit's items (its sections are inside it), plus items
  shared with their unit through a django-guardian group object permission (a co-unit);
- the efficiency office and leaders: everything;
- the three administrators and a pending account: none of the business data (三员分立).

Querysets are scoped by the item's unit foreign key; sharing uses guardian's direct
foreign-key permission models (the generic tables are too slow at a million objects). Anything
outside the scope is "not found" (404), never "forbidden", so its existence does not leak.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from .models import Role


def _direct_group_model(model):
    from guardian.utils import get_group_obj_perms_model

    try:
        perm_model = get_group_obj_perms_model(model)
    except Exception:  # noqa: BLE001 - the model has no direct permission model
        return None
    # guardian falls back to its generic table (a GenericForeignKey), which we never scope by.
    from django.db import models

    field = perm_model._meta.get_field("content_object")
    return perm_model if isinstance(field, models.ForeignKey) else None


def scope(user, qs, *, unit_field: str = "unit"):
    """The items of `qs` the user may see."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.role in (Role.OFFICE, Role.LEADER):
        return qs
    # Deny by default: the three administrators and a pending account (no role yet) see nothing.
    if user.role not in (Role.CLERK, Role.HEAD) or not user.unit_id:
        return qs.none()
    condition = Q(**{f"{unit_field}_id": user.unit_id}) if "__" not in unit_field else Q(**{unit_field: user.unit_id})
    perm_model = _direct_group_model(qs.model)
    if perm_model is not None:
        shared = perm_model.objects.filter(
            group_id=user.unit.group_id, permission__codename=f"view_{qs.model._meta.model_name}"
        ).values("content_object_id")
        condition |= Q(pk__in=shared)
    return qs.filter(condition)


def access(user, qs, pk, *, lock: bool = False, unit_field: str = "unit", request=None):
    """The item with this key if the user may see it; else Http404 (and an audit row)."""
    scoped = scope(user, qs, unit_field=unit_field)
    if lock:
        scoped = scoped.select_for_update()
    try:
        return scoped.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        exists = str(pk).isdigit() and qs.model._default_manager.filter(pk=pk).exists()
        if exists and getattr(user, "is_authenticated", False):
            from .audit import audit_record

            audit_record("denied", actor=user, object_type=qs.model._meta.label_lower, object_id=str(pk),
                         summary="越权访问被拒", request=request)
        raise Http404 from None


def share_with_unit(obj, unit, *, perms=("view",)) -> None:
    """Let a co-unit see (and, with "change", act on) one item."""
    from guardian.shortcuts import assign_perm

    for perm in perms:
        assign_perm(f"{obj._meta.app_label}.{perm}_{obj._meta.model_name}", unit.group, obj)


def unshare_with_unit(obj, unit, *, perms=("view",)) -> None:
    from guardian.shortcuts import remove_perm

    for perm in perms:
        remove_perm(f"{obj._meta.app_label}.{perm}_{obj._meta.model_name}", unit.group, obj)


def shared_units(obj, *, perm: str = "view"):
    from .models import Unit

    perm_model = _direct_group_model(type(obj))
    if perm_model is None:
        return Unit.objects.none()
    groups = perm_model.objects.filter(
        content_object=obj, permission__codename=f"{perm}_{obj._meta.model_name}"
    ).values("group_id")
    return Unit.objects.filter(group_id__in=groups)


def is_office(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.role == Role.OFFICE


def is_leader(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.role == Role.LEADER


def is_head_of(user, unit_id) -> bool:
    return getattr(user, "is_authenticated", False) and user.role == Role.HEAD and user.unit_id == unit_id


def in_unit(user, unit_id) -> bool:
    return getattr(user, "is_authenticated", False) and user.role in (Role.CLERK, Role.HEAD) and user.unit_id == unit_id
