"""Key tasks (重点任务清单) and assignments (交办件).

State on these rows is written only by `supervision.services`; clock fields only through
`efficiency.clocks`. The history of every item is its events (`efficiency.events.events_for`);
the `status` columns are a copy of the current step that only services change.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from efficiency.models import DIVISION_LEVEL, Clock, LimitUnit, PauseReason, Rank


# --- key tasks (R14, R15) -------------------------------------------------------------------


class ReportCycle(models.TextChoices):
    WEEK = "week", _("每周")
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")


class KeyTaskList(models.Model):
    """年度重点任务清单: issued at the start of the year (2019 意见（七）)."""

    year = models.PositiveIntegerField(_("年度"), unique=True)
    title = models.CharField(_("清单名称"), max_length=200)
    issued_at = models.DateTimeField(_("印发时间"))
    # R15 预警: a task lags when progress trails the elapsed share of time by more than this.
    lag_margin = models.PositiveSmallIntegerField(_("预警阈值（百分点）"), default=20)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))

    class Meta:
        verbose_name = _("重点任务清单")
        verbose_name_plural = _("重点任务清单")
        ordering = ["-year"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("supervision:tasklist", args=[self.year])


class KeyTask(Clock):
    """重点任务: one row of the list. Its clock runs to the task's deadline (or rule)."""

    task_list = models.ForeignKey(KeyTaskList, models.CASCADE, related_name="tasks", verbose_name=_("清单"))
    number = models.CharField(_("编号"), max_length=32)
    title = models.CharField(_("任务名称"), max_length=200)
    goal = models.TextField(_("目标任务"))
    standard = models.TextField(_("工作标准"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("牵头单位"))
    co_units = models.ManyToManyField("efficiency.Unit", blank=True, related_name="+", verbose_name=_("配合单位"))
    leader_name = models.CharField(_("责任领导"), max_length=64, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("责任人"))
    # R42 (2019 (二)): the lead unit's 第一责任人 and 直接责任人, required by the services (the
    # unit's own, unless named otherwise); null only on rows older than the rule.
    principal = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("第一责任人"))
    deputy = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("直接责任人"))
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    report_cycle = models.CharField(_("进度报告周期"), max_length=8, choices=ReportCycle.choices,
                                    default=ReportCycle.MONTH)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    reported_at = models.DateTimeField(_("最近报告时间"), null=True, blank=True)
    urge_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    # R59 (2019 (十二)): the progress of key work is published (efficiency.portal, supervision's
    # public progress page) except secret and sensitive items: this flag keeps a task off it.
    is_confidential = models.BooleanField(_("保密或敏感事项（不向社会公布）"), default=False)

    class Meta(Clock.Meta):
        verbose_name = _("重点任务")
        verbose_name_plural = _("重点任务")
        ordering = ["task_list", "number"]
        constraints = [
            models.UniqueConstraint(fields=["task_list", "number"], name="keytask_number_unique_per_list"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("supervision:task", args=[self.pk])


class TaskNode(Clock):
    """A sub-task or milestone, down to project, post and person (任务具体到项目、落实到岗位、量化到个人)."""

    class Kind(models.TextChoices):
        SUBTASK = "subtask", _("子任务")
        MILESTONE = "milestone", _("节点")
        PROJECT = "project", _("项目")

    task = models.ForeignKey(KeyTask, models.CASCADE, related_name="nodes", verbose_name=_("重点任务"))
    parent = models.ForeignKey("self", models.CASCADE, null=True, blank=True, related_name="children",
                               verbose_name=_("上级节点"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.SUBTASK)
    title = models.CharField(_("名称"), max_length=200)
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("责任单位"))
    post = models.CharField(_("责任岗位"), max_length=64, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("责任人"))
    deadline = models.DateField(_("完成时限"), null=True, blank=True)

    class Meta(Clock.Meta):
        verbose_name = _("任务节点")
        verbose_name_plural = _("任务节点")
        ordering = ["task", "deadline", "id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("supervision:task", args=[self.task_id]) + f"#node-{self.pk}"


class ProgressDue(Clock):
    """The clock on a task's next progress report (rule task.progress_report): a missed report is
    itself a deadline (2019 意见（十一）). Restarted by every report."""

    task = models.OneToOneField(KeyTask, models.CASCADE, related_name="report_due", verbose_name=_("重点任务"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("单位"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("责任人"))

    class Meta(Clock.Meta):
        verbose_name = _("进度报告期限")
        verbose_name_plural = _("进度报告期限")

    def __str__(self):
        return f"{self.task} · {_('进度报告')}"

    def get_absolute_url(self):
        return self.task.get_absolute_url()


class ProgressReport(models.Model):
    """One progress report; append-only."""

    task = models.ForeignKey(KeyTask, models.CASCADE, related_name="reports", verbose_name=_("重点任务"))
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"))
    narrative = models.TextField(_("进展情况"))
    attachment = models.FileField(_("附件"), upload_to="supervision/reports/%Y/%m/", blank=True)
    attachment_name = models.CharField(_("附件原文件名"), max_length=200, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("报告人"))
    reported_at = models.DateTimeField(_("报告时间"))
    was_late = models.BooleanField(_("逾期报告"), default=False)

    class Meta:
        verbose_name = _("进度报告")
        verbose_name_plural = _("进度报告")
        ordering = ["-reported_at", "-id"]

    def __str__(self):
        return f"{self.task.number} {self.percent}%"


# --- assignments (R03–R12, R39) ---------------------------------------------------------------


class AssignmentKind(models.TextChoices):
    INSTRUCTION = "instruction", _("领导批示")
    UPPER_DOC = "upper_doc", _("上级文件/重大决策")
    MEETING = "meeting", _("会议决定")
    FIELD_RESEARCH = "field_research", _("调研/现场办公问题")
    POLICY_DIFFICULTY = "policy_difficulty", _("政策执行困难报告")
    POLICY_INTERPRETATION = "policy_interpretation", _("政策解读")
    NO_DEADLINE = "no_deadline", _("未明确时限的决策部署")
    EMERGENCY = "emergency", _("重大突发事件新闻发布")


class RequiredOutput(models.TextChoices):
    """What an upper-level document requires the unit to issue (2019 (七): 要求制发实施意见、方案、配套措施的)."""

    OPINION = "opinion", _("实施意见")
    PLAN = "plan", _("工作方案")
    MEASURES = "measures", _("配套措施")


class Assignment(Clock):
    """交办件. `unit` is the issuing office; the clock is the office's own step (splitting a
    field-research problem R05, replying to a policy difficulty R08). Each receiving unit's
    work and clock is an `AssignmentTarget`; target units see the item through sharing."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("待交办")
        IN_PROGRESS = "in_progress", _("办理中")
        CLOSED = "closed", _("已办结")

    class Reply(models.TextChoices):
        """The government office's three answers to a policy hard to execute, in the seed's
        words (R08, 2019 (六)): 继续执行、暂缓执行或按新的方法执行. 暂缓 is a deferral, not a
        suspension: the stored value was "suspend" until migration 0006 renamed it."""

        CONTINUE = "continue", _("继续执行")
        DEFER = "defer", _("暂缓执行")
        NEW_METHOD = "new_method", _("按新的方法执行")

    number = models.CharField(_("交办编号"), max_length=32, unique=True)
    kind = models.CharField(_("来源类别"), max_length=24, choices=AssignmentKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    source_text = models.TextField(_("来源内容（批示/文件/决定原文）"))
    issuing_leader = models.CharField(_("批示/交办领导"), max_length=64, blank=True)
    deadline = models.DateField(_("办理时限"), null=True, blank=True)
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("交办单位"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("经办人"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REGISTERED)
    reply = models.CharField(_("答复意见"), max_length=12, choices=Reply.choices, blank=True)
    reply_text = models.TextField(_("答复说明"), blank=True)
    created_at = models.DateTimeField(_("登记时间"))
    # R56 (2019 (七)): an upper-level document that requires an implementing opinion, plan or
    # supporting measures sets the time to do it; the item keeps the document, what it requires
    # and the clause that sets the time, and `deadline` is that time (services.assignment_create).
    source_document = models.CharField(_("上级文件名称及文号"), max_length=200, blank=True)
    required_output = models.CharField(_("要求制发"), max_length=12, choices=RequiredOutput.choices, blank=True)
    deadline_clause = models.CharField(_("规定完成时限的条款"), max_length=200, blank=True)
    # R59 (2019 (十二)): a major matter's progress is published (queries.public_matters) unless
    # it is secret or sensitive.
    is_confidential = models.BooleanField(_("保密或敏感事项（不向社会公布）"), default=False)

    class Meta(Clock.Meta):
        verbose_name = _("交办件")
        verbose_name_plural = _("交办件")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("supervision:assignment", args=[self.pk])


class AssignmentTarget(Clock):
    """One receiving unit of an assignment (lead or co-unit) with its own step and clock:
    签收 → (布置落实) → 反馈 → 办结, or 退回 with reason back to handling (the clock resumes).
    After a coordination opinion the office may move it to another unit (转办): this row ends
    as `transferred` and a new row for the other unit starts its own clock (`transferred_from`).
    Exactly one row of a dispatched item is the lead (`is_lead`); a transferred row is not."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("待签收")
        HANDLING = "handling", _("办理中")
        DEPLOYED = "deployed", _("已部署")
        FED_BACK = "fed_back", _("已反馈待审核")
        CLOSED = "closed", _("已办结")
        TRANSFERRED = "transferred", _("已转办")

    # The statuses in which the unit's part is over (nothing more to do, the clock is closed).
    ENDED = (Status.CLOSED, Status.TRANSFERRED)

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="targets", verbose_name=_("交办件"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("承办单位"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("责任人"))
    is_lead = models.BooleanField(_("牵头单位"), default=False)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ASSIGNED)
    step = models.CharField(_("当前环节规则"), max_length=64, blank=True)
    # Only on a row created by a transfer of an item with a set deadline: the same number of
    # calendar days the unit it replaces had, counted from the transfer (services.coordination._target_transfer).
    deadline = models.DateField(_("本单位办理时限"), null=True, blank=True)
    transferred_from = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="+",
                                         verbose_name=_("转办自"))
    transferred_to = models.ForeignKey("efficiency.Unit", models.PROTECT, null=True, blank=True, related_name="+",
                                       verbose_name=_("转办给"))
    reports_done = models.PositiveSmallIntegerField(_("已报告次数"), default=0)
    feedback = models.TextField(_("反馈意见"), blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to="supervision/evidence/%Y/%m/", blank=True)
    evidence_name = models.CharField(_("佐证材料原文件名"), max_length=200, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    urge_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    assigned_at = models.DateTimeField(_("交办时间"))

    class Meta(Clock.Meta):
        indexes = [
            *Clock.Meta.indexes,
            # The work list's order (queries.target_list: due_at, id) read straight from an index,
            # so the first page joins 200 rows, not the whole table (bench/supervision.py):
            # one unit's list; the office's list of everything; the office's 未办结 list.
            models.Index(fields=["unit", "due_at", "id"], name="sv_target_unit_due"),
            models.Index(fields=["due_at", "id"], name="sv_target_due"),
            models.Index(fields=["due_at", "id"], name="sv_target_open_due",
                         condition=~Q(status__in=["closed", "transferred"])),
        ]
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["-is_lead", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "unit"], name="assignment_target_once_per_unit"),
        ]

    def __str__(self):
        return f"{self.assignment.number} · {self.unit}"

    def get_absolute_url(self):
        return self.assignment.get_absolute_url() + f"#target-{self.pk}"

    def supervision_order_needs_signoff(self) -> bool:
        """A hand-issued 督办单 on a leader's instruction or an emergency carries the leader's
        sign-off (R45: urged on the leader's instruction); read by efficiency.documents."""
        return self.assignment.kind in (AssignmentKind.INSTRUCTION, AssignmentKind.EMERGENCY)


class Coordination(models.Model):
    """A dispute between units about an assignment and the coordination opinion (协调意见).

    The path of 2019 意见 (九) (R43): the lead unit (牵头单位) coordinates first and records how
    (`lead_note`); what it settles ends there (已由牵头单位协调解决). Only what it truly cannot
    settle goes to the government office, never without that record (不得直接上交矛盾): the
    office gives a clear coordination opinion, or sends a preferred opinion (倾向性意见) to the
    government leader, whose decision is then the opinion. `status` is a copy of the step that
    only the services change. With (or after) the opinion the office may act on it once
    (`reassign_mode`): 转办 moves the disputing unit's part to another unit; 调整牵头 makes a
    co-unit the lead. No time limit is set (the seed sets none)."""

    class Reassign(models.TextChoices):
        TRANSFER = "transfer", _("转办给其他单位")
        LEAD = "lead", _("调整牵头单位")

    class Status(models.TextChoices):
        LEAD = "lead", _("待牵头单位协调")
        SETTLED = "settled", _("已由牵头单位协调解决")
        OFFICE = "office", _("牵头单位协调未果，待政府办公室协调")
        LEADER = "leader", _("已提出倾向性意见，报政府领导协调")
        DECIDED = "decided", _("已作出协调意见")

    status = models.CharField(_("协调阶段"), max_length=8, choices=Status.choices, default=Status.LEAD)
    lead_note = models.TextField(_("牵头单位协调情况"), blank=True)
    lead_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("牵头单位协调人"))
    lead_at = models.DateTimeField(_("牵头单位协调时间"), null=True, blank=True)
    preferred_opinion = models.TextField(_("倾向性意见"), blank=True)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("报请人"))
    referred_at = models.DateTimeField(_("报请政府领导时间"), null=True, blank=True)

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="coordinations",
                                   verbose_name=_("交办件"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name=_("提出人"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("提出单位"))
    reason = models.TextField(_("争议事由"))
    raised_at = models.DateTimeField(_("提出时间"))
    opinion = models.TextField(_("协调意见"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("协调人"))
    decided_at = models.DateTimeField(_("协调时间"), null=True, blank=True)
    reassign_mode = models.CharField(_("调整方式"), max_length=10, choices=Reassign.choices, blank=True)
    reassigned_to = models.ForeignKey("efficiency.Unit", models.PROTECT, null=True, blank=True, related_name="+",
                                      verbose_name=_("调整给"))
    reassigned_at = models.DateTimeField(_("调整时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("争议协调")
        verbose_name_plural = _("争议协调")
        ordering = ["raised_at", "id"]

    def __str__(self):
        return f"{self.assignment.number} · {self.unit}"


class PauseRequest(models.Model):
    """暂停计时申请: a receiving unit asks the office to stop its clock for one of the core's pause
    reasons (行政许可法 §45's excluded periods, or 其他 such as waiting for another authority's
    decision), with an explanation. Append-only per target; `status` is a copy of its current
    step that only services change: 待审批 → 暂停中 → 已恢复计时, or 不予批准; 已撤销 when the
    unit's part ends (feedback, transfer) before the office decided. At most one open (待审批 or
    暂停中) request per target, enforced by the database too."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("暂停中")
        REFUSED = "refused", _("不予批准")
        RESUMED = "resumed", _("已恢复计时")
        CANCELLED = "cancelled", _("已撤销")

    OPEN = (Status.PENDING, Status.APPROVED)

    target = models.ForeignKey(AssignmentTarget, models.CASCADE, related_name="pause_requests",
                               verbose_name=_("承办单位"))
    reason = models.CharField(_("暂停事由"), max_length=12, choices=PauseReason.choices)
    explanation = models.TextField(_("暂停说明"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                     verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    gone_reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("报告事由消除人"))
    gone_reported_at = models.DateTimeField(_("事由消除报告时间"), null=True, blank=True)
    gone_note = models.TextField(_("事由消除说明"), blank=True)
    resumed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("恢复计时人"))
    resumed_at = models.DateTimeField(_("恢复计时时间"), null=True, blank=True)
    credit = models.PositiveIntegerField(_("不计入时限"), null=True, blank=True,
                                         help_text=_("恢复时核减的暂停时长"))
    credit_unit = models.CharField(_("核减单位"), max_length=2, choices=LimitUnit.choices, blank=True)

    class Meta:
        verbose_name = _("暂停计时申请")
        verbose_name_plural = _("暂停计时申请")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["target"], condition=Q(status__in=["pending", "approved"]),
                                    name="one_open_pause_request_per_target"),
        ]

    def __str__(self):
        return f"{self.target} · {self.get_reason_display()}"

    def get_absolute_url(self):
        return self.target.get_absolute_url()


# --- policy documents and their year-end execution reports (R55) -----------------------------


class PolicyDocument(models.Model):
    """A document issued in the name of the government or its office (以政府及政府办公厅（室）名义出台的文件)
    and its lead drafting department (牵头起草部门, `unit`), which tracks its execution and reports
    on it to the government at each year-end (2019 (六), R55): `ExecutionReport`, one per year.
    Registered by the office; `in_force` ends the duty for later years when it is repealed."""

    class Issuer(models.TextChoices):
        GOVERNMENT = "government", _("人民政府")
        OFFICE = "office", _("政府办公厅（室）")

    number = models.CharField(_("文号"), max_length=64, unique=True)
    title = models.CharField(_("文件标题"), max_length=200)
    issuer = models.CharField(_("发文名义"), max_length=12, choices=Issuer.choices, default=Issuer.GOVERNMENT)
    issued_on = models.DateField(_("印发日期"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("牵头起草部门"))
    in_force = models.BooleanField(_("现行有效"), default=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                      verbose_name=_("登记人"))
    registered_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("政府文件")
        verbose_name_plural = _("政府文件")
        ordering = ["-issued_on", "-id"]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("supervision:policy", args=[self.pk])


class ExecutionReport(Clock):
    """年度政策执行情况报告: the lead drafting department's year-end report to its government on one
    document — the execution (具体情况), the problems (存在问题) and the proposed measures (解决的
    措施建议), all three required (2019 (六), R55). The row is the duty: opened for every document
    in force in the year (on registration, and on 1 January by the beat task
    `supervision.execution_reports_open`), its clock due at the end of 31 December (moved to the
    next working day when that is a holiday, 民法典 §203); `filed_at` set by `execution_report_file`."""

    document = models.ForeignKey(PolicyDocument, models.CASCADE, related_name="reports", verbose_name=_("政府文件"))
    year = models.PositiveIntegerField(_("年度"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("牵头起草部门"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("责任人"))
    execution = models.TextField(_("政策执行的具体情况"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    measures = models.TextField(_("解决的措施建议"), blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("报告人"))
    filed_at = models.DateTimeField(_("报告时间"), null=True, blank=True)

    class Meta(Clock.Meta):
        verbose_name = _("年度政策执行情况报告")
        verbose_name_plural = _("年度政策执行情况报告")
        ordering = ["-year", "document"]
        constraints = [
            models.UniqueConstraint(fields=["document", "year"], name="execution_report_once_per_year"),
        ]

    def __str__(self):
        return f"{self.document.number} · {self.year}"

    def get_absolute_url(self):
        return self.document.get_absolute_url() + f"#report-{self.pk}"


# --- consultation of units (征求意见/会商, R57) ------------------------------------------------


class Consultation(models.Model):
    """征求意见: the unit drafting the answer to an assignment (its lead unit, or the office) asks
    other units for their opinion on a draft (2019 (四), R57). Each consulted unit's opinion is
    signed by its principal (主要负责同志) before it is returned (`ConsultationOpinion.signed_by`);
    once the initiator moves it to the final decision stage (最后决定阶段) a unit raises no new
    objection unless it is a new opinion of principle, with its reason. `stage` is a copy of the
    step that only the services change."""

    class Stage(models.TextChoices):
        CONSULTING = "consulting", _("征求意见中")
        FINAL = "final", _("最后决定阶段")
        DECIDED = "decided", _("已决定")

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="consultations", verbose_name=_("交办件"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("征求意见单位"))
    subject = models.CharField(_("征求意见事项"), max_length=200)
    draft = models.TextField(_("征求意见稿"))
    units = models.ManyToManyField("efficiency.Unit", related_name="+", verbose_name=_("被征询单位"))
    stage = models.CharField(_("阶段"), max_length=10, choices=Stage.choices, default=Stage.CONSULTING)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name=_("发起人"))
    opened_at = models.DateTimeField(_("发起时间"))
    final_at = models.DateTimeField(_("进入最后决定阶段时间"), null=True, blank=True)
    decision = models.TextField(_("决定"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("决定人"))
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")
        ordering = ["opened_at", "id"]

    def __str__(self):
        return f"{self.assignment.number} · {self.subject}"

    def get_absolute_url(self):
        return reverse("supervision:consultation", args=[self.assignment_id, self.pk])


class ConsultationOpinion(models.Model):
    """A consulted unit's returned opinion, signed by its principal (R57). One per unit and stage:
    the opinion of the consultation stage, and at most one at the final stage — which can only be
    a new opinion of principle (新的原则性意见) with its reason. Append-only."""

    class Stance(models.TextChoices):
        AGREE = "agree", _("同意")
        AMEND = "amend", _("原则同意，提出修改意见")
        OBJECT = "object", _("不同意（提出异议）")

    consultation = models.ForeignKey(Consultation, models.CASCADE, related_name="opinions",
                                     verbose_name=_("征求意见"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("被征询单位"))
    stage = models.CharField(_("阶段"), max_length=10, choices=Consultation.Stage.choices)
    stance = models.CharField(_("意见"), max_length=8, choices=Stance.choices)
    text = models.TextField(_("意见内容"))
    new_principle = models.BooleanField(_("新的原则性意见"), default=False)
    principle_reason = models.TextField(_("新的原则性意见的理由"), blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name=_("签字的主要负责同志"))
    signed_at = models.DateTimeField(_("签字反馈时间"))

    class Meta:
        verbose_name = _("反馈意见")
        verbose_name_plural = _("反馈意见")
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "unit", "stage"], name="consultation_opinion_once"),
        ]

    def __str__(self):
        return f"{self.consultation} · {self.unit}"


# --- internal procedures and standards, open among departments (R59) ---------------------------


class InternalProcedure(models.Model):
    """内部运转流程和标准: a unit's internal procedure or standard, open to every government
    department (2019 (十二), R59: 不在公共服务范围内的，内部运转流程和标准要在政府部门间公开).
    Published by the unit's head; every staff account of every unit reads the list."""

    class Kind(models.TextChoices):
        PROCEDURE = "procedure", _("内部运转流程")
        STANDARD = "standard", _("工作标准")

    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("单位"))
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=200)
    body = models.TextField(_("内容"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                     verbose_name=_("发布人"))
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        verbose_name = _("内部运转流程和标准")
        verbose_name_plural = _("内部运转流程和标准")
        ordering = ["unit__code", "kind", "-published_at"]

    def __str__(self):
        return self.title


# --- key investment projects and their service teams (R51) -----------------------------------


class KeyProject(models.Model):
    """重点投资项目 (R51, 2014 二(二)一): "每个重点项目都要成立由处级干部牵头和有关部门参加的专门服务
    小组 … 全程代办、一包到底". Registered together with its `ServiceTeam` by
    `services.project_register`, so no project is without a team. `unit` is the team leader's
    unit; the team's member units see the project through sharing. `status` is a copy that only
    the services change: 代办中 until every procedure is done and the team closes it (一包到底)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("代办中")
        DONE = "done", _("代办完结")

    number = models.CharField(_("项目编号"), max_length=32, unique=True)
    name = models.CharField(_("项目名称"), max_length=200)
    enterprise = models.CharField(_("投资企业"), max_length=200)
    enterprise_contact = models.CharField(_("企业联系人及电话"), max_length=100)
    investment = models.DecimalField(_("总投资（万元）"), max_digits=14, decimal_places=2)
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("牵头单位"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    registered_at = models.DateTimeField(_("登记时间"))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                      verbose_name=_("登记人"))
    finished_at = models.DateTimeField(_("完结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("重点投资项目")
        verbose_name_plural = _("重点投资项目")
        ordering = ["-registered_at", "-id"]

    def __str__(self):
        return f"{self.number} {self.name}"

    def get_absolute_url(self):
        return reverse("supervision:project", args=[self.pk])


class ServiceTeam(models.Model):
    """代办服务组: one per key project, led by a 处级 cadre (`leader_rank`, the leader's rank when
    the team was formed, must be 副处级 or above) with the units concerned (`units`)."""

    project = models.OneToOneField(KeyProject, models.CASCADE, related_name="team", verbose_name=_("重点投资项目"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                               verbose_name=_("组长（牵头干部）"))
    leader_rank = models.PositiveSmallIntegerField(_("组长职级"), choices=Rank.choices)
    units = models.ManyToManyField("efficiency.Unit", related_name="+", verbose_name=_("成员单位"))
    formed_at = models.DateTimeField(_("组建时间"))

    class Meta:
        verbose_name = _("代办服务组")
        verbose_name_plural = _("代办服务组")
        constraints = [
            models.CheckConstraint(condition=Q(leader_rank__gte=DIVISION_LEVEL), name="service_team_leader_division_level"),
        ]

    def __str__(self):
        return f"{self.project.name} · {_('代办服务组')}"


class ProjectProcedure(Clock):
    """代办事项: one procedure the team handles for the enterprise (征地拆迁, 手续证件办理 …), from
    start to finish, on its clock: the deadline set for it, else the local default rule
    `project.procedure`. On completion the handler records whether the enterprise stayed out of
    it (两个"零接触": the project's land not in contact with the public, its approvals not in
    contact with the departments); a breach is recorded with the reason and counted."""

    class Kind(models.TextChoices):
        LAND = "land", _("征地拆迁")
        PERMIT = "permit", _("手续证件办理")
        OTHER = "other", _("其他事务")

    class Status(models.TextChoices):
        OPEN = "open", _("代办中")
        DONE = "done", _("已办结")

    project = models.ForeignKey(KeyProject, models.CASCADE, related_name="procedures", verbose_name=_("重点投资项目"))
    kind = models.CharField(_("类别"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("代办事项"), max_length=200)
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("办理单位"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("代办人"))
    deadline = models.DateField(_("办理时限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    result = models.TextField(_("办理结果"), blank=True)
    zero_contact = models.BooleanField(_("零接触"), null=True, blank=True)
    contact_note = models.TextField(_("企业接触情况说明"), blank=True)
    created_at = models.DateTimeField(_("登记时间"))

    class Meta(Clock.Meta):
        verbose_name = _("代办事项")
        verbose_name_plural = _("代办事项")
        ordering = ["project", "id"]

    def __str__(self):
        return f"{self.project.name} · {self.title}"

    def get_absolute_url(self):
        return self.project.get_absolute_url() + f"#procedure-{self.pk}"


# --- county hard problems (R62) ------------------------------------------------------------------


class HardProblem(models.Model):
    """县区难题 (R62, 2014 二(三)): "一个难题一个方案、一名领导、一套班子，列出事项进度表，明确完成
    时限、工作要求和各方面的责任". One plan (`plan`), one responsible leader (`leader`), one team
    (the lead `unit` and its member `team_units`), and a schedule of `ProblemMilestone`s, each with
    its deadline (a working day), requirements and responsible unit and person — all required by
    `services.problem_create`. `status` changes only through the services."""

    class Status(models.TextChoices):
        OPEN = "open", _("破解中")
        SOLVED = "solved", _("已破解")

    number = models.CharField(_("编号"), max_length=32, unique=True)
    title = models.CharField(_("难题"), max_length=200)
    description = models.TextField(_("难题情况"))
    region = models.ForeignKey("efficiency.Region", models.PROTECT, related_name="+", verbose_name=_("县区"))
    plan = models.TextField(_("破解方案"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                               verbose_name=_("责任领导"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("牵头单位"))
    team_units = models.ManyToManyField("efficiency.Unit", related_name="+", blank=True,
                                        verbose_name=_("工作班子成员单位"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("登记时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("登记人"))
    solved_at = models.DateTimeField(_("破解时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("县区难题")
        verbose_name_plural = _("县区难题")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("supervision:problem", args=[self.pk])


class ProblemMilestone(Clock):
    """One row of a hard problem's schedule (事项进度表): deadline, requirements, responsible unit
    and person; its clock runs to the end of the deadline day, so the sweep and ladder apply."""

    class Status(models.TextChoices):
        OPEN = "open", _("推进中")
        DONE = "done", _("已完成")

    problem = models.ForeignKey(HardProblem, models.CASCADE, related_name="milestones", verbose_name=_("难题"))
    title = models.CharField(_("事项"), max_length=200)
    deadline = models.DateField(_("完成时限"))
    requirements = models.TextField(_("工作要求"))
    unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("责任单位"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("责任人"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    result = models.TextField(_("完成情况"), blank=True)

    class Meta(Clock.Meta):
        verbose_name = _("难题进度事项")
        verbose_name_plural = _("难题进度事项")
        ordering = ["problem", "deadline", "id"]

    def __str__(self):
        return f"{self.problem.title} · {self.title}"

    def get_absolute_url(self):
        return self.problem.get_absolute_url() + f"#milestone-{self.pk}"


# --- guardian direct permission tables (co-units see shared items) --------------------------


class AssignmentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Assignment, models.CASCADE)


class AssignmentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Assignment, models.CASCADE)


class KeyTaskGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(KeyTask, models.CASCADE)


class KeyTaskUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(KeyTask, models.CASCADE)


class KeyProjectGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(KeyProject, models.CASCADE)


class KeyProjectUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(KeyProject, models.CASCADE)


class HardProblemGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(HardProblem, models.CASCADE)


class HardProblemUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(HardProblem, models.CASCADE)
