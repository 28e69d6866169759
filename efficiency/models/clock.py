"""The clock: one abstract model for everything that has a deadline, and the rules it runs on.

Every timed item (task node, assignment, application, review step, rectification, complaint,
accountability case) inherits `Clock`. Services in `efficiency.clocks` are the only writers of
its fields; the sweep (`efficiency.sweep`) moves it up the breach ladder.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
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
    `local_default`: the seeds set no number for it (RULES.md "Local defaults"), so the admin and
    the rules page show it as 本地默认 (种子未规定) and its `source` cites no seed clause.
    """

    code = models.SlugField(_("规则代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    item_kind = models.CharField(_("适用事项"), max_length=64, db_index=True)
    source = models.CharField(_("依据"), max_length=128, blank=True)
    local_default = models.BooleanField(
        _("本地默认 (种子未规定)"), default=False,
        help_text=_("种子文件未规定此时限，由本地设定，可由系统管理员修改。"))
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
    """`%(app_label)s_%(class)s_clock_next`, shortened to Django's 30 characters (models.E034)
    when the model's name is long: the name's head, a stable hash of the whole name, and the
    literal tail (`_clock_next`), so the index still says what it is in a query plan."""

    def __mod__(self, values):
        import hashlib

        full = str.__mod__(self, values)
        if len(full) <= 30:
            return full
        tail = self[self.rindex(")s") + 2:]
        return f"{full[:30 - len(tail) - 7]}_{hashlib.md5(full.encode()).hexdigest()[:6]}{tail}"


class ClockQuerySet(models.QuerySet):
    """What "open", "overdue", "due within N days" and "on rung r" mean, written once.

    Every clock model's default manager (`Model.objects.overdue(now)` …). The `q_…` forms are
    the same conditions as `Q` objects, for aggregates (`Count("pk", filter=…)`) and for other
    managers. `now` defaults to `timezone.now()`, the project's one clock (which `time_machine`
    moves in tests).

    - open: not closed (running or paused).
    - overdue: open and past its due time — `due_at < now`: closing *at* the due second is
      still on time (R01; `Clock.is_late`). The sweep's 黄牌 follows at its next run. A paused
      clock past its due time counts: its due time moves only when it resumes.
    - due within N days: open, not overdue, and due by the end (24:00) of the Nth calendar day
      after today, in the project's time zone (Asia/Shanghai) — the lists say "N 天内到期",
      and due times are ends of days, so an item due on the Nth day counts whatever the hour.
    - at rung r: the rung the sweep (or a service) last wrote, `breach_level`.
    """

    @staticmethod
    def q_open() -> Q:
        return Q(closed_at__isnull=True)

    @staticmethod
    def q_overdue(now: datetime | None = None) -> Q:
        return Q(closed_at__isnull=True, due_at__lt=now or timezone.now())

    @staticmethod
    def q_due_before(moment: datetime, now: datetime | None = None) -> Q:
        """Open, not overdue, due before `moment`."""
        return Q(closed_at__isnull=True, due_at__gte=now or timezone.now(), due_at__lt=moment)

    @classmethod
    def q_due_within(cls, days: int, now: datetime | None = None) -> Q:
        now = now or timezone.now()
        zone = timezone.get_default_timezone()
        last = timezone.localdate(now, zone) + timedelta(days=days)
        return cls.q_due_before(datetime.combine(last + timedelta(days=1), time.min, zone), now)

    @staticmethod
    def q_at_rung(rung: int, *, or_above: bool = False) -> Q:
        return Q(breach_level__gte=rung) if or_above else Q(breach_level=rung)

    def open(self):
        return self.filter(self.q_open())

    def started(self):
        return self.filter(clock_start__isnull=False)

    def running(self):
        """Open and not paused: the clocks the sweep moves."""
        return self.filter(self.q_open(), paused_at__isnull=True)

    def overdue(self, now: datetime | None = None):
        return self.filter(self.q_overdue(now))

    def due_before(self, moment: datetime, now: datetime | None = None):
        return self.filter(self.q_due_before(moment, now))

    def due_within(self, days: int, now: datetime | None = None):
        return self.filter(self.q_due_within(days, now))

    def at_rung(self, rung: int, *, or_above: bool = False):
        return self.filter(self.q_at_rung(rung, or_above=or_above))


_CHOICE_LABELS: dict = {}


class ChoiceLabels(models.Model):
    """`get_<field>_display()` from a table built once per field and language. Django's own
    rebuilds the field's whole choice dict on every call, hashing (so translating) each lazy label:
    on a 50-row list with three such columns that was most of the page's Python time
    (bench/supervision.py)."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        return choice_label(field, getattr(self, field.attname))


def choice_label(field, value):
    """The label of a field's choice in the active language (the value itself when not a choice),
    from a table built once per field and language."""
    key = (field, get_language())
    labels = _CHOICE_LABELS.get(key)
    if labels is None:
        labels = _CHOICE_LABELS[key] = {make_hashable(v): str(label) for v, label in field.flatchoices}
    return labels.get(make_hashable(value), value)


class ClockFace:
    """How a clock looks on a page, from its row's `closed_at`, `paused_at`, `clock_state` and
    `breach_level`: a model instance (`Clock`) or a list's values row (`efficiency.listing.Row`)."""

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


class Clock(ClockFace, ChoiceLabels):
    """Abstract deadline carried by every timed item.

    The current position is copied onto the row (`clock_state`, `breach_level`) and only
    `efficiency.clocks` services and the sweep change it; the history is the item's events.
    `next_at` is the time of the next rung; the sweep reads it through the partial index
    `<app>_<model>_clock_next`, which leaves closed and paused clocks out. That index is
    declared here only: a concrete model's `Meta` inherits `Clock.Meta` (and keeps
    `*Clock.Meta.indexes` if it adds its own); the system check efficiency.E001 fails otherwise.
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

    objects = ClockQuerySet.as_manager()

    # Names of the item's fields the core reads; override in the concrete model if needed.
    clock_unit_field = "unit"
    clock_owner_field = "owner"

    class Meta:
        abstract = True
        indexes = [
            # Used by efficiency.sweep.sweep_model (its count of rows due and its small-wave
            # batches): open, running clocks by their next rung.
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

    def is_late(self, at: datetime | None = None) -> bool:
        """Past its due time at `at` (by default when it closed, or now if open): closing at
        the due second is on time (R01). The one-row form of `Clock.objects.overdue`."""
        at = at or self.closed_at or timezone.now()
        return self.due_at is not None and at > self.due_at

