"""Citizens' efficiency complaints (效能投诉), accountability cases (问责) and bulletins (通报).

Status fields are copies of the current position that only `accountability.services` change;
the history of every item is its events (`efficiency.events.events_for`), plus one
`ComplaintAssignment` row per unit a complaint was handed to.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from efficiency.models import Clock


class Category(models.TextChoices):
    NONFEASANCE = "nonfeasance", _("不作为")
    SLOW = "slow", _("慢作为")
    MISFEASANCE = "misfeasance", _("乱作为")
    BUCK_PASSING = "buck_passing", _("推诿扯皮")
    GRAFT = "graft", _("吃拿卡要")
    ILLEGAL_FEES = "illegal_fees", _("乱收费乱罚款乱摊派")
    BROKEN_PROMISE = "broken_promise", _("违反服务承诺")
    ATTITUDE = "attitude", _("门难进脸难看事难办")
    OTHER = "other", _("其他")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class IntakeChannel(models.Model):
    """A registered intake channel (12345 热线, 微信小程序): posts complaints with a token and
    skips the CAPTCHA. Only the SHA-256 of the token is kept; the token is shown once."""

    name = models.CharField(_("渠道名称"), max_length=64, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("投诉受理渠道")
        verbose_name_plural = _("投诉受理渠道")

    def __str__(self):
        return self.name


class Complaint(Clock):
    """效能投诉. The clock runs one step at a time: accept (complaint.accept) at the office,
    then reply (complaint.reply) at the unit; `unit` is the unit handling it now (empty while
    it is at the office), `subject_unit` the unit complained about."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("待受理")
        DECLINED = "declined", _("不予受理")
        ACCEPTED = "accepted", _("已受理")
        ASSIGNED = "assigned", _("办理中")
        RETURNED = "returned", _("单位退回")
        REPLIED = "replied", _("单位已答复，待审核")
        ANSWERED = "answered", _("已答复")
        REEXAMINING = "reexamining", _("复查中")
        CLOSED = "closed", _("已办结")

    tracking_number = models.CharField(_("投诉编号"), max_length=20, unique=True)
    check_code_hash = models.CharField(max_length=64, editable=False)
    link_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    category = models.CharField(_("投诉类别"), max_length=16, choices=Category.choices)
    subject_unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("被投诉单位"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("承办单位"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("承办人"))
    occurred_on = models.DateField(_("发生日期"), null=True, blank=True)
    place = models.CharField(_("发生地点"), max_length=200, blank=True)
    description = models.TextField(_("投诉内容"))
    is_anonymous = models.BooleanField(_("匿名"), default=True)
    complainant_name = models.CharField(_("投诉人姓名"), max_length=64, blank=True)
    complainant_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    channel = models.ForeignKey(IntakeChannel, models.PROTECT, null=True, blank=True, verbose_name=_("受理渠道"))
    submitted_ip = models.GenericIPAddressField(null=True, blank=True)
    about_office = models.BooleanField(_("投诉效能办本身（回避：由上一级效能办或领导办理）"), default=False)
    filed_at = models.DateTimeField(_("投诉时间"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decline_reason = models.TextField(_("不予受理理由"), blank=True)
    unit_reply = models.TextField(_("单位答复"), blank=True)
    unit_replied_at = models.DateTimeField(_("单位答复时间"), null=True, blank=True)
    reply = models.TextField(_("答复意见"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    substantiated = models.BooleanField(_("投诉属实"), null=True, blank=True)
    rating = models.CharField(_("评价"), max_length=12, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("评价意见"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    reexamine_reason = models.TextField(_("复查理由"), blank=True)
    reexamine_requested_at = models.DateTimeField(_("申请复查时间"), null=True, blank=True)
    handling_rounds = models.PositiveSmallIntegerField(_("办理次数"), default=0)
    is_problem = models.BooleanField(_("问题工单（提级督办）"), default=False)

    class Meta(Clock.Meta):
        verbose_name = _("效能投诉")
        verbose_name_plural = _("效能投诉")
        ordering = ["-filed_at", "-id"]
        indexes = [*Clock.Meta.indexes,
                   # The office's incoming list: open complaints by due date.
                   models.Index(fields=["status", "due_at"], name="acc_complaint_status_due")]

    def __str__(self):
        return f"{self.tracking_number} {self.get_category_display()}"

    def get_absolute_url(self):
        return reverse("accountability:complaint_detail", args=[self.pk])

    @property
    def open_review(self) -> "ComplaintReview | None":
        """The office's running review, if any (lists prefetch it into `open_reviews`)."""
        if hasattr(self, "open_reviews"):
            return self.open_reviews[0] if self.open_reviews else None
        if self.status != self.Status.REPLIED:
            return None
        return self.reviews.open().first()

    @property
    def step_clock(self):
        """The clock of the step the complaint is at: its own (accept, reply) or the office's review."""
        return self if self.closed_at is None else (self.open_review or self)

    @property
    def handler_recipients(self) -> list[str]:
        """Who hears it is theirs to handle: the office — for one about an office, the office
        of the level above (the fan-out leaves out the office complained about, 回避) and the
        leaders, who take it when no level above has an office."""
        return ["office", "leader"] if self.about_office else ["office"]


class ComplaintAttachment(models.Model):
    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="complaints/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("投诉附件")
        verbose_name_plural = _("投诉附件")


class ComplaintAssignment(models.Model):
    """One unit a complaint was handed to: append-only except the outcome fields."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("承办单位"))
    assigned_at = models.DateTimeField(_("交办时间"))
    return_due_at = models.DateTimeField(_("退回期限"))
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # Who handed it out: the office member (or the leader) whose review of the reply is timed.
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("交办人"))

    class Meta:
        ordering = ["assigned_at", "id"]


class ComplaintReview(Clock):
    """效能办审核单位答复: one row per unit reply put before the office, on its own clock
    (`complaint.review`, accountability/rules.py).

    A row of its own rather than one more restart of the complaint's clock, because here the
    office is the one late: `unit` and `owner` are the reviewing side — the office member who
    handed the complaint out and their unit (the leader, for a complaint about the office) — so
    the sweep's cards, the on-time figures and 绩 count against them, while the complaint's
    closed reply clock keeps the unit's own record. Closed by sending the reply to the citizen
    or by returning it to the unit (`outcome`); at most one open per complaint."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("审核通过，已答复投诉人")
        REWORK = "rework", _("退回重办")

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="reviews", verbose_name=_("效能投诉"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("审核单位"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("审核责任人"))
    outcome = models.CharField(_("审核结果"), max_length=8, choices=Outcome.choices, blank=True)
    created_at = models.DateTimeField(_("提交审核时间"), auto_now_add=True)

    class Meta(Clock.Meta):
        verbose_name = _("效能投诉答复审核")
        verbose_name_plural = _("效能投诉答复审核")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["complaint"], condition=models.Q(closed_at__isnull=True),
                                    name="review_one_open_per_complaint"),
        ]

    def __str__(self):
        return _("%(no)s 答复审核") % {"no": self.complaint.tracking_number}

    def get_absolute_url(self):
        return self.complaint.get_absolute_url()


class ComplaintGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Complaint, models.CASCADE)


class ComplaintUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Complaint, models.CASCADE)


class Measure(models.TextChoices):
    """问责方式 (鄂办发〔2008〕36号 四)."""

    SELF_CRITICISM = "self_criticism", _("责令作出书面检查")
    PUBLIC_CRITICISM = "public_criticism", _("通报批评")
    ADMONITION = "admonition", _("诫勉谈话")
    TRANSFER = "transfer", _("调离岗位")
    SUSPENSION = "suspension", _("停职检查")
    DISMISSAL = "dismissal", _("建议免职")


class ExemptionGround(models.TextChoices):
    """三个区分开来 (2019 意见 (十九); R29)."""

    PIONEERING = "pioneering", _("推进改革中因缺乏经验、先行先试出现的失误")
    EXPLORATORY = "exploratory", _("尚无明确限制的探索性试验中的失误")
    UNINTENTIONAL = "unintentional", _("为推动发展的无意过失")


class AccountabilityCase(Clock):
    """问责案件. Proposed (from a red card, a complaint, a finding, a deemed approval or by
    hand), investigated on the clock (case.investigation), decided, appealed at most once."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("问责建议")
        INVESTIGATING = "investigating", _("调查中")
        DECIDED = "decided", _("已决定")
        APPEALED = "appealed", _("申诉中")
        CLOSED = "closed", _("已办结")
        DISMISSED = "dismissed", _("不予立案")

    class Decision(models.TextChoices):
        NO_RESPONSIBILITY = "none", _("不予追责")
        EXEMPT = "exempt", _("容错免责")
        MEASURE = "measure", _("问责")

    class Source(models.TextChoices):
        RED_CARD = "red_card", _("红牌超时")
        DEEMED_APPROVAL = "deemed_approval", _("超时默认")
        FINDING = "finding", _("督查发现")
        COMPLAINT = "complaint", _("效能投诉")
        REVIEW_STEP = "review_step", _("联审环节")
        MANUAL = "manual", _("效能办立案")

    number = models.CharField(_("案件编号"), max_length=24, unique=True)
    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.PROPOSED)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    subject_type = models.CharField(_("来源对象类型"), max_length=64, blank=True)
    subject_id = models.BigIntegerField(_("来源对象编号"), null=True, blank=True)
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("责任单位"))
    person = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("责任人"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("调查人"))
    reason = models.TextField(_("问责事由"))
    facts = models.TextField(_("调查事实"), blank=True)
    evidence = models.TextField(_("证据"), blank=True)
    statement = models.TextField(_("陈述申辩"), blank=True)
    statement_at = models.DateTimeField(_("陈述申辩时间"), null=True, blank=True)
    decision = models.CharField(_("处理决定"), max_length=8, choices=Decision.choices, blank=True)
    exemption_grounds = models.JSONField(_("容错依据（三个区分开来）"), default=list, blank=True)
    person_measures = models.JSONField(_("对责任人的问责方式"), default=list, blank=True)
    head = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("被问责的单位负责人"))
    head_measures = models.JSONField(_("对单位负责人的问责方式（部门首长问责）"), default=list, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    appeal_reason = models.TextField(_("申诉理由"), blank=True)
    appealed_at = models.DateTimeField(_("申诉时间"), null=True, blank=True)
    appeal_result = models.TextField(_("申诉复核结果"), blank=True)
    created_at = models.DateTimeField(_("立案时间"), auto_now_add=True)

    class Meta(Clock.Meta):
        verbose_name = _("问责案件")
        verbose_name_plural = _("问责案件")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One proposal per source item and source (accountability.propose is idempotent).
            models.UniqueConstraint(fields=["subject_type", "subject_id", "source"], name="case_once_per_source",
                                    condition=models.Q(subject_id__isnull=False)),
        ]

    def __str__(self):
        return f"{self.number}"

    def get_absolute_url(self):
        return reverse("accountability:case_detail", args=[self.pk])

    def measure_labels(self, codes) -> list[str]:
        return [str(Measure(c).label) for c in codes if c in Measure.values]

    @property
    def ground_labels(self) -> list[str]:
        return [str(ExemptionGround(c).label) for c in self.exemption_grounds if c in ExemptionGround.values]


class CaseStatement(Clock):
    """陈述申辩期限: the time the person (or, for a case against the unit only, its head) has to
    state their defence once told the facts found (`case.statement`, accountability/rules.py).
    Past it, the right lapses (视为放弃) and the office may decide without a statement.

    `unit` and `owner` stay empty on purpose: a defence not made is a right not used, not late
    work, so it never counts in a unit's on-time figures or a person's 绩. Who hears of it is
    decided by `handlers.on_statement_breach`, not by the core's rung recipients."""

    case = models.OneToOneField(AccountabilityCase, models.CASCADE, related_name="statement_clock",
                                verbose_name=_("问责案件"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, null=True, blank=True, related_name="+",
                             editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              editable=False)
    created_at = models.DateTimeField(_("告知时间"), auto_now_add=True)

    class Meta(Clock.Meta):
        verbose_name = _("陈述申辩期限")
        verbose_name_plural = _("陈述申辩期限")

    def __str__(self):
        return _("%(no)s 陈述申辩") % {"no": self.case.number}

    def get_absolute_url(self):
        return self.case.get_absolute_url()

    @property
    def lapsed(self) -> bool:
        """Past its due time with no statement recorded (视为放弃)."""
        return not self.case.statement and self.is_late()


# Direct permission models also for cases: efficiency.permissions.scope would otherwise fall
# back to guardian's generic table (whose GenericForeignKey also reports is_relation).
class AccountabilityCaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(AccountabilityCase, models.CASCADE)


class AccountabilityCaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(AccountabilityCase, models.CASCADE)


class Bulletin(models.Model):
    """通报 of typical cases, good and bad (R34): written by the office, approved, published."""

    class Kind(models.TextChoices):
        CRITICISM = "criticism", _("通报批评")
        COMMENDATION = "commendation", _("通报表扬")
        MIXED = "mixed", _("典型案例通报")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPROVED = "approved", _("已审核")
        PUBLISHED = "published", _("已发布")

    number = models.CharField(_("文号"), max_length=40, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("类别"), max_length=14, choices=Kind.choices, default=Kind.MIXED)
    body = models.TextField(_("正文"))
    cases = models.ManyToManyField(AccountabilityCase, blank=True, related_name="bulletins", verbose_name=_("问责案件"))
    complaints = models.ManyToManyField(Complaint, blank=True, related_name="bulletins", verbose_name=_("效能投诉"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("起草人"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("审核人"))
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("起草时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-published_at", "-created_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("accountability:bulletin_detail", args=[self.pk])
