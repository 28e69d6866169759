"""Time-limited approvals (限时办结 / 超时默认): the service catalog, applications, joint review
steps, ratings and their follow-ups.

Status history is the item's events (`efficiency.events.events_for`); the `status` copied on
each row is changed only by `approvals.services`. Clock fields are written only through
`efficiency.clocks`.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from efficiency.models import Clock, PauseReason

# 行政许可法 §42: 20 working days, one extension of 10; joint handling 45, extension 15.
DEFAULT_LEGAL_LIMIT = 20
DEFAULT_EXTENSION = 10
JOINT_LEGAL_LIMIT = 45
JOINT_EXTENSION = 15

# 行政许可法 §45 (R23): the periods an approval clock may be paused for; an item may allow fewer.
# 补正 is not one of them: materials are supplemented before acceptance (§32, the one-time
# notice, R20/R21), never by stopping an accepted application's clock.
LEGAL_PAUSE_CHOICES = [c for c in PauseReason.choices if c[0] not in (PauseReason.OTHER, PauseReason.SUPPLEMENT)]
LEGAL_PAUSE_REASONS = [value for value, _label in LEGAL_PAUSE_CHOICES]


def default_pause_reasons() -> list[str]:
    return list(LEGAL_PAUSE_REASONS)


def _pause_reasons_field(label):
    return ArrayField(models.CharField(max_length=12, choices=PauseReason.choices), verbose_name=label,
                      default=default_pause_reasons, blank=True)


class ServiceItem(models.Model):
    """事项 / 办事指南: what a unit promises the public (R18) — published without login."""

    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="service_items", verbose_name=_("实施单位"))
    code = models.CharField(_("事项编码"), max_length=32, unique=True)
    name = models.CharField(_("事项名称"), max_length=128)
    legal_basis = models.TextField(_("设定依据"))
    conditions = models.TextField(_("受理条件"), blank=True)
    procedure = models.TextField(_("办理流程"), blank=True)
    fee = models.CharField(_("收费标准"), max_length=200, blank=True, help_text=_("不收费请留空"))
    legal_limit = models.PositiveIntegerField(_("法定时限（工作日）"), default=DEFAULT_LEGAL_LIMIT)
    committed_limit = models.PositiveIntegerField(_("承诺时限（工作日）"), default=DEFAULT_LEGAL_LIMIT)
    deemed_approval = models.BooleanField(_("适用超时默认（视为同意）"), default=False)
    pause_reasons = _pause_reasons_field(_("可暂停计时的事由"))
    joint_units = models.ManyToManyField(
        "efficiency.Unit", blank=True, related_name="joint_service_items", verbose_name=_("联审单位")
    )
    is_published = models.BooleanField(_("公开发布"), default=True)
    # R44 (2019 (十五)): 高频事项现场办理"最多跑一次"; the catalog counts them against the target.
    one_visit = models.BooleanField(_("最多跑一次"), default=False,
                                    help_text=_("申请人材料齐全时，现场一次办结，无需再跑第二次。"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["unit_id", "code"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.committed_limit is not None and self.legal_limit is not None and self.committed_limit > self.legal_limit:
            # R16: 承诺时限 never above 法定时限.
            raise ValidationError({"committed_limit": _("承诺时限（%(c)s 个工作日）不得超过法定时限（%(l)s 个工作日）。")
                                   % {"c": self.committed_limit, "l": self.legal_limit}})
        if self.committed_limit == 0:
            raise ValidationError({"committed_limit": _("承诺时限必须至少 1 个工作日。")})

    def get_absolute_url(self):
        return reverse("approvals:public_item", args=[self.code])

    @property
    def fee_display(self) -> str:
        return self.fee or str(_("不收费"))


# R44: 2019 意见 (十五): 200 or more high-frequency items 最多跑一次 by the end of 2019.
ONE_VISIT_TARGET = 200


class ServiceStep(models.Model):
    """办理环节: one step of a service item with its own time limit, a responsible leader and a
    named handler (R61, 2014 二(二)三: 各事项、各环节、各步骤的办理时限). Written only by
    `approvals.services.item_steps_set`, which refuses a step without any of the three and a
    sum of step limits above the item's committed limit."""

    item = models.ForeignKey(ServiceItem, models.CASCADE, related_name="steps", verbose_name=_("事项"))
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("环节名称"), max_length=64)
    limit_days = models.PositiveSmallIntegerField(_("环节时限（工作日）"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                               verbose_name=_("责任领导"))
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                verbose_name=_("经办人"))

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["item_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["item", "order"], name="appr_servicestep_order_unique"),
            models.CheckConstraint(condition=models.Q(limit_days__gte=1), name="appr_servicestep_limit_positive"),
        ]

    def __str__(self):
        return f"{self.order}. {self.name}"


