"""Writes to the org chart and accounts. Each validates, writes, and audits in one transaction."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .audit import audit_record, snapshot
from .models import ADMIN_ROLES, BUSINESS_ROLES, ApiToken, Region, Role, Section, Unit, User

USER_FIELDS = ["username", "full_name", "unit", "section", "post", "rank", "role", "email", "phone", "is_active"]


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


def responsible_refusal(unit: Unit, principal: User | None, deputy: User | None) -> dict:
    """R42: why these people cannot be the unit's 第一责任人 / 直接责任人 ({} when they can):
    both named, both active members of the unit in a business role."""
    errors = {}
    for field, person, label in (("principal", principal, _("第一责任人")), ("deputy", deputy, _("直接责任人"))):
        if person is None:
            errors[field] = _("请指定%(who)s。") % {"who": label}
        elif person.unit_id != unit.pk or not person.is_active or person.role not in BUSINESS_ROLES:
            errors[field] = _("%(who)s须为本单位在岗人员。") % {"who": label}
    return errors


@transaction.atomic
def unit_set_responsible(*, actor, unit: Unit, principal: User | None, deputy: User | None) -> Unit:
    """R42 (2019 (二)): name the unit's principal (第一责任人) and deputy in charge (直接责任人).
    The org chart is the system administrator's (DESIGN.md); the efficiency office may set them too."""
    if getattr(actor, "role", None) not in (Role.SYSTEM_ADMIN, Role.OFFICE) or not actor.is_active:
        raise PermissionDenied(_("只有系统管理员或效能办可以指定单位的第一责任人和直接责任人。"))
    errors = responsible_refusal(unit, principal, deputy)
    if errors:
        raise ValidationError(errors)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = snapshot(unit, ["principal", "deputy"])
    unit.principal, unit.deputy = principal, deputy
    unit.save(update_fields=["principal", "deputy"])
    audit_record("update", actor=actor, obj=unit, summary=f"指定第一责任人、直接责任人：{unit.name}"[:200],
                 before=before, after=snapshot(unit, ["principal", "deputy"]))
    return unit


def _may_arrange_posts(actor, unit_id) -> bool:
    return getattr(actor, "is_active", False) and (
        actor.role == Role.OFFICE or (actor.role == Role.HEAD and actor.unit_id == unit_id))


def _covering(backup_id: int | None, holder_id: int, *, add: bool) -> None:
    if backup_id is None:
        return
    b = User.objects.select_for_update().get(pk=backup_id)
    b.covering = sorted((set(b.covering) | {holder_id}) if add else (set(b.covering) - {holder_id}))
    b.save(update_fields=["covering"])


@transaction.atomic
def user_set_backup(*, actor, user: User, backup: User | None) -> User:
    """AB岗 (R49): name the backup holder (B角) of a person's post — an active clerk or head of
    the same unit, not the person. Set by the unit's head (or the efficiency office)."""
    if not _may_arrange_posts(actor, user.unit_id):
        raise PermissionDenied(_("只有本单位负责人或效能办可以设置AB岗。"))
    if backup is not None and (backup.pk == user.pk or backup.unit_id != user.unit_id or not backup.is_active
                               or backup.role not in (Role.CLERK, Role.HEAD)):
        raise ValidationError({"backup": _("B角须为本单位其他在岗的经办人或负责人。")})
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user, ["backup"])
    if user.is_absent:
        if backup is None:
            raise ValidationError({"backup": _("该人员离岗期间不能取消B角。")})
        _covering(user.backup_id, user.pk, add=False)
        _covering(backup.pk, user.pk, add=True)
    user.backup = backup
    user.save(update_fields=["backup"])
    audit_record("update", actor=actor, obj=user, summary=f"设置AB岗：{user}", before=before,
                 after=snapshot(user, ["backup"]))
    return user


