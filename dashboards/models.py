"""Rollups the dashboards read, the scorecard weights and the assessors' marks.

Figures on the cockpit are read from these tables, never from scans of the raw items
(DESIGN.md: "Dashboards read rollups, not raw rows"). `dashboards.rollups` writes them: the
beat task every five minutes for yesterday and today, `manage.py rollup_rebuild` for any range.
"""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from efficiency.models import BackgroundJob


class UnitDay(models.Model):
    """One unit's timed items of one type on one day (Asia/Shanghai date).

    `item_type` is the clock model's label (e.g. "approvals.application"). Flows count what
    happened on the day; `open_at_end` and `overdue_open_at_end` are the stock at 24:00.
    """

    date = models.DateField(_("日期"))
    # No database foreign key and no index of its own: every row is derived from the items,
    # whose unit is one (a year's rollup writes 3.6 M rows at 5,000 units; checking each at
    # commit was seconds). Deleting a unit still deletes its rows (Django's CASCADE);
    # `unitday_unit_date` serves a unit's rows.
    unit = models.ForeignKey("efficiency.Unit", models.CASCADE, related_name="+", verbose_name=_("单位"),
                             db_constraint=False, db_index=False)
    item_type = models.CharField(_("事项类型"), max_length=64)
    opened = models.IntegerField(_("新增"), default=0)
    closed_on_time = models.IntegerField(_("按期办结"), default=0)
    closed_late = models.IntegerField(_("超期办结"), default=0)
    yellow_cards = models.IntegerField(_("黄牌"), default=0)
    red_cards = models.IntegerField(_("红牌"), default=0)
    open_at_end = models.IntegerField(_("日末在办"), default=0)
    overdue_open_at_end = models.IntegerField(_("日末超期在办"), default=0)

    class Meta:
        verbose_name = _("单位日汇总")
        verbose_name_plural = _("单位日汇总")
        constraints = [models.UniqueConstraint(fields=["date", "unit", "item_type"], name="unitday_once")]
        indexes = [models.Index(fields=["unit", "date"], name="unitday_unit_date")]


class UnitMonth(models.Model):
    """The month's flows per unit and type, summed from UnitDay (the trend and ranking read it)."""

    month = models.DateField(_("月份"))  # the first of the month
    unit = models.ForeignKey("efficiency.Unit", models.CASCADE, related_name="+", verbose_name=_("单位"))
    item_type = models.CharField(_("事项类型"), max_length=64)
    opened = models.IntegerField(_("新增"), default=0)
    closed_on_time = models.IntegerField(_("按期办结"), default=0)
    closed_late = models.IntegerField(_("超期办结"), default=0)
    yellow_cards = models.IntegerField(_("黄牌"), default=0)
    red_cards = models.IntegerField(_("红牌"), default=0)

    class Meta:
        verbose_name = _("单位月汇总")
        verbose_name_plural = _("单位月汇总")
        constraints = [models.UniqueConstraint(fields=["month", "unit", "item_type"], name="unitmonth_once")]
        # The cockpit's trend and on-time-by-region sum a month's rows: read from the index alone.
        indexes = [models.Index(fields=["month"], include=["unit", "opened", "closed_on_time", "closed_late",
                                                           "yellow_cards", "red_cards"], name="unitmonth_month_cover")]


class UnitDayCounter(models.Model):
    """Events of one kind for one unit on one day: count and, for ratings, the sum of scores
    (0–100, see rollups.RATING_SQL)."""

    date = models.DateField(_("日期"))
    unit = models.ForeignKey(
        "efficiency.Unit", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("单位")
    )
    kind = models.CharField(_("事件"), max_length=64)
    count = models.IntegerField(_("次数"), default=0)
    value_sum = models.BigIntegerField(_("分值合计"), default=0)

    class Meta:
        verbose_name = _("单位日事件汇总")
        verbose_name_plural = _("单位日事件汇总")
        constraints = [
            # One row per day, unit (or none) and kind: `rollups.counter_bump` upserts on it.
            models.UniqueConstraint(fields=["date", "unit", "kind"], name="unitdaycounter_once", nulls_distinct=False),
        ]
        # The cockpit's counters (kind, period) summed from the index alone.
        indexes = [models.Index(fields=["kind", "date"], include=["count"], name="unitdaycounter_kind_date")]


class UnitNow(models.Model):
    """The live stock per unit and type, refreshed by the beat task (`refreshed_at`)."""

    unit = models.ForeignKey("efficiency.Unit", models.CASCADE, related_name="+", verbose_name=_("单位"))
    item_type = models.CharField(_("事项类型"), max_length=64)
    open = models.IntegerField(_("在办"), default=0)
    yellow_open = models.IntegerField(_("黄牌在办"), default=0)
    red_open = models.IntegerField(_("红牌在办"), default=0)
    overdue_open = models.IntegerField(_("超期在办"), default=0)
    due_this_week = models.IntegerField(_("本周到期"), default=0)
    refreshed_at = models.DateTimeField(_("刷新时间"))

    class Meta:
        verbose_name = _("单位实时汇总")
        verbose_name_plural = _("单位实时汇总")
        constraints = [models.UniqueConstraint(fields=["unit", "item_type"], name="unitnow_once")]


