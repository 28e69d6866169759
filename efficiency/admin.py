"""The admin site, by role (三员分立), not by Django's permission tables.

- system administrator: org chart, accounts (create, edit, disable; no role), working-day
  calendar, time-limit rules;
- security administrator: accounts' business roles and login lockouts (ADR 0006);
- audit administrator: the audit log and the event history, read only.

Only the three administrator roles are staff (`services.user_create` keeps is_staff in step
with the role); business users never enter the admin. Nobody is a superuser (a database
constraint), so every ModelAdmin here answers its permissions from the role. Other apps'
ModelAdmins may reuse `RoleAdmin` with their own role sets.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import calendar, services
from .audit import audit_record, snapshot
from .models import (
    ADMIN_ROLES, GRANTABLE_ROLES, AuditLog, CalendarDay, CalendarYear, Event, Region, Role, Section, TimeLimitRule, Unit,
    User,
)


class PlatformAdminSite(admin.AdminSite):
    site_header = _("效能督查平台 · 系统管理")
    site_title = _("效能督查平台")
    index_title = _("管理首页")

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_staff and getattr(user, "role", None) in ADMIN_ROLES


# The default site instance stays (every app registers on `admin.site`); only its rules change.
admin.site.__class__ = PlatformAdminSite
admin.site.site_header = PlatformAdminSite.site_header
admin.site.site_title = PlatformAdminSite.site_title
admin.site.index_title = PlatformAdminSite.index_title


def _role(request) -> str | None:
    return getattr(request.user, "role", None) if request.user.is_active else None


class RoleAdmin(admin.ModelAdmin):
    """Permissions from the user's role: `view_roles` may look, `change_roles` may add, change
    and delete. Writes are audited with before and after."""

    view_roles: tuple = ()
    change_roles: tuple = ()

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return _role(request) in (*self.view_roles, *self.change_roles)

    def has_add_permission(self, request):
        return _role(request) in self.change_roles

    def has_change_permission(self, request, obj=None):
        return _role(request) in self.change_roles

    def has_delete_permission(self, request, obj=None):
        return _role(request) in self.change_roles

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
            super().save_model(request, obj, form, change)
            audit_record("update" if change else "create", actor=request.user, obj=obj,
                         summary=f"{'修改' if change else '新增'}{obj._meta.verbose_name} {obj}",
                         before=before, after=snapshot(obj), request=request)

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record("delete", actor=request.user, obj=obj, summary=f"删除{obj._meta.verbose_name} {obj}",
                         before=snapshot(obj), request=request)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        """Inline rows (a unit's sections) are writes too: each gets its audit row."""
        with transaction.atomic():
            formset.save()
            changed = {obj.pk for obj, _fields in formset.changed_objects}
            for obj in formset.new_objects + [obj for obj, _fields in formset.changed_objects]:
                audit_record("update" if obj.pk in changed else "create", actor=request.user, obj=obj,
                             summary=f"保存{obj._meta.verbose_name} {obj}", after=snapshot(obj), request=request)
            for obj in formset.deleted_objects:
                audit_record("delete", actor=request.user, object_type=obj._meta.label_lower,
                             summary=f"删除{obj._meta.verbose_name} {obj}", before=snapshot(obj), request=request)


class ReadOnlyAdmin(RoleAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


SYS = (Role.SYSTEM_ADMIN,)


# --- org chart --------------------------------------------------------------------------------


@admin.register(Region)
class RegionAdmin(RoleAdmin):
    change_roles = SYS
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


class SectionInline(admin.TabularInline):
    model = Section
    extra = 1

    def has_view_permission(self, request, obj=None):
        return _role(request) in SYS

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


class UnitAdminForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        if self.instance.pk and {"principal", "deputy"} & set(self.changed_data):
            # R42: the same check as the service, as a message on the form.
            for field, message in services.responsible_refusal(self.instance, data.get("principal"),
                                                               data.get("deputy")).items():
                self.add_error(field, message)
        return data


@admin.register(Unit)
class UnitAdmin(RoleAdmin):
    form = UnitAdminForm
    change_roles = SYS
    list_display = ["code", "name", "short_name", "kind", "region", "parent", "principal", "deputy", "is_active"]
    list_filter = ["kind", "region", "is_active"]
    search_fields = ["code", "name", "short_name"]
    inlines = [SectionInline]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        for name in ("principal", "deputy"):  # R42: the unit's own people
            if name in form.base_fields:
                form.base_fields[name].queryset = User.objects.filter(unit=obj, is_active=True) if obj else \
                    User.objects.none()
        return form

    def save_model(self, request, obj, form, change):
        if change:
            if {"principal", "deputy"} & set(form.changed_data):
                # R42: through the service, which checks the people and writes the audit row.
                services.unit_set_responsible(actor=request.user, unit=obj, principal=obj.principal,
                                              deputy=obj.deputy)
            return super().save_model(request, obj, form, change)
        # A new unit gets its permission group (co-unit sharing) through the service.
        created = services.unit_create(actor=request.user, code=obj.code, name=obj.name, region=obj.region,
                                       kind=obj.kind, parent=obj.parent, short_name=obj.short_name)
        obj.pk, obj.group_id = created.pk, created.group_id
        obj._state.adding = False
        obj._state.db = created._state.db

    def delete_model(self, request, obj):
        # Units are deactivated, never deleted: items and history point at them.
        messages.error(request, _("单位不能删除，请停用。"))

    def has_delete_permission(self, request, obj=None):
        return False


# --- users ------------------------------------------------------------------------------------


class AccountForm(forms.ModelForm):
    """An account form checks 三员分立 in `clean`, with the same rule as the services, so that a
    refusal is a message on the form and its audit row is not rolled back with the admin's
    transaction. A grant field the form does not offer but the request carries (a forged POST)
    counts as an attempt too."""

    GRANT_FIELDS = ("role", "is_active")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def attempted_changes(self, data) -> dict:
        changes = {name: data[name] for name in self.fields if name in services.USER_FIELDS and name in data}
        for name in self.GRANT_FIELDS:
            if name not in self.fields and name in self.data:
                changes[name] = (forms.CheckboxInput().value_from_datadict(self.data, None, name)
                                 if name == "is_active" else self.data[name])
        return changes

    def clean(self):
        data = super().clean()
        target = self.instance if self.instance.pk else None
        changes = self.attempted_changes(data)
        if target is not None:
            changes = services.account_changes(target, changes)
        actor = self.request.user if self.request is not None else None
        reason = services.account_change_refusal(actor=actor, user=target, changes=changes)
        if reason is not None:
            services.account_refusal_record(actor=actor, user=target, changes=changes, reason=reason,
                                            request=self.request)
            raise ValidationError(reason)
        return data

    def _post_clean(self):
        if self._errors:  # a refused change is not validated as a model (it may not even be one)
            return
        super()._post_clean()


class UserAddForm(AccountForm):
    """The system administrator's new account: no role field; it starts pending (ADR 0006)."""

    password1 = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("再次输入初始密码"), widget=forms.PasswordInput, strip=False)

    class Meta:
        model = User
        fields = ["username", "full_name", "unit", "section", "post", "phone", "email"]

    def attempted_changes(self, data) -> dict:
        return {"role": self.data.get("role") or Role.PENDING}

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            raise ValidationError({"password2": _("两次输入的密码不一致。")})
        if data.get("password1"):
            probe = User(username=data.get("username") or "", full_name=data.get("full_name") or "")
            try:
                validate_password(data["password1"], probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class UserChangeForm(AccountForm):
    """The system administrator's: an account's facts and active state, not its role."""

    class Meta:
        model = User
        fields = ["full_name", "unit", "section", "post", "rank", "phone", "email", "is_active"]


class RoleGrantForm(AccountForm):
    """The security administrator's: the business role, nothing else."""

    class Meta:
        model = User
        fields = ["role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "role" in self.fields:  # offer only what may be granted; anything else is refused in clean
            self.fields["role"].widget.choices = [(r.value, r.label) for r in GRANTABLE_ROLES]


class LockedFilter(admin.SimpleListFilter):
    title = _("登录锁定")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("1", _("已锁定"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            from axes.models import AccessAttempt

            names = AccessAttempt.objects.values_list("username", flat=True)
            ids = [u.pk for u in queryset.filter(username__in=names) if services.user_is_locked(u)]
            return queryset.filter(pk__in=ids)
        return queryset


@admin.register(User)
class UserAdmin(RoleAdmin):
    """三员分立 (ADR 0006): the system administrator creates accounts, edits their facts and
    disables them; the security administrator grants business roles and lifts lockouts. There is
    no superuser field, and the three administrators are made only by `create_admins`."""

    change_roles = SYS
    view_roles = (Role.SECURITY_ADMIN,)
    list_display = ["username", "full_name", "role", "unit", "post", "is_active", "last_login"]
    list_filter = ["role", "is_active", LockedFilter, "unit__region"]
    search_fields = ["username", "full_name", "unit__name"]
    actions = ["unlock", "deactivate", "activate"]
    readonly_fields = ["last_login", "date_joined", "password_changed_at", "must_change_password"]
    ADD_FIELDS = ["username", "full_name", "unit", "section", "post", "phone", "email", "password1", "password2"]

    def has_change_permission(self, request, obj=None):
        return _role(request) in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated, never deleted (the audit log names them)

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = UserAddForm if obj is None else RoleGrantForm if _role(request) == Role.SECURITY_ADMIN else UserChangeForm

        class BoundForm(base):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)

        kwargs["form"] = BoundForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.ADD_FIELDS
        fields = ["username", "full_name", "role", "unit", "section", "post", "rank", "phone", "email", "is_active",
                  *self.readonly_fields]
        if _role(request) == Role.SECURITY_ADMIN:  # plain text: a read-only FK is a link to a page it may not open
            fields = [{"unit": "unit_label", "section": "section_label"}.get(f, f) for f in fields]
        return fields

    @admin.display(description=_("单位"))
    def unit_label(self, obj):
        return str(obj.unit) if obj.unit_id else "—"

    @admin.display(description=_("科室"))
    def section_label(self, obj):
        return str(obj.section) if obj.section_id else "—"

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if _role(request) == Role.SECURITY_ADMIN:
            return ["username", "full_name", "unit_label", "section_label", "post", "rank", "phone", "email",
                    "is_active", *self.readonly_fields]
        return ["username", "role", *self.readonly_fields]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if _role(request) != Role.SECURITY_ADMIN:
            actions.pop("unlock", None)
        if _role(request) != Role.SYSTEM_ADMIN:
            actions.pop("deactivate", None)
            actions.pop("activate", None)
        return actions

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = services.user_create(
                actor=request.user, username=data["username"], full_name=data["full_name"],
                unit=data.get("unit"), section=data.get("section"), post=data.get("post", ""),
                phone=data.get("phone", ""), email=data.get("email", ""), password=data["password1"],
                must_change_password=True, request=request,
            )
            obj.pk = created.pk
            obj._state.adding = False
            return
        changes = {name: data[name] for name in form.fields if name in services.USER_FIELDS and name in data}
        services.user_update(actor=request.user, user=User.objects.get(pk=obj.pk), request=request, **changes)

    def save_related(self, request, form, formsets, change):
        pass  # no many-to-many fields are edited here (groups follow the unit)

    @admin.action(description=_("解除登录锁定"))
    def unlock(self, request, queryset):
        for person in queryset:
            services.user_unlock(actor=request.user, user=person)
        messages.success(request, _("已解除所选账号的登录锁定。"))

    def _set_active(self, request, queryset, active: bool):
        for person in queryset:
            try:
                services.user_update(actor=request.user, user=person, request=request, is_active=active)
            except services.RoleSeparationError as exc:
                messages.error(request, f"{person.username}: {exc}")

    @admin.action(description=_("停用所选账号"))
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)

    @admin.action(description=_("启用所选账号"))
    def activate(self, request, queryset):
        self._set_active(request, queryset, True)


# --- calendar and rules -----------------------------------------------------------------------


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    view_roles = SYS
    list_display = ["year", "source", "loaded_at"]


@admin.register(CalendarDay)
class CalendarDayAdmin(RoleAdmin):
    """Each change goes through the calendar service, which recomputes open deadlines."""

    change_roles = SYS
    list_display = ["date", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    date_hierarchy = "date"
    fields = ["date", "kind", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["date"] if obj else []

    def save_model(self, request, obj, form, change):
        calendar.calendar_set_day(actor=request.user, day=obj.date, kind=obj.kind, name=obj.name)

    def delete_model(self, request, obj):
        calendar.calendar_set_day(actor=request.user, day=obj.date, kind=None)


@admin.register(TimeLimitRule)
class TimeLimitRuleAdmin(RoleAdmin):
    change_roles = SYS
    list_display = ["code", "name", "item_kind", "limit_value", "limit_unit", "legal_limit_value", "basis",
                    "deemed_approval", "is_active"]
    list_filter = ["item_kind", "local_default", "is_active", "deemed_approval"]
    search_fields = ["code", "name"]
    # Whether the seeds set the number is a fact about the seeds, not a setting (RULES.md).
    readonly_fields = ["local_default"]

    @admin.display(description=_("依据"), ordering="source")
    def basis(self, obj):
        return gettext("本地默认 (种子未规定)") if obj.local_default else obj.source

    def has_delete_permission(self, request, obj=None):
        return False  # rules are switched off, not deleted: clocks name them


# --- audit ------------------------------------------------------------------------------------


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    """Read only for the audit administrator, invisible to everyone else (R40: append-only)."""

    view_roles = (Role.AUDIT_ADMIN,)
    list_display = ["at", "actor_name", "action", "object_type", "object_id", "summary", "ip"]
    list_filter = ["action", "at"]
    search_fields = ["actor_name", "object_type", "object_id", "summary"]
    date_hierarchy = "at"

    def get_actions(self, request):
        return {}


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    view_roles = (Role.AUDIT_ADMIN,)
    list_display = ["at", "kind", "subject_type", "subject_id", "unit", "actor", "level_from", "level_to"]
    list_filter = ["kind"]
    search_fields = ["subject_type", "kind"]
    date_hierarchy = "at"

    def get_actions(self, request):
        return {}