@transaction.atomic
def user_mark_absent(*, actor, user: User, absent: bool) -> User:
    """AB岗 (R49): a holder leaves (or returns to) the post; while absent, the backup acts — the
    holder's items and to-do follow them (`permissions.acting_for`). A post without a backup
    cannot be left (无B角不得离岗). The person, their head or the office marks it."""
    if actor.pk != user.pk and not _may_arrange_posts(actor, user.unit_id):
        raise PermissionDenied(_("只有本人、本单位负责人或效能办可以登记离岗。"))
    user = User.objects.select_for_update().get(pk=user.pk)
    if absent and user.backup_id is None:
        raise ValidationError(_("该岗位未设B角，不能登记离岗：请单位负责人先设置AB岗。"))
    if user.is_absent == absent:
        return user
    user.is_absent = absent
    user.save(update_fields=["is_absent"])
    _covering(user.backup_id, user.pk, add=absent)
    audit_record("update", actor=actor, obj=user, summary=f"{'离岗，由B角替岗' if absent else '返岗'}：{user}",
                 after={"is_absent": absent, "backup": user.backup_id})
    return user


class RoleSeparationError(PermissionDenied):
    """三员分立 refused an account change; the message says why, and an audit row records it."""


# Why a change is refused (ADR 0006). Each is shown to the person who tried, and audited.
ONLY_SYSADMIN_CREATES = _("只有系统管理员可以创建账号。")
NEW_ACCOUNT_HAS_NO_ROLE = _("系统管理员创建的账号没有角色（待授权），业务角色由安全管理员授予。")
NOBODY_GRANTS_THEMSELVES = _("不能给自己授予或变更角色，也不能启用或停用自己的账号。")
THREE_ADMINS_ONLY_AT_INSTALL = _("系统、安全、审计管理员只在安装时由命令 create_admins 创建，不能授予。")
THREE_ADMINS_NO_BUSINESS_ROLE = _("系统、安全、审计管理员不能被授予业务角色。")
ONLY_SECADMIN_GRANTS = _("只有安全管理员可以授予或变更业务角色。")
ONLY_SYSADMIN_EDITS = _("只有系统管理员可以修改账号信息、启用或停用账号。")
THREE_ADMINS_AT_THE_CONSOLE = _("系统、安全、审计管理员的账号只能在服务器上用管理命令维护。")


def account_change_refusal(*, actor, user: User | None, changes: dict):
    """Why `actor` may not make `changes` (field -> new value) to `user` (None: a new account);
    None when allowed. `actor=None` is the installation: a management command at the console,
    which no request reaches (views and the API always pass the signed-in user).

    等保 2.0 level 3, 三员分立: the system administrator creates, edits and disables accounts but
    grants nothing; the security administrator grants business roles (or takes them back) and
    nothing else; nobody changes their own role or active state; the three administrators are
    made only by `create_admins` and never get a business role.
    """
    if actor is None:
        return None
    duty = actor.role if actor.is_active else None
    if user is None:
        if duty != Role.SYSTEM_ADMIN:
            return ONLY_SYSADMIN_CREATES
        return None if changes.get("role", Role.PENDING) == Role.PENDING else NEW_ACCOUNT_HAS_NO_ROLE
    if user.pk == actor.pk and {"role", "is_active"} & set(changes):
        return NOBODY_GRANTS_THEMSELVES
    if "role" in changes:
        if changes["role"] in ADMIN_ROLES:
            return THREE_ADMINS_ONLY_AT_INSTALL
        if user.role in ADMIN_ROLES:
            return THREE_ADMINS_NO_BUSINESS_ROLE
        if duty != Role.SECURITY_ADMIN:
            return ONLY_SECADMIN_GRANTS
    if set(changes) - {"role"}:
        if duty != Role.SYSTEM_ADMIN:
            return ONLY_SYSADMIN_EDITS
        if user.role in ADMIN_ROLES and user.pk != actor.pk:
            return THREE_ADMINS_AT_THE_CONSOLE
    return None


