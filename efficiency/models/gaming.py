"""Gaming detection (issue 18): the office's thresholds per pattern, the findings, and the runs
the office asks for. The detectors themselves are SQL (`efficiency.gaming`)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from .jobs import BackgroundJob


class GamingRule(models.Model):
    """One row per registered pattern (`registry.register_gaming_detector`): whether it runs and
    its thresholds as the efficiency office set them (missing names take the registered default,
    a local default: the seeds set none). Rows are created from the registry when missing."""

    code = models.SlugField(_("模式代码"), max_length=64, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)
    thresholds = models.JSONField(_("阈值"), default=dict, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("修改人"))
    updated_at = models.DateTimeField(_("修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("规避时限识别规则")
        verbose_name_plural = _("规避时限识别规则")
        ordering = ["code"]

    def __str__(self):
        return self.code


class GamingFinding(models.Model):
    """One matter a detector found: the pattern, the item, the unit, the figures and the events
    that prove it. Written by `efficiency.gaming.detect` (one upsert per pattern, keyed on
    (pattern, key)); decided by the office: confirmed findings count in the unit's scorecard,
    dismissed ones never do, and a re-run leaves a decided finding as it was decided."""

    class Status(models.TextChoices):
        OPEN = "open", _("待核实")
        CONFIRMED = "confirmed", _("已确认")
        DISMISSED = "dismissed", _("已排除")

    pattern = models.CharField(_("模式"), max_length=64)
    subject_type = models.CharField(_("对象类型"), max_length=64)
    subject_id = models.BigIntegerField(_("对象编号"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("单位"))
    key = models.CharField(_("识别键"), max_length=200)
    figures = models.JSONField(_("数据"), default=dict, blank=True)
    event_ids = ArrayField(models.BigIntegerField(), verbose_name=_("证据事件"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("核实人"))
    decided_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    reason = models.TextField(_("核实意见"), blank=True)
    first_seen_at = models.DateTimeField(_("首次发现"))
    last_seen_at = models.DateTimeField(_("最近发现"))

    class Meta:
        verbose_name = _("规避时限线索")
        verbose_name_plural = _("规避时限线索")
        constraints = [models.UniqueConstraint(fields=["pattern", "key"], name="gamingfinding_once")]
        indexes = [
            # The office's list: newest first, by status.
            models.Index(fields=["-last_seen_at", "-id"], name="gamingfinding_recent"),
            models.Index(fields=["status", "-last_seen_at", "-id"], name="gamingfinding_status"),
            models.Index(fields=["unit", "status"], name="gamingfinding_unit"),
            models.Index(fields=["subject_type", "subject_id"], name="gamingfinding_subject"),
        ]

    def __str__(self):
        return f"{self.pattern} {self.subject_type}#{self.subject_id}"


class GamingRun(BackgroundJob):
    """A detection the office asked for (the button on the list): the window and what it found."""

    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"))
    result = models.JSONField(_("结果"), default=dict, blank=True)

    class Meta:
        verbose_name = _("规避时限识别任务")
        verbose_name_plural = _("规避时限识别任务")
