"""Org chart: regions, units and their sections, people with posts and one role each."""

from django.contrib.auth.models import AbstractUser, Group
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县区")

    code = models.CharField(_("行政区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级")
    )

    class Meta:
        verbose_name = _("行政区域")
        verbose_name_plural = _("行政区域")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def below_city(self) -> bool:
        # 2008b 二(二): sampling limits apply to inspections below city level.
        return self.level == self.Level.COUNTY


class Unit(models.Model):
    """A unit (单位): a department, a bureau, a county government, the efficiency office.

    Units form a tree inside a region. Each unit owns a permission group (its members), so an
    item can be shared with a co-unit through django-guardian's group object permissions.
    """

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("人民政府")
        DEPARTMENT = "department", _("政府部门")
        OFFICE = "office", _("效能办/督查室")
        SERVICE_CENTER = "service_center", _("政务服务中心")
        OTHER = "other", _("其他")

    code = models.CharField(_("单位代码"), max_length=32, unique=True)
    name = models.CharField(_("单位名称"), max_length=128)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    region = models.ForeignKey(Region, models.PROTECT, related_name="units", verbose_name=_("区域"))
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级单位")
    )
    group = models.OneToOneField(Group, models.PROTECT, related_name="unit", editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    # R42 (2019 (二); 2014 四(一)): the principal (主要负责同志) is the unit's first responsible
    # person for execution, the deputy in charge (分管负责同志) the direct responsible person who
    # reports execution to the principal. Set by `services.unit_set_responsible`; a key task
    # copies them as its defaults.
    principal = models.ForeignKey("efficiency.User", models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name=_("第一责任人（主要负责同志）"))
    deputy = models.ForeignKey("efficiency.User", models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("直接责任人（分管负责同志）"))

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def is_efficiency_office(self) -> bool:
        return self.kind == self.Kind.OFFICE


class Section(models.Model):
    """内设机构: a section inside a unit."""

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="sections", verbose_name=_("单位"))
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        verbose_name = _("内设机构")
        verbose_name_plural = _("内设机构")
        unique_together = [("unit", "name")]
        ordering = ["unit_id", "name"]

    def __str__(self):
        return f"{self.unit.name} · {self.name}"


class Role(models.TextChoices):
    # A new account has no role until the security administrator grants one (ADR 0006).
    PENDING = "pending", _("待授权")
    CLERK = "clerk", _("经办人")
    HEAD = "head", _("单位负责人")
    OFFICE = "office", _("效能办")
    LEADER = "leader", _("领导")
    SYSTEM_ADMIN = "sysadmin", _("系统管理员")
    SECURITY_ADMIN = "secadmin", _("安全管理员")
    AUDIT_ADMIN = "auditadmin", _("审计管理员")


ADMIN_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
BUSINESS_ROLES = (Role.CLERK, Role.HEAD, Role.OFFICE, Role.LEADER)
# What the security administrator may grant (or take back to "pending"); never one of the three.
GRANTABLE_ROLES = (Role.PENDING, *BUSINESS_ROLES)


class Rank(models.IntegerChoices):
    """职级: a cadre's rank, ordered, so "处级 or above" is one comparison (R51: a key project's
    service team is led by a 处级 cadre; 县处级 counts its deputies, 副处级)."""

    NONE = 0, _("未定级")
    STAFF = 10, _("科员及以下")
    DEPUTY_SECTION = 20, _("副科级")
    SECTION = 30, _("正科级")
    DEPUTY_DIVISION = 40, _("副处级")
    DIVISION = 50, _("正处级")
    DEPUTY_BUREAU = 60, _("副厅级")
    BUREAU = 70, _("正厅级及以上")


# R51 (2014 二(二)一): "由处级干部牵头" — 副处级 and above.
DIVISION_LEVEL = Rank.DEPUTY_DIVISION


class User(AbstractUser):
    """A person with a post in a unit and exactly one role.

    三员分立: the system, security and audit administrator roles are held by different
    people. A person has one role, so no one holds two of the three; no account is a Django
    superuser (a superuser would hold all three), which a database constraint enforces. Who may
    change which field is decided in `services.account_change_refusal` (ADR 0006): an account
    starts "pending" (no access) and belongs to a unit until granted a business role.
    """

    full_name = models.CharField(_("姓名"), max_length=64)
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("单位")
    )
    section = models.ForeignKey(
        Section, models.SET_NULL, null=True, blank=True, related_name="members", verbose_name=_("内设机构")
    )
    post = models.CharField(_("职务/岗位"), max_length=64, blank=True)
    rank = models.PositiveSmallIntegerField(_("职级"), choices=Rank.choices, default=Rank.NONE)
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices, default=Role.PENDING)
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    # AB岗 (R49, 2010 四 3②): the backup holder (B角) of this person's post, of the same unit, who
    # acts while they are absent. `covering` is the backup's copy of the absent holders it acts
    # for, kept by `services.user_mark_absent` / `user_set_backup` so that `permissions.acting_for`
    # needs no query.
    backup = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("B角（AB岗替岗人）"))
    is_absent = models.BooleanField(_("离岗（由B角替岗）"), default=False)
    covering = ArrayField(models.PositiveIntegerField(), default=list, blank=True, editable=False,
                          verbose_name=_("正在替岗的A角"))
    must_change_password = models.BooleanField(_("首次登录须改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(condition=Q(is_superuser=False), name="user_no_superuser_three_admins_apart"),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in ADMIN_ROLES]) | Q(unit__isnull=False),
                name="user_business_role_has_unit",
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    def clean(self):
        super().clean()
        if self.is_superuser:
            raise ValidationError(_("三员分立：不得设置超级用户，请分别授予系统、安全或审计管理员角色。"))
        if self.role not in ADMIN_ROLES and not self.unit_id:
            raise ValidationError({"unit": _("业务角色必须属于一个单位。")})
        if self.section_id and self.section.unit_id != self.unit_id:
            raise ValidationError({"section": _("内设机构必须属于该用户的单位。")})

    @property
    def is_admin_role(self) -> bool:
        return self.role in ADMIN_ROLES

    @property
    def sees_all_units(self) -> bool:
        return self.role in (Role.OFFICE, Role.LEADER)
