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
    # Real-name by default; anonymity is the citizen's explicit choice (no call-back then).
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    complainant_name = models.CharField(_("投诉人姓名"), max_length=64, blank=True)
    complainant_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    channel = models.ForeignKey(IntakeChannel, models.PROTECT, null=True, blank=True, verbose_name=_("受理渠道"))
    # When the channel (12345 热线) itself received the complaint, as the channel says; read by
    # the gaming detector intake_lag (体外循环, accountability/gaming.py) against the clock's start.
    channel_received_at = models.DateTimeField(_("渠道收件时间"), null=True, blank=True)
    submitted_ip = models.GenericIPAddressField(null=True, blank=True)
    about_office = models.BooleanField(_("投诉效能办本身（回避：由上一级效能办或领导办理）"), default=False)
    filed_at = models.DateTimeField(_("投诉时间"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decline_reason = models.TextField(_("不予受理理由"), blank=True)
    unit_reply = models.TextField(_("单位答复"), blank=True)
    unit_replied_at = models.DateTimeField(_("单位答复时间"), null=True, blank=True)
    reply = models.TextField(_("答复意见"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # The finding (属实/不属实) is the office's alone, even when the unit complained about handled it.
    substantiated = models.BooleanField(_("投诉属实"), null=True, blank=True)
    finding_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("认定人（效能办）"))
    finding_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    rating = models.CharField(_("评价"), max_length=12, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("评价意见"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    # Who rated, for the gaming detectors (accountability/gaming.py): keyed hashes (HMAC with
    # SECRET_KEY, efficiency.gaming_evidence) of the complainant's phone and of the device, never
    # the raw number; the signed-in staff user who entered the rating, if any.
    rating_phone_hash = models.CharField(_("评价手机号摘要"), max_length=64, blank=True)
    rating_device_hash = models.CharField(_("评价设备摘要"), max_length=64, blank=True)
    rating_entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                          related_name="+", verbose_name=_("评价录入人员"))
    reexamine_reason = models.TextField(_("复查理由"), blank=True)
    reexamine_requested_at = models.DateTimeField(_("申请复查时间"), null=True, blank=True)
    handling_rounds = models.PositiveSmallIntegerField(_("办理次数"), default=0)
    is_problem = models.BooleanField(_("问题工单（提级督办）"), default=False)
    # The due time of the office's running review of the unit's reply (none when no review is
    # open): a copy of that review's clock, written in the transaction of each change of it by
    # the core's clock hook (`register_clock_model(ComplaintReview, on_change=…)`,
    # `services.complaint_review_due_sync`) — never set by hand.
    review_due = models.DateTimeField(_("审核期限"), null=True, blank=True, editable=False)
    # The due time of the step the complaint is at (`step_clock`): its own clock's while that
    # runs, else the open review's. Computed by PostgreSQL in the statement that writes the clock
    # or the copy above, so the list's order is a column with an index (issue 17).
    step_due = models.GeneratedField(
        expression=models.Case(models.When(closed_at__isnull=True, then=models.F("due_at")),
                               default=models.F("review_due")),
        output_field=models.DateTimeField(_("当前环节期限"), null=True), db_persist=True)

    class Meta(Clock.Meta):
        verbose_name = _("效能投诉")
        verbose_name_plural = _("效能投诉")
        ordering = ["-filed_at", "-id"]
        indexes = [*Clock.Meta.indexes,
                   # The office's incoming list: open complaints by due date.
                   models.Index(fields=["status", "due_at"], name="acc_complaint_status_due"),
                   # The complaint list's order exactly (`queries.complaint_list`: the step's due
                   # time, the latest filed first, the primary key last as the keyset cursor), so
                   # its first page and every `after` page read 51 index entries at any size:
                   # the open ones (the default list), one status, and every one (`status=all`).
                   models.Index(fields=["step_due", "-filed_at", "-id"], name="acc_complaint_open_step",
                                condition=~models.Q(status__in=["closed", "declined"])),
                   # A unit user's open list (`queries.complaint_arms`): the unit's own rows in the
                   # list's order, so row-level security's policy is tested on them only.
                   models.Index(fields=["unit", "step_due", "-filed_at", "-id"], name="acc_complaint_unit_open_step",
                                condition=~models.Q(status__in=["closed", "declined"])),
                   models.Index(fields=["status", "step_due", "-filed_at", "-id"], name="acc_complaint_status_step"),
                   models.Index(fields=["step_due", "-filed_at", "-id"], name="acc_complaint_step"),
                   # Open311's public list (queries.complaints_open311): a window of filing
                   # times, the latest first.
                   models.Index(fields=["-filed_at", "-id"], name="acc_complaint_filed"),
                   # The gaming detector intake_lag (accountability/gaming.py): only the channels' rows.
                   models.Index(fields=["filed_at"], name="acc_complaint_channel_filed",
                                condition=models.Q(channel_received_at__isnull=False)),
                   # The rating detectors (accountability/gaming.py).
                   models.Index(fields=["rated_at"], name="acc_complaint_rated",
                                condition=models.Q(rated_at__isnull=False))]

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
        return self.handler_recipients_for(self.about_office)

    @staticmethod
    def handler_recipients_for(about_office: bool) -> list[str]:
        return ["office", "leader"] if about_office else ["office"]


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
    """问责方式 (鄂办发〔2008〕36号 四; the local 问责办法 for the full list)."""

    CRITICISM_EDUCATION = "criticism_education", _("批评教育")
    SELF_CRITICISM = "self_criticism", _("责令作出书面检查")
    ADMONITION = "admonition", _("诫勉谈话")
    PUBLIC_CRITICISM = "public_criticism", _("通报批评")
    TRANSFER = "transfer", _("调离岗位")
    SUSPENSION = "suspension", _("停职检查")
    DISMISSAL = "dismissal", _("建议免职")


# Personnel measures: only the body that appoints the person can take them; the office proposes.
PERSONNEL_MEASURES = frozenset({Measure.TRANSFER, Measure.SUSPENSION, Measure.DISMISSAL})


class ExemptionGround(models.TextChoices):
    """三个区分开来 (2019 意见 (十九); R29)."""

    PIONEERING = "pioneering", _("推进改革中因缺乏经验、先行先试出现的失误")
    EXPLORATORY = "exploratory", _("尚无明确限制的探索性试验中的失误")
    UNINTENTIONAL = "unintentional", _("为推动发展的无意过失")


class DecidingBody(models.TextChoices):
    """问责主体 (R69): who decides. The office investigates and proposes; the appointing body
    (任免机关 — in the platform, a leader of the people's government) decides what it is set to."""

    APPOINTING = "appointing", _("任免机关")
    OFFICE = "office", _("效能办")


class DecisionKind(models.TextChoices):
    """What a deciding body is configured for: each measure, and a 容错免责 or 不予追责 decision."""

    CRITICISM_EDUCATION = Measure.CRITICISM_EDUCATION.value, Measure.CRITICISM_EDUCATION.label
    SELF_CRITICISM = Measure.SELF_CRITICISM.value, Measure.SELF_CRITICISM.label
    ADMONITION = Measure.ADMONITION.value, Measure.ADMONITION.label
    PUBLIC_CRITICISM = Measure.PUBLIC_CRITICISM.value, Measure.PUBLIC_CRITICISM.label
    TRANSFER = Measure.TRANSFER.value, Measure.TRANSFER.label
    SUSPENSION = Measure.SUSPENSION.value, Measure.SUSPENSION.label
    DISMISSAL = Measure.DISMISSAL.value, Measure.DISMISSAL.label
    EXEMPT = "exempt", _("容错免责")
    NONE = "none", _("不予追责")


class MeasureAuthority(models.Model):
    """Who decides each measure — 本地默认 (种子未规定): 2019 意见 (十九) names 三个区分开来 only and
    2010 四 6 defers to the local 问责办法, so the administrator sets the body per measure
    (normally the 任免机关; a kind without a row is the 任免机关's). The office may never be set
    for 调离岗位, 停职检查 or 免职: personnel measures belong to the appointing body."""

    kind = models.CharField(_("处理方式"), max_length=20, choices=DecisionKind.choices, unique=True)
    body = models.CharField(_("决定机关"), max_length=12, choices=DecidingBody.choices,
                            default=DecidingBody.APPOINTING)

    class Meta:
        verbose_name = _("问责决定机关（本地默认，种子未规定）")
        verbose_name_plural = _("问责决定机关（本地默认，种子未规定）")
        ordering = ["kind"]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.get_body_display()}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.body == DecidingBody.OFFICE and self.kind in PERSONNEL_MEASURES:
            raise ValidationError({"body": _("调离岗位、停职检查、免职只能由任免机关决定，效能办只能提出建议。")})


class ExemptionCondition(models.Model):
    """A local condition of 容错免责 besides the 三个区分开来 — 本地默认 (种子未规定): the seeds
    name only the three distinctions; the administrator sets these. Every active condition is
    answered (met or not, with the facts) in an exemption decision, and all must be met."""

    label = models.CharField(_("容错条件"), max_length=200, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("容错条件（本地默认，种子未规定）")
        verbose_name_plural = _("容错条件（本地默认，种子未规定）")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.label


class AccountabilityCase(Clock):
    """问责案件. Proposed (from a red card, a complaint, a finding, a deemed approval or by
    hand), investigated on the clock (case.investigation), decided, appealed at most once."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("问责建议")
        INVESTIGATING = "investigating", _("调查中")
        SUBMITTED = "submitted", _("待决定机关决定")
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
    person_missing_reason = models.TextField(_("未认定责任人的原因"), blank=True)
    # R46: 当事人和直接领导责任人 — the directly responsible leader, or why none is named.
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("直接领导责任人"))
    leader_missing_reason = models.TextField(_("未认定直接领导责任人的原因"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("调查人"))
    reason = models.TextField(_("问责事由"))
    facts = models.TextField(_("调查事实"), blank=True)
    evidence = models.TextField(_("证据"), blank=True)
    statement = models.TextField(_("陈述申辩"), blank=True)
    statement_at = models.DateTimeField(_("陈述申辩时间"), null=True, blank=True)
    decision = models.CharField(_("处理决定"), max_length=8, choices=Decision.choices, blank=True)
    exemption_grounds = models.JSONField(_("容错依据（三个区分开来）"), default=list, blank=True)
    # {ground: facts} for each of the 三个区分开来, and [{id, label, met, facts}] for each local condition.
    exemption_facts = models.JSONField(_("三个区分开来逐项事实"), default=dict, blank=True)
    exemption_conditions = models.JSONField(_("本地容错条件逐项认定"), default=list, blank=True)
    proposal = models.TextField(_("效能办处理建议"), blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("提请人"))
    proposed_at = models.DateTimeField(_("提请决定时间"), null=True, blank=True)
    person_measures = models.JSONField(_("对责任人的问责方式"), default=list, blank=True)
    head = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("被问责的单位负责人"))
    head_measures = models.JSONField(_("对单位负责人的问责方式（部门首长问责）"), default=list, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    # R69: the body that holds to account (问责主体), as it stood at the decision.
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("决定人"))
    decided_body = models.CharField(_("决定机关类别"), max_length=12, choices=DecidingBody.choices, blank=True)
    decided_unit = models.ForeignKey("efficiency.Unit", models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("问责主体"))
    appeal_reason = models.TextField(_("申诉理由"), blank=True)
    appealed_at = models.DateTimeField(_("申诉时间"), null=True, blank=True)
    appeal_result = models.TextField(_("申诉复核结果"), blank=True)
    appeal_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                          related_name="+", verbose_name=_("复核人"))
    appeal_unit = models.ForeignKey("efficiency.Unit", models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("复核机关"))
    appeal_decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    # R46: a suspected crime goes to the judicial organs (移送司法机关).
    judicial_organ = models.CharField(_("移送司法机关"), max_length=128, blank=True)
    judicial_transferred_on = models.DateField(_("移送日期"), null=True, blank=True)
    judicial_transferred_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                                related_name="+", verbose_name=_("移送人"))
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

    @property
    def ground_facts(self) -> list[tuple[str, str, bool]]:
        """(distinction, facts, applies) for each of the 三个区分开来 recorded."""
        return [(str(g.label), self.exemption_facts[g.value], g.value in self.exemption_grounds)
                for g in ExemptionGround if self.exemption_facts.get(g.value)]

    @property
    def accountability_body(self) -> str:
        """问责主体 (R69): the deciding unit and the kind of body, e.g. 鄂州市人民政府（任免机关）."""
        if not self.decided_body:
            return ""
        unit = self.decided_unit.name if self.decided_unit_id else ""
        return f"{unit}（{DecidingBody(self.decided_body).label}）"


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
    """通报 of typical cases, good and bad (R34): drafted by an office clerk, signed off (签发) by a
    leader — the sign-off publishes it; `approved_by`/`approved_at` are the signer and the time."""

    class Kind(models.TextChoices):
        CRITICISM = "criticism", _("通报批评")
        COMMENDATION = "commendation", _("通报表扬")
        MIXED = "mixed", _("典型案例通报")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPROVED = "approved", _("已签发")
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
                                    related_name="+", verbose_name=_("签发人"))
    approved_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
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
