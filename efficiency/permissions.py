"""The one place that decides what a user may see and change.

- clerks and unit heads: their own unit's items (its sections are inside it), plus items
  shared with their unit through a django-guardian group object permission (a co-unit);
- the efficiency office and leaders: everything;
- the three administrators and a pending account: none of the business data (三员分立).

Querysets are scoped by the item's unit foreign key; sharing uses guardian's direct
foreign-key permission models (the generic tables are too slow at a million objects). Anything
outside the scope is "not found" (404), never "forbidden", so its existence does not leak.

回避 (recusal) and an app's own rule: an app registers, for a model, the unit an item is *about*
and the people it is about (`register_scope_rule`), and any further narrowing of its own (a clerk
sees only the cases against them). `scope()` applies them for everyone, so an item's own page,
the API, the generic item page (/dashboards/item/<label>/<pk>/), lists and notifications give the
same answer. An item about a unit is withheld from that unit's members who see region-wide (the
office, a leader): they would judge themselves — a complaint about the efficiency office goes to
the office of the level above (else the leaders). Members in a unit role see such an item only
where the procedure puts it in their unit (a complaint handed to the unit to answer; a case
against the unit, seen by its head). The people an item is about see it as the accused do (their
statement, the decision, the appeal) and hear of it only through those steps' own notices, never
as "the head" or "the office" (`recusal_of` and `efficiency.notifications`).

Two answers, the same for pages and the API:
- an item outside the user's scope: `access()` raises Http404 (DRF answers NotFound, 404);
- an action the user may not take on an item they can see: `require_role()` raises
  PermissionDenied (403, the message says who may). Services call it; views and API views
  let it through to the 403 page / the API's error body. A bad input stays a ValidationError (400).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from .models import Role

# Roles that act for their own unit only; the others act region-wide.
UNIT_ROLES = (Role.CLERK, Role.HEAD)
REGION_WIDE_ROLES = (Role.OFFICE, Role.LEADER)
_ANYWHERE = object()


@dataclass(frozen=True)
class ScopeRule:
    """What `scope()` adds for one model besides the unit: `about`, the path of the unit the
    item is about (回避); `accused`, the paths of the people it is about; `narrow(user)`, a Q
    the item must also match for that user (None: no further rule)."""

    about: str | None = None
    accused: tuple[str, ...] = ()
    narrow: Callable[[object], Q | None] | None = None


_rules: dict[type, ScopeRule] = {}


def register_scope_rule(model, *, about: str | None = None, accused=(), narrow=None) -> None:
    """Apps call it in `AppConfig.ready`; the core never imports the app to know it."""
    _rules[model._meta.concrete_model] = ScopeRule(about=about, accused=tuple(accused), narrow=narrow)


def scope_rule(model) -> ScopeRule | None:
    return _rules.get(model._meta.concrete_model)


def scope_rules() -> dict[type, ScopeRule]:
    return dict(_rules)


def _recused_q(user, rule: ScopeRule) -> Q | None:
    """The items this user must not see because they are about the user's own unit."""
    if rule.about is None or user.role not in REGION_WIDE_ROLES or not user.unit_id:
        return None
    hidden = Q(**{rule.about: user.unit_id})
    for path in rule.accused:  # the accused keep their own case (陈述申辩, decision, appeal)
        hidden &= ~Q(**{path: user.pk})
    return hidden


def _apply_rule(user, qs):
    rule = scope_rule(qs.model)
    if rule is None:
        return qs
    hidden = _recused_q(user, rule)
    if hidden is not None:
        qs = qs.exclude(hidden)
    narrow = rule.narrow(user) if rule.narrow else None
    return qs.filter(narrow) if narrow is not None else qs


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
    if user.role in REGION_WIDE_ROLES:
        return _apply_rule(user, qs)
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
    return _apply_rule(user, qs.filter(condition))


def scope_arms(user, model, *, unit_field: str = "unit") -> list[Q] | None:
    """`scope`'s rows for a unit user as disjoint parts a list can read one by one, each led by
    an index: the unit's own rows, then the rows shared with its group that are not the unit's
    (None for anyone else: one read). Under row-level security PostgreSQL applies the policy
    before `scope`'s `unit = … OR id IN (shared)` (not leakproof), so a list ordered by an index
    that is not the unit's would test the policy on every unit's rows; `unit_id = …` alone is
    leakproof and leads the unit's own index (`efficiency.listing.ledger_page`'s `arms`)."""
    if (not getattr(user, "is_authenticated", False) or not user.is_active or user.role not in (Role.CLERK, Role.HEAD)
            or not user.unit_id or "__" in unit_field):
        return None
    own = Q(**{f"{unit_field}_id": user.unit_id})
    perm_model = _direct_group_model(model)
    if perm_model is None:
        return [own]
    shared = perm_model.objects.filter(
        group_id=user.unit.group_id, permission__codename=f"view_{model._meta.model_name}"
    ).values("content_object_id")
    return [own, Q(pk__in=shared) & ~own]


