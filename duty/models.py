"""Duty roster (R45), reception days (R50), contact points (R52), the opinion ledger (R63).

Rows are written only by `duty.services` (each write audited); these are records and counts —
the seeds set duties and targets here, not deadlines."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# R45 (2008b 二(五)): the duty phone is answered within 3 rings.
MAX_RINGS = 3


class DutyShift(models.Model):
    """值班表: one day's 24-hour duty of a unit — the duty officer, the shift leader (带班) and the
    standby (候班), each reachable at any time (R45)."""

    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("单位"))
    day = models.DateField(_("值班日期"))
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("值班员"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("带班领导"))
    standby = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("候班人员"))
    phone = models.CharField(_("值班电话"), max_length=20)

    class Meta:
        verbose_name = _("值班表")
        verbose_name_plural = _("值班表")
        ordering = ["-day", "unit_id"]
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="duty_shift_once_per_day")]

    def __str__(self):
        return f"{self.unit} {self.day}"


class DutyCheck(models.Model):
    """值班抽查: a spot-check call to the duty phone and the rings it took (answered within
    `MAX_RINGS` is compliant, R45)."""

    shift = models.ForeignKey(DutyShift, models.PROTECT, related_name="checks", verbose_name=_("值班"))
    called_at = models.DateTimeField(_("抽查时间"))
    answered = models.BooleanField(_("接听"))
    rings = models.PositiveSmallIntegerField(_("响铃次数"), null=True, blank=True)
    compliant = models.BooleanField(_("合规（3 声内接听）"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("抽查人"))

    class Meta:
        verbose_name = _("值班抽查")
        verbose_name_plural = _("值班抽查")
        ordering = ["-called_at"]
        constraints = [models.CheckConstraint(
            condition=Q(answered=False, compliant=False) | Q(answered=True, rings__isnull=False),
            name="duty_check_rings_when_answered")]


class ReceptionDay(models.Model):
    """领导干部接待日 (R50): one leader's reception day and what came of it."""

    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("接待领导"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("单位"))
    day = models.DateField(_("接待日期"))
    place = models.CharField(_("地点"), max_length=128)
    visitors = models.PositiveSmallIntegerField(_("接待人次"))
    matters = models.TextField(_("反映问题及处理"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("记录人"))

    class Meta:
        verbose_name = _("领导接待日")
        verbose_name_plural = _("领导接待日")
        ordering = ["-day"]


class ContactPoint(models.Model):
    """联系点 (R52): a leader's contact point (an enterprise, a project, a grassroots unit),
    visited at least once a month."""

    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("联系领导"))
    name = models.CharField(_("联系点"), max_length=128)
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("所在单位/地区"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("联系点")
        verbose_name_plural = _("联系点")
        ordering = ["leader_id", "name"]
        constraints = [models.UniqueConstraint(fields=["leader", "name"], name="duty_contact_point_unique")]

    def __str__(self):
        return self.name


class ContactVisit(models.Model):
    point = models.ForeignKey(ContactPoint, models.PROTECT, related_name="visits", verbose_name=_("联系点"))
    visited_on = models.DateField(_("走访日期"))
    summary = models.TextField(_("走访情况"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("记录人"))

    class Meta:
        verbose_name = _("联系点走访")
        verbose_name_plural = _("联系点走访")
        ordering = ["-visited_on"]
        indexes = [models.Index(fields=["point", "visited_on"], name="duty_contact_visit_point_day")]


class Opinion(models.Model):
    """民意台帐 (R63): an opinion collected from the public, with its measures, resolved item by
    item. `status` changes only through `services.opinion_resolve`."""

    class Status(models.TextChoices):
        OPEN = "open", _("办理中")
        RESOLVED = "resolved", _("已解决")

    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("责任单位"))
    source = models.CharField(_("来源"), max_length=64)
    content = models.TextField(_("意见建议"))
    measures = models.TextField(_("整改措施"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    result = models.TextField(_("解决情况"), blank=True)
    logged_at = models.DateTimeField(_("登记时间"))
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("登记人"))
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("销号人"))

    class Meta:
        verbose_name = _("民意台帐")
        verbose_name_plural = _("民意台帐")
        ordering = ["status", "-logged_at"]


# --- 岗位责任制 (R67) ---------------------------------------------------------------------------

# R67 (2008b 三(二)2; 2010 三(二)): "对本机关的总体职责，内设机构和岗位承办工作的内容、数量、质量、
# 程序、标准和时限、权限、责任等作出明确规定" — the eight things every internal body's and every
# post's duties state. `services.post_responsibility_errors` refuses an entry missing any.
DUTY_FIELDS = (
    ("content", _("工作内容")), ("quantity", _("数量")), ("quality", _("质量")), ("procedure", _("程序")),
    ("standard", _("标准")), ("time_limit", _("时限")), ("authority", _("权限")), ("responsibility", _("责任")),
)


class DutyStatement(models.Model):
    """The eight parts of a duty (R67), all required."""

    content = models.TextField(_("工作内容"))
    quantity = models.TextField(_("数量"))
    quality = models.TextField(_("质量"))
    procedure = models.TextField(_("程序"))
    standard = models.TextField(_("标准"))
    time_limit = models.TextField(_("时限"))
    authority = models.TextField(_("权限"))
    responsibility = models.TextField(_("责任"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("维护人"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def statement(self) -> list[tuple[str, str]]:
        return [(label, getattr(self, name)) for name, label in DUTY_FIELDS]


class BodyDuty(DutyStatement):
    """内设机构职责 (R67): the duties of one internal body (the org chart's `Section`) of a unit,
    kept by the unit's head."""

    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("单位"))
    section = models.OneToOneField("efficiency.Section", models.CASCADE, related_name="duty",
                                   verbose_name=_("内设机构"))

    class Meta:
        verbose_name = _("内设机构职责")
        verbose_name_plural = _("内设机构职责")
        ordering = ["unit_id", "section__name"]

    def __str__(self):
        return str(self.section)


class Post(DutyStatement):
    """岗位 (R67): a post inside an internal body, its duties stated in the eight parts."""

    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("单位"))
    body = models.ForeignKey(BodyDuty, models.PROTECT, related_name="posts", verbose_name=_("内设机构"))
    name = models.CharField(_("岗位名称"), max_length=64)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["body_id", "name"]
        constraints = [models.UniqueConstraint(fields=["body", "name"], name="duty_post_once_per_body")]

    def __str__(self):
        return f"{self.body.section.name} · {self.name}"
