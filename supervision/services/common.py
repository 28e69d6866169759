"""What the supervision services share: the assignment flows (steps and rules per kind), who may act,
the input and audit helpers, and starting a target's step clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efficiency import clocks
from efficiency.audit import audit_record
from efficiency.clocks import Limit
from efficiency.models import LimitUnit
from efficiency.workdays import local_date

from ..models import AssignmentKind, AssignmentTarget, PauseRequest


K = AssignmentKind
TS = AssignmentTarget.Status
PS = PauseRequest.Status
ENDED = AssignmentTarget.ENDED


@dataclass(frozen=True)
class Flow:
    """Which seeded rules (efficiency/rules_seed.py) an assignment kind runs.

    office: the office's own step before it hands the item out; steps: the unit's steps before
    its feedback (签收 = report to the principal, then deploy); feedback: the unit's report
    rules in order (all but the last are intermediate reports); reply: the office's step after
    the unit's feedback."""

    feedback: tuple[str, ...]
    steps: tuple[str, ...] = ()
    office: str | None = None
    reply: str | None = None


FLOWS = {
    # 2019 意见（七）: reported to the principal the same day (R03), deployed within 3 wd (R04).
    K.INSTRUCTION: Flow(steps=("instruction.report", "instruction.deploy"), feedback=("decision.first_report",)),
    K.UPPER_DOC: Flow(steps=("instruction.report", "instruction.deploy"), feedback=("decision.first_report",)),
    # 2019 意见（七）: the office splits it out in 3 wd (R05); units feed back in 10 wd (R06).
    K.MEETING: Flow(office="field_research.split", feedback=("field_research.feedback",)),
    K.FIELD_RESEARCH: Flow(office="field_research.split", feedback=("field_research.feedback",)),
    # 2019 意见（六）: reported in 5 wd (R07); the office replies in 3 wd (R08).
    K.POLICY_DIFFICULTY: Flow(feedback=("policy_difficulty.report",), reply="policy_difficulty.reply"),
    # 2019 意见（十三）: interpretation within 5 wd (R09).
    K.POLICY_INTERPRETATION: Flow(feedback=("policy.interpretation",)),
    # 2019 意见（十）: first report in 1 month (R10), first month's execution in 2 months (R11).
    K.NO_DEADLINE: Flow(feedback=("decision.first_report", "decision.month_report")),
    # 2019 意见（十二）: press conference within 24 hours (R12).
    K.EMERGENCY: Flow(feedback=("emergency.press",)),
}

STEP_NAMES = {
    "instruction.report": gettext_lazy("当日报告主要负责人"),
    "instruction.deploy": gettext_lazy("布置落实"),
    "deadline": gettext_lazy("按交办时限办理反馈"),
    "decision.first_report": gettext_lazy("首次报告"),
    "decision.month_report": gettext_lazy("首月执行情况报告"),
    "field_research.feedback": gettext_lazy("反馈办理意见"),
    "policy_difficulty.report": gettext_lazy("报告政策执行困难"),
    "policy.interpretation": gettext_lazy("政策解读"),
    "emergency.press": gettext_lazy("新闻发布"),
}


OFFICE_ONLY = gettext_lazy("只有效能办可以进行此操作。")
MEMBERS_ONLY = gettext_lazy("只有承办单位的人员可以进行此操作。")


def _require(text: str | None, label: str) -> str:
    if not text or not str(text).strip():
        raise ValidationError(_("请填写%(f)s。") % {"f": label})
    return str(text).strip()


def _audit(actor, obj, summary: str) -> None:
    audit_record("update", actor=actor, obj=obj, summary=summary)


def _deadline_limit(deadline: date, *, start: datetime) -> Limit:
    days = (deadline - local_date(start)).days
    if days <= 0:
        raise ValidationError(_("时限 %(d)s 已过或就是今天，请设定今后的日期。") % {"d": deadline.isoformat()})
    return Limit(days, LimitUnit.DAYS)


def _target_start(target: AssignmentTarget, *, actor, step: str, start: datetime | None = None,
                  save: bool = True, rule=None) -> dict | None:
    """Start the target's clock for one step. A set deadline replaces the default feedback rule.
    `save=False`: set the step and clock fields on the (unsaved) target and return the
    `clock.started` event's spec, for a service that inserts its targets and writes their events
    in one statement each (`assignment_dispatch`). `rule`: the step's rule, already read."""
    item = target.assignment
    feedback = FLOWS[item.kind].feedback
    deadline = target.deadline or item.deadline  # a transferred-in unit has its own (_target_transfer)
    name = STEP_NAMES.get(step, step)
    if step in feedback and deadline is not None and len(feedback) == 1:
        target.step = "deadline"
        message = _("环节：%(s)s，时限 %(d)s") % {"s": STEP_NAMES["deadline"], "d": deadline.isoformat()}
        if item.deadline_clause:  # R56: the upper-level document's own time, with its clause
            message += _("（%(doc)s %(clause)s 规定）") % {"doc": item.source_document, "clause": item.deadline_clause}
        options = {"limit": _deadline_limit(deadline, start=start or timezone.now())}
    else:
        target.step = step
        message = _("环节：%(s)s") % {"s": name}
        options = {"rule": rule or step}
    if save:
        target.save(update_fields=["step"])
        clocks.clock_start(target, actor=actor, start=start, message=message, **options)
        return None
    clocks.clock_start(target, actor=actor, start=start, save=False, **options)
    return clocks.clock_started_event(target, actor=actor, message=message)


def next_number(model, prefix: str, *, width: int = 4) -> str:
    """The next `prefix`NNNN of `model.number`, under a row lock. The prefix's newest row has its
    highest number (numbers are given here only, in id order). Not `order_by("-number")`: after
    9999 items "JB2026-10000" sorts before "JB2026-9999", and that number would be given twice.
    The primary key read backwards stops at the first row."""
    last = (model.objects.select_for_update().filter(number__startswith=prefix)
            .order_by("-id").values_list("number", flat=True).first())
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:0{width}d}"


def workday_deadline(deadline, *, field: str, now: datetime) -> Limit:
    """A deadline set by date must be a future working day (the item is due at its end); the
    limit that makes the clock due then."""
    from efficiency.workdays import CalendarRangeError, is_workday

    if not isinstance(deadline, date):
        raise ValidationError({field: _("请填写完成时限（日期）。")})
    try:
        workday = is_workday(deadline)
    except CalendarRangeError as exc:
        raise ValidationError({field: str(exc)}) from None
    if not workday:
        raise ValidationError({field: _("完成时限 %(d)s 不是工作日，请选择工作日。") % {"d": deadline.isoformat()}})
    try:
        return _deadline_limit(deadline, start=now)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def _lock_target(target: AssignmentTarget) -> AssignmentTarget:
    return AssignmentTarget.objects.select_for_update().select_related("assignment", "unit").get(pk=target.pk)
