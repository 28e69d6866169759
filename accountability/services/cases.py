"""Accountability cases (问责, R27–R29): proposed (by hand or from another app's event), investigated,
the person's statement (陈述申辩) on its own clock, decided with the exemption for honest mistakes
(容错纠错, 三个区分开来), appealed once."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efficiency import clocks
from efficiency.audit import audit_record
from efficiency.events import event_emit
from efficiency.models import Role, Unit, User
from efficiency.permissions import require_role

from .. import rules
from ..models import AccountabilityCase, CaseStatement, ExemptionGround, Measure


# --- accountability cases ------------------------------------------------------------------------


CASE_OFFICERS = (Role.OFFICE, Role.LEADER)
CASE_OFFICERS_ONLY = gettext_lazy("只有效能办可以办理问责案件。")


def _case_number(case: AccountabilityCase) -> str:
    return f"WZ{timezone.localdate():%Y}{case.pk:06d}"


def case_propose(*, actor=None, source: str, unit: Unit, person: User | None = None, reason: str,
                 subject_type: str = "", subject_id: int | None = None) -> AccountabilityCase:
    """Open a proposed case; one per (source item, source) — a repeat returns the first."""
    if source not in AccountabilityCase.Source.values:
        raise ValidationError({"source": _("未知的问责来源。")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写问责事由。")})
    if subject_id is not None:
        found = AccountabilityCase.objects.filter(subject_type=subject_type, subject_id=subject_id, source=source).first()
        if found:
            return found
    try:
        with transaction.atomic():
            case = AccountabilityCase.objects.create(
                number=f"tmp-{secrets.token_hex(8)}", source=source, unit=unit, person=person, reason=reason.strip(),
                subject_type=subject_type, subject_id=subject_id)
            case.number = _case_number(case)
            case.save(update_fields=["number"])
    except IntegrityError:
        return AccountabilityCase.objects.get(subject_type=subject_type, subject_id=subject_id, source=source)
    event_emit("cases.opened", subject=case, actor=actor, unit=unit, recipients=["office", "leader"],
               message=_("问责建议：%(r)s") % {"r": case.reason}, payload={"source": source})
    audit_record("create", actor=actor, obj=case, summary=f"问责建议 {case.number}")
    return case


def cases_propose(entries: list[dict]) -> list[AccountabilityCase]:
    """`case_propose` for a batch (a sweep batch's `accountability.propose` events) in a constant
    number of statements: one read of the cases already proposed for these sources, one INSERT
    of the new cases, one UPDATE numbering them, their `cases.opened` events in one INSERT and
    their audit rows in one more. Each entry holds `case_propose`'s arguments with `unit_id` and
    `person_id` instead of objects. A source item already proposed (now or by a concurrent
    worker: the unique constraint) opens nothing new; returns the cases opened."""
    from django.db import connection

    from efficiency.audit import audit_records
    from efficiency.events import events_emit

    def key(e):
        return (e.get("subject_type", ""), e.get("subject_id"), e["source"])

    for e in entries:
        if e["source"] not in AccountabilityCase.Source.values or not (e.get("reason") or "").strip():
            raise ValidationError(_("问责建议缺少来源或事由。"))
    ids = {e["subject_id"] for e in entries if e.get("subject_id") is not None}
    seen = set(AccountabilityCase.objects.filter(subject_id__in=ids, source__in={e["source"] for e in entries})
               .values_list("subject_type", "subject_id", "source")) if ids else set()
    wanted: dict[int, dict] = {}
    for i, e in enumerate(entries):  # once per source item and source, the first entry
        if e.get("subject_id") is None or key(e) not in seen:
            seen.add(key(e))
            wanted[i] = e
    if not wanted:
        return []
    cases = [AccountabilityCase(number=f"tmp-{secrets.token_hex(8)}", source=e["source"], unit_id=e["unit_id"],
                                person_id=e.get("person_id"), reason=e["reason"].strip(),
                                subject_type=e.get("subject_type", ""), subject_id=e.get("subject_id"))
             for e in wanted.values()]
    try:
        with transaction.atomic():
            AccountabilityCase.objects.bulk_create(cases)
    except IntegrityError:
        # A concurrent worker proposed some of them meanwhile: one at a time, each idempotent.
        units = Unit.objects.in_bulk({e["unit_id"] for e in wanted.values()})
        people = User.objects.in_bulk({e["person_id"] for e in wanted.values() if e.get("person_id")})
        return [case_propose(source=e["source"], unit=units[e["unit_id"]], person=people.get(e.get("person_id")),
                             actor=e.get("actor"), reason=e["reason"], subject_type=e.get("subject_type", ""),
                             subject_id=e.get("subject_id")) for e in wanted.values()]
    for case in cases:
        case.number = _case_number(case)
    with connection.cursor() as cur:
        cur.execute("""UPDATE accountability_accountabilitycase AS c SET number = v.number
                       FROM unnest(%s::bigint[], %s::text[]) AS v(id, number) WHERE c.id = v.id""",
                    [[c.pk for c in cases], [c.number for c in cases]])
    opened = _("问责建议：%(r)s")
    actors = [e.get("actor") for e in wanted.values()]
    events_emit([dict(kind="cases.opened", subject=c, actor=actor, unit=c.unit_id, recipients=["office"],
                      message=opened % {"r": c.reason}, payload={"source": c.source})
                 for c, actor in zip(cases, actors)])
    audit_records([dict(action="create", actor=actor, obj=c, summary=f"问责建议 {c.number}")
                   for c, actor in zip(cases, actors)])
    return cases


def _lock_case(case) -> AccountabilityCase:
    return AccountabilityCase.objects.select_for_update().get(pk=case.pk)


def _case_require(case, *allowed) -> None:
    if case.status not in allowed:
        raise ValidationError(_("案件当前状态为“%(s)s”，不能进行此操作。") % {"s": case.get_status_display()})


@transaction.atomic
def case_open(*, actor, unit: Unit, person: User | None = None, reason: str) -> AccountabilityCase:
    """效能办 opens a case by hand and starts investigating at once."""
    require_role(actor, *CASE_OFFICERS, message=CASE_OFFICERS_ONLY)
    if person is not None and person.unit_id != unit.pk:
        raise ValidationError({"person": _("责任人须是责任单位的工作人员。")})
    case = case_propose(actor=actor, source=AccountabilityCase.Source.MANUAL, unit=unit, person=person, reason=reason)
    return case_investigate(case=case, actor=actor)


@transaction.atomic
def case_investigate(*, case: AccountabilityCase, actor) -> AccountabilityCase:
    """立案调查, on the clock (case.investigation)."""
    require_role(actor, *CASE_OFFICERS, item=case, message=CASE_OFFICERS_ONLY)
    case = _lock_case(case)
    _case_require(case, AccountabilityCase.Status.PROPOSED)
    case.status, case.owner = AccountabilityCase.Status.INVESTIGATING, actor
    case.save(update_fields=["status", "owner"])
    clocks.clock_start(case, actor=actor, rule="case.investigation", message=_("立案调查"))
    audit_record("investigate", actor=actor, obj=case, summary=f"立案调查 {case.number}")
    return case


@transaction.atomic
def case_dismiss(*, case: AccountabilityCase, actor, reason: str) -> AccountabilityCase:
    require_role(actor, *CASE_OFFICERS, item=case, message=CASE_OFFICERS_ONLY)
    case = _lock_case(case)
    _case_require(case, AccountabilityCase.Status.PROPOSED)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("不予立案须说明理由。")})
    case.status, case.decision_reason = AccountabilityCase.Status.DISMISSED, reason.strip()
    case.save(update_fields=["status", "decision_reason"])
    event_emit("cases.dismissed", subject=case, actor=actor, message=reason.strip())
    return case


@transaction.atomic
def case_record_facts(*, case: AccountabilityCase, actor, facts: str, evidence: str = "") -> AccountabilityCase:
    require_role(actor, *CASE_OFFICERS, item=case, message=CASE_OFFICERS_ONLY)
    case = _lock_case(case)
    _case_require(case, AccountabilityCase.Status.INVESTIGATING)
    if not (facts or "").strip():
        raise ValidationError({"facts": _("请填写调查认定的事实。")})
    case.facts, case.evidence = facts.strip(), (evidence or "").strip()
    case.save(update_fields=["facts", "evidence"])
    event_emit("cases.facts", subject=case, actor=actor, message=_("记录调查事实和证据"))
    if not case.statement and not CaseStatement.objects.filter(case=case).exists():
        _statement_start(case, actor=actor)
    return case


def defendants(case: AccountabilityCase) -> list[str]:
    """Who states the defence: the person, or the unit's head for a case against the unit only."""
    return [f"user:{case.person_id}"] if case.person_id else ["head"]


def _statement_start(case: AccountabilityCase, *, actor) -> CaseStatement:
    """告知: once the facts are found, the person has case.statement (5 wd) to state a defence."""
    clock = CaseStatement.objects.create(case=case)
    clocks.clock_start(clock, actor=actor, rule=rules.rule("case.statement"), message=_("告知调查事实，陈述申辩期限起算"))
    event_emit("cases.statement_requested", subject=case, actor=actor, recipients=defendants(case),
               message=_("问责案件 %(no)s 已查明事实，请登录查看，并于 %(due)s 前提出陈述申辩；逾期未提出的，视为放弃。")
               % {"no": case.number, "due": clocks.format_due(clock.due_at)},
               payload={"due_at": clocks.iso(clock.due_at)})
    return clock


def _statement_clock(case: AccountabilityCase) -> CaseStatement | None:
    return CaseStatement.objects.select_for_update().filter(case=case).first()


@transaction.atomic
def case_record_statement(*, case: AccountabilityCase, actor, statement: str) -> AccountabilityCase:
    """陈述申辩: the person states their case (themselves, or recorded by the office)."""
    case = _lock_case(case)
    if getattr(actor, "pk", None) != case.person_id:
        require_role(actor, *CASE_OFFICERS, item=case, message=CASE_OFFICERS_ONLY)
    _case_require(case, AccountabilityCase.Status.INVESTIGATING)
    if not (statement or "").strip():
        raise ValidationError({"statement": _("请填写陈述申辩的内容。")})
    case.statement, case.statement_at = statement.strip(), timezone.now()
    case.save(update_fields=["statement", "statement_at"])
    event_emit("cases.statement", subject=case, actor=actor, message=_("听取陈述申辩"))
    clock = _statement_clock(case)
    if clock is not None and clock.is_open:  # a late statement is still heard while undecided
        clocks.clock_close(clock, actor=actor, message=_("已提出陈述申辩"))
    return case


def _statement_waived(case: AccountabilityCase, statement_clock: CaseStatement | None) -> bool:
    """Past the 陈述申辩 period with nothing said, the right has lapsed (视为放弃)."""
    return bool(statement_clock and not case.statement and statement_clock.is_open
                and statement_clock.is_late())


def _unit_head(unit: Unit) -> User | None:
    return User.objects.filter(unit=unit, role=Role.HEAD, is_active=True).order_by("pk").first()


def _decision_errors(case: AccountabilityCase, *, decision: str, reason: str, grounds: list,
                     measures: list) -> dict:
    """What any decision needs: a known kind, a reason, the facts, known grounds and measures."""
    errors = {}
    if decision not in AccountabilityCase.Decision.values:
        errors["decision"] = _("请选择处理决定。")
    if not (reason or "").strip():
        errors["reason"] = _("请写明决定理由。")
    if not case.facts:
        errors["facts"] = _("作出决定前须记录调查事实。")
    if any(g not in ExemptionGround.values for g in grounds):
        errors["grounds"] = _("容错依据不在“三个区分开来”之列。")
    if any(m not in Measure.values for m in measures):
        errors["measures"] = _("未知的问责方式。")
    if decision == AccountabilityCase.Decision.EXEMPT and not grounds:
        # R29: an exemption names which of the 三个区分开来 applies.
        errors["grounds"] = _("容错免责须选择适用“三个区分开来”的哪一项。")
    return errors


def _measure_errors(case: AccountabilityCase, *, person_measures: list, head_measures: list, head: User | None,
                    statement_clock: CaseStatement | None, waived: bool) -> dict:
    """What a measure (问责) needs besides: someone to bear it, and the person heard first."""
    errors = {}
    if not person_measures and not head_measures:
        errors["measures"] = _("请选择对责任人或单位负责人的问责方式。")
    if person_measures and case.person_id is None:
        errors["measures"] = _("本案没有具体责任人，只能对单位负责人问责。")
    if head_measures and head is None:
        errors["measures"] = _("责任单位没有登记单位负责人。")
    if not case.statement and not waived:
        errors["statement"] = (
            _("作出问责决定前须听取被问责人的陈述申辩。") if statement_clock is None
            else _("作出问责决定前须听取被问责人的陈述申辩（期限至 %(due)s，逾期未提出的视为放弃）。")
            % {"due": clocks.format_due(statement_clock.due_at)})
    return errors


def _decision_record(case: AccountabilityCase, *, decision: str, reason: str, grounds: list, person_measures: list,
                     head_measures: list, head: User | None) -> None:
    """The decision on the case row; grounds go with an exemption only, measures with a measure only."""
    is_exempt = decision == AccountabilityCase.Decision.EXEMPT
    is_measure = decision == AccountabilityCase.Decision.MEASURE
    case.status, case.decision, case.decision_reason = AccountabilityCase.Status.DECIDED, decision, reason.strip()
    case.exemption_grounds = grounds if is_exempt else []
    case.person_measures = person_measures if is_measure else []
    case.head_measures = head_measures if is_measure else []
    case.head, case.decided_at = head, timezone.now()
    case.save(update_fields=["status", "decision", "decision_reason", "exemption_grounds", "person_measures",
                             "head_measures", "head", "decided_at"])


def _decision_clocks_close(case: AccountabilityCase, statement_clock: CaseStatement | None, *, actor) -> None:
    clocks.clock_close(case, actor=actor, message=_("作出处理决定"))
    if statement_clock is not None and statement_clock.is_open:
        clocks.clock_close(statement_clock, actor=actor, message=_("作出处理决定，陈述申辩期限终止"))


def _decision_announce(case: AccountabilityCase, *, actor, head: User | None, waived: bool) -> None:
    """Tell the person and the head (the named one, else the unit's), and audit it."""
    recipients = [f"user:{case.person_id}"] if case.person_id else []
    recipients += [f"user:{head.pk}"] if head else ["head"]
    event_emit("cases.decided", subject=case, actor=actor, recipients=recipients,
               message=_("问责案件 %(no)s 处理决定：%(d)s") % {"no": case.number, "d": case.get_decision_display()},
               payload={"decision": case.decision, "grounds": case.exemption_grounds, "statement_waived": waived,
                        "person_measures": case.person_measures, "head_measures": case.head_measures})
    audit_record("decide", actor=actor, obj=case, summary=f"问责决定 {case.number}：{case.get_decision_display()}")


@transaction.atomic
def case_decide(*, case: AccountabilityCase, actor, decision: str, reason: str, grounds=(), person_measures=(),
                head_measures=()) -> AccountabilityCase:
    """R27 部门首长问责, R28 过错责任追究, R29 容错纠错 (三个区分开来)."""
    require_role(actor, *CASE_OFFICERS, item=case, message=CASE_OFFICERS_ONLY)
    case = _lock_case(case)
    _case_require(case, AccountabilityCase.Status.INVESTIGATING)
    grounds, person_measures, head_measures = list(grounds), list(person_measures), list(head_measures)
    statement_clock = _statement_clock(case)
    waived = _statement_waived(case, statement_clock)
    is_measure = decision == AccountabilityCase.Decision.MEASURE
    head = _unit_head(case.unit) if is_measure and head_measures else None
    errors = _decision_errors(case, decision=decision, reason=reason, grounds=grounds,
                              measures=person_measures + head_measures)
    if is_measure:
        errors.update(_measure_errors(case, person_measures=person_measures, head_measures=head_measures, head=head,
                                      statement_clock=statement_clock, waived=waived))
    if errors:
        raise ValidationError(errors)
    _decision_record(case, decision=decision, reason=reason, grounds=grounds, person_measures=person_measures,
                     head_measures=head_measures, head=head)
    _decision_clocks_close(case, statement_clock, actor=actor)
    _decision_announce(case, actor=actor, head=head, waived=waived)
    return case


@transaction.atomic
def case_appeal(*, case: AccountabilityCase, actor, reason: str) -> AccountabilityCase:
    """The person (or the head, for the unit) appeals once."""
    case = _lock_case(case)
    allowed = {case.person_id, case.head_id} - {None}
    if getattr(actor, "pk", None) not in allowed:
        require_role(actor, Role.OFFICE, item=case, message=_("只有被问责人可以申诉。"))
    if case.appealed_at:
        raise ValidationError(_("每个问责决定只能申诉一次。"))
    _case_require(case, AccountabilityCase.Status.DECIDED)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请写明申诉理由。")})
    case.status, case.appeal_reason, case.appealed_at = AccountabilityCase.Status.APPEALED, reason.strip(), timezone.now()
    case.save(update_fields=["status", "appeal_reason", "appealed_at"])
    event_emit("cases.appealed", subject=case, actor=actor, recipients=["office"], message=reason.strip())
    return case


@transaction.atomic
def case_appeal_decide(*, case: AccountabilityCase, actor, result: str) -> AccountabilityCase:
    require_role(actor, *CASE_OFFICERS, item=case, message=CASE_OFFICERS_ONLY)
    case = _lock_case(case)
    _case_require(case, AccountabilityCase.Status.APPEALED)
    if not (result or "").strip():
        raise ValidationError({"result": _("请写明复核结果。")})
    case.status, case.appeal_result = AccountabilityCase.Status.CLOSED, result.strip()
    case.save(update_fields=["status", "appeal_result"])
    event_emit("cases.appeal_decided", subject=case, actor=actor, message=result.strip(),
               recipients=[f"user:{u}" for u in {case.person_id, case.head_id} - {None}])
    return case