class Material(models.Model):
    """申请材料: one line of the item's checklist."""

    item = models.ForeignKey(ServiceItem, models.CASCADE, related_name="materials", verbose_name=_("事项"))
    name = models.CharField(_("材料名称"), max_length=200)
    copies = models.CharField(_("份数/形式"), max_length=64, blank=True)
    required = models.BooleanField(_("必需"), default=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["item_id", "order", "id"]

    def __str__(self):
        return self.name


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人或其他组织")


class Status(models.TextChoices):
    RECEIVED = "received", _("已收件（材料审查中）")
    NOTICE_ISSUED = "notice", _("已一次性告知，待补齐材料")
    ACCEPTED = "accepted", _("已受理，审查中")
    APPROVED = "approved", _("准予许可")
    REJECTED = "rejected", _("不予许可")
    WITHDRAWN = "withdrawn", _("申请人撤回")
    NOT_ACCEPTED = "unaccepted", _("不予受理")
    DEEMED_APPROVED = "deemed", _("视为同意（超时默认）")


DECIDED = (Status.APPROVED, Status.REJECTED, Status.DEEMED_APPROVED, Status.WITHDRAWN, Status.NOT_ACCEPTED)
# Ended without a decision on the merits, or waiting for materials: the same matter filed again
# starts a new clock (the gaming detector resubmit_restart, approvals/gaming.py).
RESTARTABLE = (Status.NOT_ACCEPTED, Status.WITHDRAWN, Status.REJECTED, Status.NOTICE_ISSUED)
# Ended before acceptance or by the applicant: nothing to rate.
NOT_RATED = (Status.WITHDRAWN, Status.NOT_ACCEPTED)


class RefusalGround(models.TextChoices):
    """行政许可法 §32 第一款: why an application is not accepted (不予受理)."""

    NOT_REQUIRED = "not_required", _("申请事项依法不需要取得行政许可（第三十二条第一款第（一）项）")
    NOT_COMPETENT = "not_competent", _("申请事项依法不属于本机关职权范围（第三十二条第一款第（二）项）")
    NOT_SUPPLEMENTED = "not_supplemented", _("经一次性告知，申请人逾期未补正或补正后仍不符合法定形式")


class Application(Clock):
    """办件: one application by a person or an enterprise for one service item.

    Before acceptance the clock, if any, is the §32 five-working-day notice clock
    (rule application.notice); from acceptance it is the item's committed limit with the legal
    limit as the second limit (application.service, or application.joint). `first_handler`
    (首问负责) is the clerk who received it and stays answerable; `owner` is the current handler.

    The terms that govern it are frozen at intake (`application_receive`), copied from the
    catalog item and its time-limit rule: the limits, 超时默认, the pauses allowed and the joint
    units. A later edit of the catalog or the rule applies to new applications only, so a unit
    head cannot switch deemed approval off just before an application's deadline (R17).
    """

    item = models.ForeignKey(ServiceItem, models.PROTECT, related_name="applications", verbose_name=_("事项"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="applications", verbose_name=_("办理单位"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("承办人")
    )
    first_handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("首问责任人")
    )
    # 综合窗口 (一窗受理): taken in at a 政务服务中心 on the department's behalf. `unit` stays the
    # department that examines and decides; `first_handler` is the window officer (首问负责).
    intake_unit = models.ForeignKey(
        "efficiency.Unit", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("代收窗口单位")
    )
    intake_section = models.ForeignKey(
        "efficiency.Section", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("受理窗口")
    )
    receipt_number = models.CharField(_("受理编号"), max_length=32, unique=True, null=True, blank=True)
    check_code_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    applicant_kind = models.CharField(_("申请人类型"), max_length=10, choices=ApplicantKind.choices)
    applicant_name = models.CharField(_("申请人"), max_length=128)
    applicant_id_number = models.CharField(_("证件号码"), max_length=18)
    applicant_phone = models.CharField(_("联系电话"), max_length=20)
    project = models.CharField(_("申请事由/项目名称"), max_length=200, blank=True)
    materials_received = models.ManyToManyField(Material, blank=True, related_name="+", verbose_name=_("已收材料"))
    missing_materials = models.JSONField(_("缺少材料"), default=list, blank=True)
    received_at = models.DateTimeField(_("收件时间"))
    # When the materials reached the office: the online submission's time from 一网通办, or the
    # window's receipt; the intake moment unless the intake says otherwise. Read by the gaming
    # detector intake_lag (体外循环: logged long after the materials arrived, approvals/gaming.py).
    submitted_at = models.DateTimeField(_("材料提交时间"), null=True, blank=True)
    notice_issued_at = models.DateTimeField(_("一次性告知时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    accepted_by_default = models.BooleanField(_("逾期未告知，自收件之日起视为受理"), default=False)
    extension_requested_at = models.DateTimeField(_("延期申请时间"), null=True, blank=True)
    extension_request_reason = models.TextField(_("延期申请理由"), blank=True)
    extension_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("延期申请人")
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("决定人")
    )
    decision_reason = models.TextField(_("决定理由"), blank=True)
    refusal_ground = models.CharField(_("不予受理情形"), max_length=16, choices=RefusalGround.choices, blank=True)
    refer_to = models.CharField(_("告知向其申请的机关"), max_length=128, blank=True)
    # --- the terms frozen at intake (see the docstring) ---
    terms_fixed_at = models.DateTimeField(_("办理规则确定时间"), null=True, blank=True)
    legal_limit = models.PositiveIntegerField(_("法定时限（工作日）"), default=DEFAULT_LEGAL_LIMIT)
    committed_limit = models.PositiveIntegerField(_("承诺时限（工作日）"), default=DEFAULT_LEGAL_LIMIT)
    deemed_approval = models.BooleanField(_("适用超时默认（视为同意）"), default=False)
    pause_reasons = _pause_reasons_field(_("可暂停计时的事由"))
    joint_unit_ids = ArrayField(models.PositiveIntegerField(), verbose_name=_("联审单位"), default=list, blank=True)

    class Meta(Clock.Meta):
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-received_at", "-id"]
        indexes = [
            *Clock.Meta.indexes,
            models.Index(fields=["unit", "status"], name="appr_app_unit_status"),
            # The list's order (views._applications: due date, newest first, the key last): its first
            # page and each keyset page read 51 index entries, not a sort of the whole table (issue 17).
            models.Index(fields=["due_at", "-received_at", "-id"], name="appr_app_list_order"),
            # The same filtered by status (the home page's to-do links): without it the walk above
            # passes every decided application due earlier (682,500 of 1M rows in bench/lists.py).
            models.Index(fields=["status", "due_at", "-received_at", "-id"], name="appr_app_status_list_order"),
            # The gaming detectors (approvals/gaming.py): the same matter (applicant, item) filed
            # again or split, and the intake window scanned by time.
            models.Index(fields=["applicant_id_number", "item", "received_at"], name="appr_app_matter"),
            models.Index(fields=["received_at"], name="appr_app_received"),
            # resubmit_restart starts from the RESTARTABLE applications, by the time they ended.
            models.Index(Coalesce("decided_at", "notice_issued_at"), name="appr_app_ended",
                         condition=models.Q(status__in=RESTARTABLE)),
        ]

    def __str__(self):
        return f"{self.receipt_number or _('待受理')} {self.item.name}（{self.applicant_name}）"

    def get_absolute_url(self):
        return reverse("approvals:application", args=[self.pk])

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED

    @property
    def at_window(self) -> bool:
        """Taken in at a 政务服务中心 window on the department's behalf."""
        return self.intake_unit_id is not None and self.intake_unit_id != self.unit_id

    @property
    def is_joint(self) -> bool:
        return self.time_rule_id is not None and self.time_rule.code == "application.joint"


class StepStatus(models.TextChoices):
    PENDING = "pending", _("审查中")
    CONSENTED = "consented", _("同意")
    REFUSED = "refused", _("不同意（附理由）")
    DEEMED_CONSENTED = "deemed", _("逾期未答复，视为同意（缺席默认）")
    VOID_REFUSAL = "void", _("不同意但未说明理由，视为同意")


STEP_OPEN = (StepStatus.PENDING,)


class ReviewStep(Clock):
    """联审联批: one co-reviewing unit's step, running in parallel with the others (R24).

    Its clock (application.review_step) is its own: a late step gets its own card against its
    unit even when the application is on time. `liability_moved` records that the unit
    answers for a consent it did not give (silence, or a refusal without reasons).
    `paused_with_application` marks a pause started by the application's suspension (行政许可法
    §45, R23), so that resuming the application resumes exactly these steps.
    """

    application = models.ForeignKey(Application, models.CASCADE, related_name="steps", verbose_name=_("办件"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("会审单位"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("审查人")
    )
    status = models.CharField(_("审查意见"), max_length=10, choices=StepStatus.choices, default=StepStatus.PENDING)
    opinion = models.TextField(_("意见及理由"), blank=True)
    decided_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("答复人")
    )
    liability_moved = models.BooleanField(_("责任转由会审单位承担"), default=False)
    paused_with_application = models.BooleanField(_("随办件暂停计时"), default=False)

    class Meta(Clock.Meta):
        verbose_name = _("会审环节")
        verbose_name_plural = _("会审环节")
        ordering = ["application_id", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "unit"], name="appr_step_once_per_unit")]

    def __str__(self):
        return f"{self.application} · {self.unit.name}"

    def get_absolute_url(self):
        return reverse("approvals:step", args=[self.pk])


class Score(models.IntegerChoices):
    VERY_GOOD = 5, _("非常满意")
    GOOD = 4, _("满意")
    FAIR = 3, _("基本满意")
    BAD = 2, _("不满意")
    VERY_BAD = 1, _("非常不满意")


BAD_SCORES = (Score.BAD, Score.VERY_BAD)
SATISFIED_SCORES = (Score.VERY_GOOD, Score.GOOD, Score.FAIR)


class Rating(models.Model):
    """好差评: the applicant's rating after the decision. A second rating is allowed only after a
    bad first one has been followed up (the applicant may rate once more)."""

    application = models.ForeignKey(Application, models.CASCADE, related_name="ratings", verbose_name=_("办件"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("单位"))
    score = models.PositiveSmallIntegerField(_("评价"), choices=Score.choices)
    comment = models.TextField(_("评价内容"), blank=True)
    round = models.PositiveSmallIntegerField(_("第几次评价"), default=1)
    created_at = models.DateTimeField(_("评价时间"))
    # Who rated, for the gaming detectors (rating_burst, rating_by_staff): keyed hashes
    # (HMAC-SHA256 with SECRET_KEY, `services.rater_hash`) of the phone the rating is tied to and
    # of the device (client address + user agent) — never the raw number — and the signed-in
    # staff user who entered it, if any.
    phone_hash = models.CharField(_("评价手机号摘要"), max_length=64, blank=True)
    device_hash = models.CharField(_("评价设备摘要"), max_length=64, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("录入人员"))

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["application", "round"], name="appr_rating_once_per_round")]
        indexes = [models.Index(fields=["created_at"], name="appr_rating_created")]  # approvals/gaming.py

    def __str__(self):
        return f"{self.application} {self.get_score_display()}"

    @property
    def is_bad(self) -> bool:
        return self.score in BAD_SCORES


class UnitSatisfaction(models.Model):
    """R36's figure per unit, kept current by `services.rating_submit` in the rating's own
    transaction: `total` the applications rated (each counted once, by its latest rating) and
    `satisfied` those whose latest rating is 非常满意/满意/基本满意. The application list, the public
    catalog and the API read these rows instead of aggregating every rating on each request."""

    unit = models.OneToOneField("efficiency.Unit", models.CASCADE, primary_key=True, related_name="+",
                                verbose_name=_("单位"))
    total = models.IntegerField(_("评价办件数"), default=0)
    satisfied = models.IntegerField(_("满意办件数"), default=0)

    class Meta:
        verbose_name = _("单位满意度汇总")
        verbose_name_plural = _("单位满意度汇总")


class FollowUpKind(models.TextChoices):
    CALLBACK = "callback", _("差评回访（1 个工作日）")
    FIX = "fix", _("差评整改（15 个工作日）")


class RatingFollowUp(Clock):
    """A bad rating's call back (rating.callback) or fix (rating.fix), each on the clock."""

    rating = models.ForeignKey(Rating, models.CASCADE, related_name="followups", verbose_name=_("评价"))
    kind = models.CharField(_("类别"), max_length=10, choices=FollowUpKind.choices)
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("单位"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("责任人")
    )
    note = models.TextField(_("办理情况"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("办理人")
    )

    class Meta(Clock.Meta):
        verbose_name = _("差评处理")
        verbose_name_plural = _("差评处理")
        ordering = ["due_at"]
        constraints = [models.UniqueConstraint(fields=["rating", "kind"], name="appr_followup_once")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.rating.application}"

    def get_absolute_url(self):
        return reverse("approvals:application", args=[self.rating.application_id])


# Direct foreign-key object permissions (guardian): an application shared with a co-reviewing unit.
class ApplicationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Application, models.CASCADE)


class ApplicationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Application, models.CASCADE)


# ReviewStep and RatingFollowUp are never shared, but `permissions.scope` needs a direct
# permission model to tell "none" from guardian's generic table (see docs/approvals.md).
class ReviewStepGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ReviewStep, models.CASCADE)


class RatingFollowUpGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(RatingFollowUp, models.CASCADE)
