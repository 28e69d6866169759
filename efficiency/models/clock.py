"""The clock: one abstract model for everything that has a deadline, and the rules it runs on.

Every timed item (task node, assignment, application, review step, rectification, complaint,
accountability case) inherits `Clock`. Services in `efficiency.clocks` are the only writers of
its fields; the sweep (`efficiency.sweep`) moves it up the breach ladder.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LimitUnit(models.TextChoices):
    WORKDAYS = "wd", _("个工作日")
    DAYS = "d", _("个自然日")
    HOURS = "h", _("小时")
    MONTHS = "mo", _("个月")


class ClockState(models.TextChoices):
    ON_TRACK = "on_track", _("正常")
    WARNING = "warning", _("临期")
    OVERDUE = "overdue", _("超期")
    DONE = "done", _("按期办结")
    DONE_LATE = "done_late", _("超期办结")


class Rung(models.IntegerChoices):
    """The breach ladder (电子监察: 提示 → 黄牌 → 红牌 → 督办单 → 问责建议)."""

    NONE = 0, _("无")
    HINT = 1, _("提示")
    YELLOW = 2, _("黄牌")
    RED = 3, _("红牌")
    NOTICE = 4, _("督办单")
    ACCOUNTABILITY = 5, _("问责建议")


class PauseReason(models.TextChoices):
    # 行政许可法 §45 and §32: periods the law excludes from the limit.
    SUPPLEMENT = "supplement", _("补正")
    HEARING = "hearing", _("听证")
    TENDER = "tender", _("招标、拍卖")
    TESTING = "testing", _("检验检测")
    QUARANTINE = "quarantine", _("检疫、鉴定")
    EXPERT = "expert", _("专家评审")
    OTHER = "other", _("其他")


class TimeLimitRule(models.Model):
    """时限规则: a row per kind of timed item, editable by the system administrator.

    `limit` is the committed limit (承诺时限); `legal_limit` the statutory one (法定时限), if any.
    The ladder: 提示 `warn` before the committed due time; 黄牌 when it passes; 红牌 when the legal
    due time passes, or `red_after_workdays` after the committed one when there is no legal
    limit; 督办单 `notice_after_workdays` after the red card; an accountability proposal
    `accountability_after_workdays` after the notice. A null step switches that rung off.
    """

    code = models.SlugField(_("规则代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    item_kind = models.CharField(_("适用事项"), max_length=64, db_index=True)
    source = models.CharField(_("依据"), max_length=128, blank=True)
    rule_ids = models.CharField(_("规则编号"), max_length=32, blank=True, help_text="RULES.md, e.g. R04")
    limit_value = models.PositiveIntegerField(_("承诺时限"))
    limit_unit = models.CharField(_("单位"), max_length=2, choices=LimitUnit.choices, default=LimitUnit.WORKDAYS)
    legal_limit_value = models.PositiveIntegerField(_("法定时限"), null=True, blank=True)
    legal_limit_unit = models.CharField(
        _("法定时限单位"), max_length=2, choices=LimitUnit.choices, default=LimitUnit.WORKDAYS
    )
    warn_value = models.PositiveIntegerField(_("提前提示"), null=True, blank=True, default=1)
    warn_unit = models.CharField(_("提示单位"), max_length=2, choices=LimitUnit.choices, default=LimitUnit.WORKDAYS)
    red_after_workdays = models.PositiveIntegerField(_("黄牌后几个工作日亮红牌"), null=True, blank=True, default=3)
    notice_after_workdays = models.PositiveIntegerField(_("红牌后几个工作日发督办单"), null=True, blank=True, default=2)
    accountability_after_workdays = models.PositiveIntegerField(
        _("督办单后几个工作日提出问责建议"), null=True, blank=True, default=3
    )
    deemed_approval = models.BooleanField(_("超时默认（视为同意）"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["item_kind", "code"]

    def __str__(self):
        return f"{self.name}（{self.limit_value}{self.get_limit_unit_display()}）"


class _IndexName(str):
    """`%(app_label)s_%(class)s_clock_next`, shortened to Django's 30 characters with a stable
    hash when the model's name is long (models.E034)."""

    def __mod__(self, values):
        import hashlib

        full = str.__mod__(self, values)
        if len(full) <= 30:
            return full
        return f"{full[:23]}_{hashlib.md5(full.encode()).hexdigest()[:6]}"