class ScoreWeight(models.Model):
    """绩效考评权重 (R37), set by the system administrator. One row per component."""

    class Component(models.TextChoices):
        ON_TIME = "on_time", _("按期办结率")
        RED_CARDS = "red_cards", _("红牌")
        COMPLAINTS = "complaints", _("查实投诉")
        SATISFACTION = "satisfaction", _("满意度（好差评）")
        RECTIFICATION = "rectification", _("整改完成率")
        URGING = "urging", _("督办催办")
        # A deduction, not a weighted part: `penalty` points off the score per finding of gaming a
        # clock that the office confirmed in the month (issue 18; 本地默认, 种子未规定).
        GAMING = "gaming", _("规避时限（已确认）")
        PERSON_DE = "person_de", _("德")
        PERSON_NENG = "person_neng", _("能")
        PERSON_QIN = "person_qin", _("勤")
        PERSON_JI = "person_ji", _("绩")
        PERSON_LIAN = "person_lian", _("廉")

    component = models.CharField(_("考评项"), max_length=16, choices=Component.choices, unique=True)
    weight = models.PositiveSmallIntegerField(_("权重"))
    penalty = models.PositiveSmallIntegerField(
        _("每次扣分"), default=10, help_text=_("红牌、查实投诉、督办催办、确认的规避时限每次扣的分数（满分100）")
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("考评权重")
        verbose_name_plural = _("考评权重")
        ordering = ["component"]

    def __str__(self):
        return f"{self.get_component_display()} {self.weight}"


class PersonAssessment(models.Model):
    """德、能、勤、廉 entered by the assessor for one person and month; 绩 comes from the data."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("被考评人"))
    month = models.DateField(_("月份"))
    de = models.PositiveSmallIntegerField(_("德"), default=0)
    neng = models.PositiveSmallIntegerField(_("能"), default=0)
    qin = models.PositiveSmallIntegerField(_("勤"), default=0)
    lian = models.PositiveSmallIntegerField(_("廉"), default=0)
    note = models.TextField(_("考评意见"), blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+", verbose_name=_("考评人")
    )
    updated_at = models.DateTimeField(_("考评时间"), auto_now=True)

    class Meta:
        verbose_name = _("个人考评")
        verbose_name_plural = _("个人考评")
        constraints = [models.UniqueConstraint(fields=["user", "month"], name="personassessment_once")]


class UnitMonthScore(models.Model):
    """A unit's score and rank for a month (绩效考评, R37), stored by the rollup task and
    whenever the weights change, so the cockpit reads the ranking instead of computing it."""

    month = models.DateField(_("月份"))
    unit = models.ForeignKey("efficiency.Unit", models.CASCADE, related_name="+", verbose_name=_("单位"))
    # Both empty for a unit with no data in the month (无数据): it is listed, not ranked.
    rank = models.PositiveIntegerField(_("名次"), null=True)
    score = models.FloatField(_("得分"), null=True)
    on_time_rate = models.FloatField(_("按期办结率"), null=True)
    closed_on_time = models.IntegerField(_("按期办结"), default=0)
    closed_late = models.IntegerField(_("超期办结"), default=0)
    red_cards = models.IntegerField(_("红牌"), default=0)
    # The rest of the raw figures, so a published (frozen) month's scorecard, ledger and public
    # figures are read from these rows alone.
    yellow_cards = models.IntegerField(_("黄牌"), default=0)
    complaints = models.IntegerField(_("查实投诉"), default=0)
    ratings = models.IntegerField(_("评价数"), default=0)
    rating_sum = models.BigIntegerField(_("评价分值合计"), default=0)
    findings = models.IntegerField(_("问题"), default=0)
    verified = models.IntegerField(_("整改销号"), default=0)
    urgings = models.IntegerField(_("督办催办"), default=0)
    gaming = models.IntegerField(_("规避时限（已确认）"), default=0)

    class Meta:
        verbose_name = _("单位月度考评")
        verbose_name_plural = _("单位月度考评")
        constraints = [models.UniqueConstraint(fields=["month", "unit"], name="unitmonthscore_once")]
        indexes = [models.Index(fields=["month", "rank"], name="unitmonthscore_rank")]

    @property
    def unit_name(self) -> str:
        return self.unit.name


class ScorecardPublication(models.Model):
    """发布月度考评: the efficiency office publishes a finished month's unit scorecards (R37).

    While the month has a row without `reopened_at`, the month is published and its
    `UnitMonthScore` rows are frozen: the rollup task and a weight change no longer re-score it
    (they still update the daily rollups). The system administrator re-opens it with a reason,
    which is kept on the row; publishing again adds a new row, so the rows are the month's
    publication history. Only `dashboards.services` writes them.
    """

    month = models.DateField(_("月份"))  # the first of the month
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                     verbose_name=_("发布人"))
    # component -> [weight, penalty]: the weights the frozen scores were computed with.
    weights = models.JSONField(_("考评权重"), default=dict)
    unit_count = models.PositiveIntegerField(_("参评单位数"), default=0)
    reopened_at = models.DateTimeField(_("重新开放时间"), null=True, blank=True)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("重新开放人"))
    reopen_reason = models.TextField(_("重新开放理由"), blank=True)

    class Meta:
        verbose_name = _("月度考评发布")
        verbose_name_plural = _("月度考评发布")
        ordering = ["-month", "-published_at"]
        constraints = [
            # At most one standing publication per month (a re-opened row no longer counts).
            models.UniqueConstraint(fields=["month"], condition=models.Q(reopened_at__isnull=True),
                                    name="scorecardpublication_once"),
        ]

    def __str__(self):
        return _("%(m)s 月度考评") % {"m": f"{self.month:%Y-%m}"}

    @property
    def is_standing(self) -> bool:
        return self.reopened_at is None

    def get_absolute_url(self):
        return reverse("dashboards:scorecards") + f"?month={self.month:%Y-%m}"


class RollupDirty(models.Model):
    """A unit and day whose rollups are stale: filled from the event log by the rollup job
    (`rollups.dirty_collect`, every event since the last run names its unit and day) and by any
    service that wants a unit re-rolled; emptied by the job as it re-rolls them. The periodic
    job's cost follows the changes, not the size of the tables."""

    unit = models.ForeignKey("efficiency.Unit", models.CASCADE, related_name="+", verbose_name=_("单位"))
    date = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("待重算汇总")
        verbose_name_plural = _("待重算汇总")
        constraints = [models.UniqueConstraint(fields=["unit", "date"], name="rollupdirty_once")]


class RollupState(models.Model):
    """The rollup job's place in the event log (one row, pk 1).

    `last_event_id`: every event up to it has been turned into dirty units and days. The ids of
    the previous run's range (`prev_low`, `last_event_id`] and how many events it held then are
    kept, so an event that committed late with an id in that range (ids are given at insert,
    rows become visible at commit) is found at the next run by a recount. `day` is the last
    day the whole of yesterday and today was rolled (once a day, after midnight, for the stock
    that moves with the date alone)."""

    last_event_id = models.BigIntegerField(default=0)
    prev_low = models.BigIntegerField(default=0)
    prev_count = models.IntegerField(default=0)
    day = models.DateField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("汇总进度")
        verbose_name_plural = _("汇总进度")


class PublishJob(BackgroundJob):
    """Publishing a month (发布月度考评) run by a Celery task: the page polls its progress."""

    month = models.DateField(_("月份"))
    step = models.PositiveSmallIntegerField(_("已完成步骤"), default=0)
    steps = models.PositiveSmallIntegerField(_("步骤数"), default=3)
    publication = models.ForeignKey(ScorecardPublication, models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("发布记录"))

    class Meta:
        verbose_name = _("月度考评发布任务")
        verbose_name_plural = _("月度考评发布任务")

    @property
    def percent(self) -> int:
        return 100 if self.state == self.State.DONE else int(100 * self.step / (self.steps or 1))

    def get_absolute_url(self):
        return reverse("dashboards:publish_job", args=[self.pk])


# --- 年终考核 and 年度目标责任制考核 (R47, R48) ---------------------------------------------------


class AnnualParameter(models.Model):
    """年度考核参数 — 本地默认 (种子未规定). The seeds say what counts in the year-end and the annual
    assessment (R47: 平时考核 and the major liability incidents; R48: work style and efficiency,
    the 行政执法评议考核 and the public questionnaire) but set no weight, deduction or grade
    threshold; these are the platform's defaults (`dashboards.annual.DEFAULTS`), a row here
    replaces one. Set by the system administrator (`services.annual_parameter_set`); the rules
    page lists them with their current values as local defaults."""

    class Code(models.TextChoices):
        WEIGHT_EFFICIENCY = "w_efficiency", _("年度考核权重：作风效能（年终考核结果）")
        WEIGHT_LAW_REVIEW = "w_law_review", _("年度考核权重：行政执法评议考核")
        WEIGHT_PUBLIC = "w_public", _("年度考核权重：群众问卷调查/满意度")
        INCIDENT_DEDUCTION = "d_incident", _("每起责任事故（问责决定）扣分")
        MAJOR_DEDUCTION = "d_major", _("每起重大责任事故扣分")
        GRADE_EXCELLENT = "g_excellent", _("优秀等次最低分")
        GRADE_GOOD = "g_good", _("良好等次最低分")
        GRADE_PASS = "g_pass", _("合格等次最低分")

    code = models.CharField(_("参数"), max_length=16, choices=Code.choices, unique=True)
    value = models.PositiveSmallIntegerField(_("数值"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度考核参数（本地默认，种子未规定）")
        verbose_name_plural = _("年度考核参数（本地默认，种子未规定）")
        ordering = ["code"]

    def __str__(self):
        return f"{self.get_code_display()} {self.value}"


class AnnualReview(models.Model):
    """A yearly score entered by the efficiency office with its evidence (R48): the unit's
    行政执法评议考核 (2008b 四(三)1: an annual law-enforcement review) or the result of the public
    questionnaire (2010 四 5: 作风建设问卷调查, a basis for the annual grade of units). Written
    only by `services.annual_review_enter`, audited; entering it again replaces the score and
    keeps the old one in the audit log."""

    class Kind(models.TextChoices):
        LAW_ENFORCEMENT = "law", _("行政执法评议考核")
        QUESTIONNAIRE = "questionnaire", _("群众问卷调查")

    unit = models.ForeignKey("efficiency.Unit", models.CASCADE, related_name="+", verbose_name=_("单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    score = models.FloatField(_("得分"))
    respondents = models.PositiveIntegerField(_("有效问卷数"), null=True, blank=True)
    evidence = models.TextField(_("依据材料"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("录入人"))
    entered_at = models.DateTimeField(_("录入时间"))

    class Meta:
        verbose_name = _("年度评议与问卷结果")
        verbose_name_plural = _("年度评议与问卷结果")
        constraints = [models.UniqueConstraint(fields=["unit", "year", "kind"], name="annualreview_once")]


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class AnnualAssessment(models.Model):
    """A unit's year: the 年终考核 of its work style and efficiency (R47) and the 年度目标责任制考核
    it feeds (R48), with every component kept on the row so the page shows how the grade came.

    R47 (2008b 三(三)3; 2010 三(八)): the everyday record is the main basis of the year-end
    result — `months` are the year's monthly scorecards (`scoring.month_scores`, the published
    ones as published), `monthly_mean` their mean, less a deduction for each liability incident
    (a 问责 decision against the unit, `incidents`); a major one also bars 优秀. R48: the annual
    total weighs that result with the office's 行政执法评议考核 and the public questionnaire (or,
    without one, the year's 好差评 ratings); a component without data is left out and named in
    `missing`. Written only by `services.annual_assess` / `annual_review_enter`."""

    unit = models.ForeignKey("efficiency.Unit", models.CASCADE, related_name="+", verbose_name=_("单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    months = models.JSONField(_("月度考评得分"), default=dict)  # {"2026-01": 87.5 | null}
    months_scored = models.PositiveSmallIntegerField(_("有得分的月份数"), default=0)
    monthly_mean = models.FloatField(_("平时考核平均分"), null=True)
    incidents = models.JSONField(_("责任事故"), default=list)  # [{case_id, at, measures, major}]
    incident_count = models.PositiveSmallIntegerField(_("责任事故"), default=0)
    major_count = models.PositiveSmallIntegerField(_("重大责任事故"), default=0)
    deduction = models.FloatField(_("责任事故扣分"), default=0)
    efficiency = models.FloatField(_("年终考核得分（作风效能）"), null=True)
    efficiency_grade = models.CharField(_("年终考核等次"), max_length=10, choices=Grade.choices, blank=True)
    law_review = models.FloatField(_("行政执法评议考核"), null=True)
    public = models.FloatField(_("群众评议"), null=True)
    public_source = models.CharField(_("群众评议来源"), max_length=16, blank=True)  # questionnaire | ratings
    ratings = models.IntegerField(_("评价数"), default=0)
    missing = models.JSONField(_("缺少的考核项"), default=list)
    total = models.FloatField(_("年度考核得分"), null=True)
    grade = models.CharField(_("年度考核等次"), max_length=10, choices=Grade.choices, blank=True)
    parameters = models.JSONField(_("计算参数"), default=dict)
    provisional = models.BooleanField(_("年度未结束（临时结果）"), default=False)
    computed_at = models.DateTimeField(_("计算时间"))
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("计算人"))

    class Meta:
        verbose_name = _("年度考核")
        verbose_name_plural = _("年度考核")
        ordering = ["-year", F("total").desc(nulls_last=True), "unit_id"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="annualassessment_once")]

    def __str__(self):
        return f"{self.unit} {self.year}"

    def get_absolute_url(self):
        return reverse("dashboards:annual_detail", args=[self.year, self.unit_id])
