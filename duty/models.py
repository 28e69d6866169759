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