class Clock(models.Model):
    """Abstract deadline carried by every timed item.

    The current position is copied onto the row (`clock_state`, `breach_level`) and only
    `efficiency.clocks` services and the sweep change it; the history is the item's events.
    `next_at` is the time of the next rung; the sweep reads it through the partial index
    `<table>_clock_next`, which leaves closed and paused clocks out.
    """

    time_rule = models.ForeignKey(
        TimeLimitRule, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("时限规则")
    )
    clock_start = models.DateTimeField(_("起算时间"), null=True, blank=True)
    limit_value = models.PositiveIntegerField(_("承诺时限"), null=True, blank=True)
    limit_unit = models.CharField(_("时限单位"), max_length=2, choices=LimitUnit.choices, default=LimitUnit.WORKDAYS)
    legal_limit_value = models.PositiveIntegerField(_("法定时限"), null=True, blank=True)
    legal_limit_unit = models.CharField(
        _("法定时限单位"), max_length=2, choices=LimitUnit.choices, default=LimitUnit.WORKDAYS
    )
    due_at = models.DateTimeField(_("承诺期限"), null=True, blank=True)
    legal_due_at = models.DateTimeField(_("法定期限"), null=True, blank=True)
    warn_at = models.DateTimeField(_("提示时间"), null=True, blank=True)
    red_at = models.DateTimeField(_("红牌时间"), null=True, blank=True)
    notice_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    escalate_at = models.DateTimeField(_("问责建议时间"), null=True, blank=True)
    next_at = models.DateTimeField(_("下一级时间"), null=True, blank=True)
    breach_level = models.PositiveSmallIntegerField(_("预警级别"), choices=Rung.choices, default=Rung.NONE)
    # The rung before the sweep's last move, written by the sweep's UPDATE from the row it
    # replaces (`SET prev_level = breach_level, breach_level = …`), so the UPDATE's RETURNING
    # gives the event's from-rung without a join back to a read of the old rows.
    prev_level = models.PositiveSmallIntegerField(_("上一预警级别"), default=Rung.NONE, db_default=Rung.NONE,
                                                 editable=False)
    clock_state = models.CharField(_("时限状态"), max_length=10, choices=ClockState.choices, default=ClockState.ON_TRACK)
    paused_at = models.DateTimeField(_("暂停于"), null=True, blank=True)
    pause_reason = models.CharField(_("暂停事由"), max_length=12, choices=PauseReason.choices, blank=True)
    pauses = models.JSONField(_("暂停记录"), default=list, blank=True)
    extension_value = models.PositiveIntegerField(_("延期"), null=True, blank=True)
    extension_unit = models.CharField(_("延期单位"), max_length=2, choices=LimitUnit.choices, default=LimitUnit.WORKDAYS)
    extension_reason = models.TextField(_("延期理由"), blank=True)
    extension_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("延期批准人")
    )
    extended_at = models.DateTimeField(_("延期批准时间"), null=True, blank=True)
    is_provisional = models.BooleanField(_("期限暂定"), default=False)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    # Names of the item's fields the core reads; override in the concrete model if needed.
    clock_unit_field = "unit"
    clock_owner_field = "owner"

    class Meta:
        abstract = True
        indexes = [
            # Used by efficiency.sweep.sweep_model: open, running clocks by their next rung.
            models.Index(
                fields=["next_at"],
                name=_IndexName("%(app_label)s_%(class)s_clock_next"),
                condition=Q(closed_at__isnull=True, paused_at__isnull=True, next_at__isnull=False),
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def colour(self) -> str:
        """Status colour: green on track, yellow warning, red overdue, blue done, grey paused."""
        if self.closed_at:
            return "red" if self.clock_state == ClockState.DONE_LATE else "blue"
        if self.paused_at:
            return "grey"
        if self.breach_level >= Rung.YELLOW:
            return "red"
        if self.breach_level == Rung.HINT:
            return "yellow"
        return "green"

    @property
    def card(self) -> str:
        if self.breach_level >= Rung.RED:
            return "red"
        if self.breach_level == Rung.YELLOW:
            return "yellow"
        return ""