def recusal_of(model, ids) -> dict[int, tuple[int | None, frozenset[int]]]:
    """For notifications, set-based: {pk: (the unit it is about, the people it is about)} for the
    items of a model with a recusal rule (one query), {} otherwise."""
    rule = scope_rule(model)
    if rule is None or rule.about is None or not ids:
        return {}
    rows = model._default_manager.filter(pk__in=ids).values_list("pk", rule.about, *rule.accused)
    return {row[0]: (row[1], frozenset(p for p in row[2:] if p is not None)) for row in rows}


def is_recused(user, obj) -> bool:
    """Whether the user must stand aside from handling this item (回避): one of the people it
    is about, or a region-wide member of the unit it is about. (The accused still see their own
    case and act in it as the accused: their statement, their appeal.)"""
    if not getattr(user, "is_authenticated", False):
        return False
    found = recusal_of(type(obj), [obj.pk]).get(obj.pk)
    if found is None:
        return False
    about, accused = found
    return user.pk in accused or (user.role in REGION_WIDE_ROLES and user.unit_id == about)


def scope_events(user, qs):
    """Events (a timeline, the office's event list) without those of items the user is recused
    from, so a list never says what the item's page would not."""
    if getattr(user, "role", None) not in REGION_WIDE_ROLES:
        return qs
    for model, rule in scope_rules().items():
        hidden = _recused_q(user, rule)
        if hidden is not None:
            qs = qs.exclude(subject_type=model._meta.label_lower,
                            subject_id__in=model._default_manager.filter(hidden).values("pk"))
    return qs


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


def share_with_units(pairs, *, perm: str = "view") -> None:
    """`share_with_unit` for many (item, unit) pairs of one model in one insert (a bulk seed)."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    pairs = list(pairs)
    if not pairs:
        return
    model = type(pairs[0][0])
    perm_model = _direct_group_model(model)
    permission = Permission.objects.get(content_type=ContentType.objects.get_for_model(model),
                                        codename=f"{perm}_{model._meta.model_name}")
    perm_model.objects.bulk_create([perm_model(content_object=obj, group_id=unit.group_id, permission=permission)
                                    for obj, unit in pairs], ignore_conflicts=True)


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


def acting_for(user) -> list[int]:
    """AB岗 (R49, 2010 四 3②): the people whose items and to-do this user handles — the user and
    the absent holders whose backup (B角) they are (the user row's `covering`, no query). Lists
    of "my" items, the home to-do and the clock's notices follow it."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return [user.pk, *getattr(user, "covering", ())]


def has_role(user, *roles, unit=_ANYWHERE) -> bool:
    """Whether the user holds one of `roles`. With `unit` (a Unit, its key, or None for an item
    of no unit), a unit's own roles (clerk, head) count only in that unit; the office, leader
    and administrators count everywhere."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.role not in roles:
        return False
    if unit is _ANYWHERE or user.role not in UNIT_ROLES:
        return True
    return user.unit_id is not None and user.unit_id == getattr(unit, "pk", unit)


def require_role(user, *roles, unit=_ANYWHERE, item=None, message=None) -> None:
    """The one guard for "may this user do this": PermissionDenied (403) unless `has_role`;
    with `item`, also when the user must stand aside from it (回避)."""
    if not has_role(user, *roles, unit=unit):
        raise PermissionDenied(message or _("您没有执行此操作的权限。"))
    if item is not None and is_recused(user, item):
        raise PermissionDenied(_("该事项涉及您所在单位，您应当回避，由上一级效能办或领导办理。"))


def role_required(*roles):
    """A page of some roles only: anyone else gets the 404 of an item outside their scope
    (and an audit row), so the page's existence does not leak."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                from .audit import audit_record

                audit_record("denied", actor=request.user, object_type="page", object_id=request.path[:64],
                             summary="越权访问被拒", request=request)
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_office(user) -> bool:
    return has_role(user, Role.OFFICE)


def is_leader(user) -> bool:
    return has_role(user, Role.LEADER)


def is_head_of(user, unit_id) -> bool:
    return has_role(user, Role.HEAD, unit=unit_id)


def in_unit(user, unit_id) -> bool:
    return has_role(user, *UNIT_ROLES, unit=unit_id)


def is_government_leader_for(user, unit) -> bool:
    """本级人民政府负责人 (行政许可法 §42, R22): a leader account of the people's government of
    the unit's own region — not the unit's head, and not a leader of another region's
    government."""
    from .models import Unit

    if not has_role(user, Role.LEADER) or user.unit_id is None:
        return False
    return user.unit.kind == Unit.Kind.GOVERNMENT and user.unit.region_id == unit.region_id


def refuse(message) -> None:
    """A 403 for a rule that is not a role (who decided, which body hears an appeal, whose
    finding it is): the app states the reason, this module raises it, like `require_role`."""
    raise PermissionDenied(message)


def require_government_leader_for(user, unit, *, message=None) -> None:
    """`require_role`'s form of `is_government_leader_for`: PermissionDenied (403) otherwise."""
    if not is_government_leader_for(user, unit):
        raise PermissionDenied(message or _("须经本级人民政府负责人批准。"))
