"""Writes to the org chart and accounts. Each validates, writes, and audits in one transaction."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .audit import audit_record, snapshot
from .models import ADMIN_ROLES, Region, Role, Section, Unit, User

USER_FIELDS = ["username", "full_name", "unit", "section", "post", "role", "email", "phone", "is_active"]


@transaction.atomic
def unit_create(*, actor=None, code: str, name: str, region: Region, kind: str = Unit.Kind.DEPARTMENT,
                parent: Unit | None = None, short_name: str = "") -> Unit:
    group, _ = Group.objects.get_or_create(name=f"unit:{code}")
    unit = Unit(code=code, name=name, region=region, kind=kind, parent=parent, short_name=short_name, group=group)
    unit.full_clean()
    unit.save()
    audit_record("create", actor=actor, obj=unit, summary=f"新增单位 {name}", after=snapshot(unit))
    return unit


@transaction.atomic
def section_create(*, actor=None, unit: Unit, name: str) -> Section:
    section = Section.objects.create(unit=unit, name=name)
    audit_record("create", actor=actor, obj=section, summary=f"新增内设机构 {unit.name}·{name}")
    return section


@transaction.atomic
def user_create(*, actor=None, username: str, full_name: str, role: str, unit: Unit | None = None,
                section: Section | None = None, post: str = "", password: str | None = None,
                email: str = "", phone: str = "", must_change_password: bool = True,
                validate_password: bool = True) -> User:
    user = User(username=username, full_name=full_name, role=role, unit=unit, section=section, post=post,
                email=email, phone=phone, must_change_password=must_change_password,
                password_changed_at=timezone.now(), is_staff=role in ADMIN_ROLES)
    if password:
        if validate_password:
            from django.contrib.auth.password_validation import validate_password as check

            check(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    _sync_unit_group(user)
    audit_record("create", actor=actor, obj=user, summary=f"新增用户 {username}（{user.get_role_display()}）",
                 after=snapshot(user, USER_FIELDS))
    return user


@transaction.atomic
def user_update(*, actor, user: User, **changes) -> User:
    before = snapshot(user, USER_FIELDS)
    for name, value in changes.items():
        if name not in USER_FIELDS:
            raise ValidationError(f"不能修改字段 {name}")
        setattr(user, name, value)
    # 三员分立: the administrators (and only they) enter the admin site; nobody is a superuser.
    user.is_staff = user.role in ADMIN_ROLES
    user.is_superuser = False
    user.full_clean(exclude=["password"])
    user.save()
    _sync_unit_group(user)
    audit_record("update", actor=actor, obj=user, summary=f"修改用户 {user.username}", before=before,
                 after=snapshot(user, USER_FIELDS))
    return user


def _sync_unit_group(user: User) -> None:
    """A person belongs to exactly their unit's group (co-unit sharing goes through it)."""
    unit_groups = Group.objects.filter(name__startswith="unit:")
    user.groups.remove(*unit_groups.exclude(pk=getattr(user.unit, "group_id", None)))
    if user.unit_id and user.role not in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        user.groups.add(user.unit.group)


@transaction.atomic
def user_set_password(*, actor, user: User, password: str, temporary: bool = False) -> User:
    """A new password: validated against the policy; a temporary one (set by an administrator)
    must be changed at the next login (等保 2.0)."""
    from django.contrib.auth.password_validation import validate_password

    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = temporary
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    summary = f"重置用户 {user.username} 的密码" if temporary else f"用户 {user.username} 修改密码"
    audit_record("update", actor=actor, obj=user, summary=summary)
    return user


@transaction.atomic
def user_unlock(*, actor, user: User) -> int:
    """Lift a lockout after repeated failed logins (the security administrator's duty)."""
    from axes.utils import reset

    count = reset(username=user.get_username())
    audit_record("action", actor=actor, obj=user, summary=f"解除账号 {user.username} 的登录锁定")
    return count


def user_is_locked(user: User) -> bool:
    from axes.models import AccessAttempt
    from django.conf import settings

    attempts = AccessAttempt.objects.filter(username=user.get_username())
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    return sum(a.failures_since_start for a in attempts) >= settings.AXES_FAILURE_LIMIT
