"""督查检查: plans under a yearly cap, random draws (双随机一公开), visits (明查暗访),
findings and their rectifications (整改).

Status fields are copies of the current position that only `inspection.services` change; the
history of every item is its events (`efficiency.events.events_for`) and the audit log.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from efficiency.models import Clock


class Method(models.TextChoices):
    OPEN = "open", _("明查")
    UNANNOUNCED = "unannounced", _("暗访")
    SPECIAL = "special", _("专项检查")
    THIRD_PARTY = "third_party", _("第三方评估")


class InspectionCap(models.Model):
    """The yearly number of inspections an issuing body may run, set by the administrator.

    2019 意见（二十二）: inspections of grassroots units at least 50% fewer than in 2018, so
    `cap` is never above half of `base_2018` (R31)."""

    issuing_unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("发文单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    base_2018 = models.PositiveIntegerField(_("2018年基数"))
    cap = models.PositiveIntegerField(_("年度上限"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("设定人"))
    set_at = models.DateTimeField(_("设定时间"), auto_now=True)

    class Meta:
        verbose_name = _("督查检查年度上限")
        verbose_name_plural = _("督查检查年度上限")
        constraints = [models.UniqueConstraint(fields=["issuing_unit", "year"], name="inspection_cap_unit_year")]
        ordering = ["-year", "issuing_unit_id"]

    def __str__(self):
        return f"{self.issuing_unit} {self.year}：{self.cap}"


class InspectionPlan(models.Model):
    """督查检查计划: filed by the office, approved by a leader (计划管理和报批)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已退回")
        CLOSED = "closed", _("已完成")

    topic = models.CharField(_("督查主题"), max_length=200)
    scope = models.TextField(_("检查内容与范围"))
    method = models.CharField(_("方式"), max_length=12, choices=Method.choices)
    issuing_unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("发文单位"))
    region = models.ForeignKey("efficiency.Region", models.PROTECT, related_name="+", verbose_name=_("区域"))
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    units = models.ManyToManyField("efficiency.Unit", related_name="+", verbose_name=_("检查范围内单位"))
    sample_size = models.PositiveIntegerField(_("抽查单位数"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("填报人"))
    filed_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("报批时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("审批人")
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    results_published_at = models.DateTimeField(_("结果公开时间"), null=True, blank=True)
    # Closing (完成): recorded once by the office when every visit of the plan is closed.
    closed_on = models.DateField(_("完成日期"), null=True, blank=True)
    closed_at = models.DateTimeField(_("完成登记时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("完成登记人")
    )
    closing_summary = models.TextField(_("督查检查总结"), blank=True)
    # The findings and rectification status as they stood at closing, with the items still open.
    closing_report = models.JSONField(_("完成时问题整改情况"), default=dict, blank=True)
    # 第三方评估: only for plans whose method is third-party assessment.
    assessor = models.CharField(_("第三方评估机构"), max_length=200, blank=True)
    assessment_report = models.FileField(_("评估报告"), upload_to="inspection/assessments/%Y/%m/", blank=True)
    assessment_report_name = models.CharField(_("评估报告原文件名"), max_length=200, blank=True)
    assessment_recorded_at = models.DateTimeField(_("评估报告登记时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督查检查计划")
        verbose_name_plural = _("督查检查计划")
        ordering = ["-start_date", "-id"]

    def __str__(self):
        return self.topic

    def get_absolute_url(self):
        return reverse("inspection:plan_detail", args=[self.pk])

    @property
    def year(self) -> int:
        return self.start_date.year


class PlanOverride(models.Model):
    """A leader's recorded approval to exceed the cap (R31) or the sampling share (R30)."""

    class Kind(models.TextChoices):
        CAP = "cap", _("超出年度上限")
        SAMPLING = "sampling", _("超出抽查比例")

    plan = models.ForeignKey(InspectionPlan, models.CASCADE, related_name="overrides", verbose_name=_("计划"))
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("批准人"))
    approved_at = models.DateTimeField(_("批准时间"))
    reason = models.TextField(_("理由"))
    figures = models.JSONField(_("当时数据"), default=dict)

    class Meta:
        verbose_name = _("超限审批")
        verbose_name_plural = _("超限审批")
        constraints = [models.UniqueConstraint(fields=["plan", "kind"], name="inspection_override_plan_kind")]

    def __str__(self):
        return f"{self.plan} · {self.get_kind_display()}"


class TargetPool(models.Model):
    """检查对象名录库."""

    name = models.CharField(_("名称"), max_length=100)
    issuing_unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("所属单位"))
    units = models.ManyToManyField("efficiency.Unit", related_name="+", verbose_name=_("检查对象"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查对象库")
        verbose_name_plural = _("检查对象库")
        ordering = ["name"]

    def __str__(self):
        return self.name


class InspectorPool(models.Model):
    """检查人员名录库."""

    name = models.CharField(_("名称"), max_length=100)
    issuing_unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("所属单位"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("检查人员"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查人员库")
        verbose_name_plural = _("检查人员库")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Draw(models.Model):
    """One random draw (双随机). `pools` is the sorted snapshot the algorithm ran over, so the
    draw can be re-run from `seed` even after the pools change (see inspection.draws)."""

    plan = models.ForeignKey(InspectionPlan, models.PROTECT, related_name="draws", verbose_name=_("计划"))
    target_pool = models.ForeignKey(TargetPool, models.PROTECT, related_name="+", verbose_name=_("检查对象库"))
    inspector_pool = models.ForeignKey(InspectorPool, models.PROTECT, related_name="+", verbose_name=_("检查人员库"))
    seed = models.DecimalField(_("随机种子"), max_digits=20, decimal_places=0)
    algorithm = models.CharField(_("算法"), max_length=32)
    n_targets = models.PositiveIntegerField(_("抽取对象数"))
    per_target = models.PositiveIntegerField(_("每个对象检查人员数"))
    pools = models.JSONField(_("名录快照"))
    result = models.JSONField(_("抽取结果"))
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("操作人"))
    drawn_at = models.DateTimeField(_("抽取时间"))
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("双随机抽取")
        verbose_name_plural = _("双随机抽取")
        ordering = ["-drawn_at"]

    def __str__(self):
        return f"{self.plan} · {self.seed}"

    def get_absolute_url(self):
        return reverse("inspection:draw_detail", args=[self.pk])


class DrawAssignment(models.Model):
    draw = models.ForeignKey(Draw, models.CASCADE, related_name="assignments")
    position = models.PositiveIntegerField(_("序号"))
    target = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("检查对象"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("检查人员"))

    class Meta:
        ordering = ["draw_id", "position", "id"]


class Visit(models.Model):
    """明查暗访 record. An unannounced visit is hidden from the visited unit until closed (R33)."""

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已反馈")

    plan = models.ForeignKey(InspectionPlan, models.PROTECT, related_name="visits", verbose_name=_("计划"))
    draw = models.ForeignKey(Draw, models.PROTECT, null=True, blank=True, related_name="visits", verbose_name=_("抽取"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("被检查单位"))
    kind = models.CharField(_("方式"), max_length=12, choices=Method.choices)
    # R41 (2019 (五)): a decision research visit (决策调研); at least half of them are unannounced
    # (不事先通知、随机暗访) — `kind` records whether it was announced; `queries.research_share` counts.
    research = models.BooleanField(_("决策调研"), default=False)
    visited_on = models.DateField(_("检查日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    people_met = models.TextField(_("接触人员"), blank=True)
    summary = models.TextField(_("检查情况"), blank=True)
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("检查人员"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("记录人"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("明查暗访记录")
        verbose_name_plural = _("明查暗访记录")
        ordering = ["-visited_on", "-id"]

    def __str__(self):
        parts = {"unit": self.unit, "date": self.visited_on, "kind": self.get_kind_display()}
        return _("%(unit)s %(date)s（%(kind)s）") % parts

    def get_absolute_url(self):
        return reverse("inspection:visit_detail", args=[self.pk])

    @property
    def hidden_from_unit(self) -> bool:
        return self.kind == Method.UNANNOUNCED and self.status == self.Status.OPEN


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, models.CASCADE, related_name="photos", verbose_name=_("检查记录"))
    image = models.FileField(_("照片"), upload_to="inspection/photos/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(max_length=32)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")


class Finding(models.Model):
    """督查发现的问题. Its rectification deadline (R13) counts from the feedback date."""

    class Severity(models.TextChoices):
        GENERAL = "general", _("一般")
        SERIOUS = "serious", _("严重")

    visit = models.ForeignKey(Visit, models.PROTECT, related_name="findings", verbose_name=_("检查记录"))
    plan = models.ForeignKey(InspectionPlan, models.PROTECT, related_name="findings", verbose_name=_("计划"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("责任单位"))
    title = models.CharField(_("问题"), max_length=200)
    description = models.TextField(_("问题描述"), blank=True)
    severity = models.CharField(_("性质"), max_length=8, choices=Severity.choices, default=Severity.GENERAL)
    rectify_target = models.TextField(_("整改目标"))
    rectify_days = models.PositiveIntegerField(_("整改期限（自然日）"))
    feedback_date = models.DateField(_("反馈日期"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("责任人")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("记录人"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    accountability_proposed_at = models.DateTimeField(_("移送问责时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督查发现问题")
        verbose_name_plural = _("督查发现问题")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("inspection:finding_detail", args=[self.pk])


class Rectification(Clock):
    """整改: the unit rectifies a finding by its deadline (rule `rectification`, R13).

    The unit reports; the clock pauses while the office checks (验收); verified closes it,
    returned resumes it."""

    class Status(models.TextChoices):
        OPEN = "open", _("整改中")
        REPORTED = "reported", _("待验收")
        VERIFIED = "verified", _("已验收")

    finding = models.OneToOneField(Finding, models.PROTECT, related_name="rectification", verbose_name=_("问题"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("整改单位"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("责任人")
    )
    target = models.TextField(_("整改目标"))
    measures = models.TextField(_("整改措施"), blank=True)
    measures_at = models.DateTimeField(_("整改方案报送时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    report = models.TextField(_("整改情况报告"), blank=True)
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    returns = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("验收人")
    )
    verified_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    verify_note = models.TextField(_("验收意见"), blank=True)

    class Meta(Clock.Meta):
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["due_at", "id"]

    def __str__(self):
        return f"{self.unit} · {self.finding.title}"

    def get_absolute_url(self):
        return reverse("inspection:rectification_detail", args=[self.pk])


# Direct foreign-key object permissions (django-guardian) so efficiency.permissions.scope can
# include items shared with a co-unit without the generic tables.
class InspectionPlanGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(InspectionPlan, models.CASCADE)


class DrawGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Draw, models.CASCADE)


class VisitGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Visit, models.CASCADE)


class FindingGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Finding, models.CASCADE)


class RectificationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Rectification, models.CASCADE)


class RectificationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Rectification, models.CASCADE)