def account_refusal_record(*, actor, user: User | None, changes: dict, reason, request=None) -> None:
    """The audit row of a refused account change (in Chinese, whatever the requester's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        summary = f"三员分立拒绝：{reason}"
    audit_record("denied", actor=actor, obj=user, object_type="efficiency.user", summary=summary,
                 after={"attempted": {k: getattr(v, "pk", v) for k, v in changes.items()}}, request=request)


def _enforce(*, actor, user: User | None, changes: dict, request=None) -> None:
    # Checked and audited before the write's transaction: the refusal's audit row must not be
    # rolled back with it. (A caller that wraps us in its own transaction, as the admin's change
    # form does, checks in its form instead; see admin.UserAdmin.)
    reason = account_change_refusal(actor=actor, user=user, changes=changes)
    if reason is not None:
        account_refusal_record(actor=actor, user=user, changes=changes, reason=reason, request=request)
        raise RoleSeparationError(reason)


def user_create(*, actor, username: str, full_name: str, unit: Unit, section: Section | None = None,
                post: str = "", password: str | None = None, email: str = "", phone: str = "",
                role: str = Role.PENDING, must_change_password: bool = True, validate_password: bool = True,
                request=None) -> User:
    """A new account. From a person (the system administrator) it has no role until the security
    administrator grants one; only the installation (`actor=None`: seed_demo, tests) may give a
    business role at once. Never one of the three administrators: see `administrator_install`."""
    _enforce(actor=actor, user=None, changes={"role": role}, request=request)
    if role in ADMIN_ROLES:
        raise RoleSeparationError(THREE_ADMINS_ONLY_AT_INSTALL)
    return _user_insert(actor=actor, username=username, full_name=full_name, role=role, unit=unit,
                        section=section, post=post, password=password, email=email, phone=phone,
                        must_change_password=must_change_password, validate_password=validate_password)


def administrator_install(*, role: str, username: str, full_name: str, password: str | None = None,
                          unit: Unit | None = None, section: Section | None = None, post: str = "",
                          email: str = "", must_change_password: bool = True) -> User:
    """One of the three administrators, made at installation (`create_admins`, `seed_demo`).
    Refused when an account already holds that role: there is one of each."""
    if role not in ADMIN_ROLES:
        raise ValidationError(f"{role} 不是三员之一")
    with transaction.atomic():
        if User.objects.select_for_update().filter(role=role, is_active=True).exists():
            raise RoleSeparationError(_("已有%(role)s，三员只在安装时创建一次。") % {"role": Role(role).label})
        return _user_insert(actor=None, username=username, full_name=full_name, role=role, unit=unit,
                            section=section, post=post, password=password, email=email, phone="",
                            must_change_password=must_change_password, validate_password=True)


@transaction.atomic
def administrator_replace(*, role: str, username: str, full_name: str, reason: str, password: str,
                          unit: Unit | None = None) -> tuple[User | None, User]:
    """A console task (`manage.py replace_admin`): the holder of one of the three roles leaves
    and a new account takes the role. The old account is disabled (it keeps the role, as history;
    no page can enable it again: THREE_ADMINS_AT_THE_CONSOLE) in the same transaction, so there
    is never a second active holder nor a moment with the old one still able to sign in; both
    steps are audited with the reason. Nobody can do this from a page or the API."""
    if role not in ADMIN_ROLES:
        raise ValidationError(f"{role} 不是三员之一")
    if not reason.strip():
        raise ValidationError(_("须写明更换管理员的原因。"))
    with connection.cursor() as cursor:  # the same lock as the installation's
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('efficiency.administrators_install'))")
    if User.objects.filter(username=username).exists():
        raise RoleSeparationError(_("用户名 %(name)s 已被使用：三员须是新账号，不能由现有账号兼任。") % {"name": username})
    old = User.objects.select_for_update().filter(role=role, is_active=True).first()
    if old is not None:  # keeps the role as history (a former holder), but can never sign in again
        before = snapshot(old, USER_FIELDS)
        old.is_active, old.is_staff, old.is_superuser = False, False, False
        old.save(update_fields=["is_active", "is_staff", "is_superuser"])
        ApiToken.objects.filter(user=old, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record("update", actor=None, actor_name="console", obj=old, before=before,
                     after=snapshot(old, USER_FIELDS),
                     summary=f"更换{Role(role).label}：停用 {old.username}（{reason.strip()}）"[:500])
    new = administrator_install(role=role, username=username, full_name=full_name, password=password, unit=unit)
    return old, new


@transaction.atomic
def administrators_install(*, accounts: dict) -> list[User]:
    """The three administrators at installation (`create_admins`), all three or none: refused
    once any account holds one of the three roles. `accounts`: role -> administrator_install's
    keyword arguments."""
    if set(accounts) != set(ADMIN_ROLES):
        raise ValidationError("三员须同时创建：sysadmin、secadmin、auditadmin")
    with connection.cursor() as cursor:  # two installers at once: the second waits, then refuses
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('efficiency.administrators_install'))")
    if User.objects.filter(role__in=ADMIN_ROLES).exists():
        raise RoleSeparationError(_("三员已经创建，create_admins 只在安装时运行一次。"))
    return [administrator_install(role=role, **fields) for role, fields in accounts.items()]


@transaction.atomic
def _user_insert(*, actor, username, full_name, role, unit, section, post, password, email, phone,
                 must_change_password, validate_password) -> User:
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
                 after=snapshot(user, USER_FIELDS), actor_name="" if actor else "installation")
    return user


def account_changes(user: User, changes: dict) -> dict:
    """Only the fields whose value differs (a form posts every field, changed or not)."""
    differ = {}
    for name, value in changes.items():
        if name not in USER_FIELDS:
            raise ValidationError(f"不能修改字段 {name}")
        current = getattr(user, f"{name}_id") if name in ("unit", "section") else getattr(user, name)
        if current != (getattr(value, "pk", value) if name in ("unit", "section") else value):
            differ[name] = value
    return differ


def user_update(*, actor, user: User, request=None, **changes) -> User:
    """Change an account: its facts and active state (system administrator) or its business role
    (security administrator), as `account_change_refusal` allows."""
    changes = account_changes(user, changes)
    _enforce(actor=actor, user=user, changes=changes, request=request)
    if not changes:
        return user
    with transaction.atomic():
        before = snapshot(user, USER_FIELDS)
        for name, value in changes.items():
            setattr(user, name, value)
        summary = f"修改用户 {user.username}"
        if "unit" in changes and "role" not in changes and user.role in BUSINESS_ROLES:
            # What a business role sees follows the unit: a move is a new grant, the security
            # administrator's (ADR 0006).
            user.role = Role.PENDING
            summary += "（调动单位，业务角色收回，待安全管理员重新授权）"
        elif "role" in changes:
            summary = f"授予用户 {user.username} 角色：{user.get_role_display()}"
        # 三员分立: the administrators (and only they) enter the admin site; nobody is a superuser.
        user.is_staff = user.role in ADMIN_ROLES
        user.is_superuser = False
        user.full_clean(exclude=["password"])
        user.save(update_fields=[*changes, "role", "is_staff", "is_superuser"])  # leave the password alone
        _sync_unit_group(user)
        audit_record("update", actor=actor, obj=user, summary=summary, before=before,
                     after=snapshot(user, USER_FIELDS), request=request)
    return user


def _sync_unit_group(user: User) -> None:
    """A person belongs to exactly their unit's group (co-unit sharing goes through it)."""
    unit_groups = Group.objects.filter(name__startswith="unit:")
    user.groups.remove(*unit_groups.exclude(pk=getattr(user.unit, "group_id", None)))
    if user.unit_id and user.role in BUSINESS_ROLES:  # a pending account shares nothing
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
    # A new password ends every API token issued under the old one (as Django's session hash ends
    # the other sessions): a leaked token must not outlive the password change meant to stop it.
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=user.password_changed_at, revoked_by=actor)
    summary = f"重置用户 {user.username} 的密码" if temporary else f"用户 {user.username} 修改密码"
    if revoked:
        summary += f"，撤销其 {revoked} 个 API 令牌"
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
