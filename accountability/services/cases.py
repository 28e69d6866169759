"""Accountability cases (问责, R27–R29): proposed (by hand or from another app's event), investigated,
the person's statement (陈述申辩) on its own clock, decided with the exemption for honest mistakes
(容错纠错, 三个区分开来), appealed once."""

from __future__ import annotations

import json
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efficiency import clocks
from efficiency.audit import audit_record
from efficiency.documents import issue_document
from efficiency.events import event_emit
from efficiency.models import Role, Unit, User
from efficiency.permissions import has_role, refuse, require_role

from .. import rules
from ..models import (
    PERSONNEL_MEASURES, AccountabilityCase, CaseStatement, DecidingBody, ExemptionCondition, ExemptionGround, Measure,
    MeasureAuthority,
)


# --- accountability cases ------------------------------------------------------------------------


CASE_OFFICERS = (Role.OFFICE, Role.LEADER)
DECISION_DOCUMENT = "accountability_decision"  # 问责决定书 (accountability/documents.py)
CASE_OFFICERS_ONLY = gettext_lazy("只有效能办可以办理问责案件。")


def _case_number(case: AccountabilityCase) -> str:
    return f"WZ{timezone.localdate():%Y}{case.pk:06d}"


# `_case_number` in SQL, over the new row's `id` (the year filled in as a number).
_CASE_NUMBER_SQL = "'WZ%d' || CASE WHEN id >= 1000000 THEN id::text ELSE lpad(id::text, 6, '0') END"


# Why an automatic proposal names no person (R46), by source: the item it came from had no handler.
NO_PERSON = {
    AccountabilityCase.Source.COMPLAINT: gettext_lazy("投诉针对单位，投诉人未指明具体工作人员；责任人待调查认定。"),
    AccountabilityCase.Source.FINDING: gettext_lazy("督查发现的问题未登记具体责任人；责任人待调查认定。"),
}
NO_PERSON_DEFAULT = gettext_lazy("来源事项未指定经办人（单位层面的问题）；责任人待调查认定。")
NO_HEAD = gettext_lazy("责任单位未登记单位负责人；直接领导责任人待调查认定。")
HEAD_IS_PERSON = gettext_lazy("责任人即单位负责人，其直接领导责任人（本级政府分管领导）待调查认定。")


def _unit_head(unit: Unit) -> User | None:
    return User.objects.filter(unit=unit, role=Role.HEAD, is_active=True).order_by("pk").first()


def _r46_people(source: str, person_id: int | None, head_id: int | None) -> dict:
    """R46 by id: the item's handler as the person at fault, the unit's head as the directly
    responsible leader (2008b 四(二) 当事人和直接领导责任人), and for each one missing, why."""
    leader_id = head_id if head_id is not None and head_id != person_id else None
    return {
        "person_id": person_id,
        "person_missing_reason": "" if person_id else str(NO_PERSON.get(source, NO_PERSON_DEFAULT)),
        "leader_id": leader_id,
        "leader_missing_reason": "" if leader_id else str(HEAD_IS_PERSON if head_id is not None else NO_HEAD),
    }


def responsible_persons(*, unit: Unit, person: User | None, source: str) -> dict:
    """R46 for a proposal nobody named people for (`_r46_people`, with the objects)."""
    head = _unit_head(unit)
    people = _r46_people(source, person.pk if person else None, head.pk if head else None)
    return {"person": person, "person_missing_reason": people["person_missing_reason"],
            "leader": head if people["leader_id"] else None, "leader_missing_reason": people["leader_missing_reason"]}


def _responsible_errors(unit: Unit, *, person, person_missing_reason: str, leader, leader_missing_reason: str) -> dict:
    """R46: a case names the person at fault and the directly responsible leader, or says why not."""
    errors = {}
    if person is None and not (person_missing_reason or "").strip():
        errors["person"] = _("请指明责任人（当事人），或说明不能指明的原因。")
    if person is not None and person.unit_id != unit.pk:
        errors["person"] = _("责任人须是责任单位的工作人员。")
    if leader is None and not (leader_missing_reason or "").strip():
        errors["leader"] = _("请指明直接领导责任人，或说明不能指明的原因。")
    if leader is not None and person is not None and leader.pk == person.pk:
        errors["leader"] = _("直接领导责任人不能与责任人是同一人。")
    return errors


def case_propose(*, actor=None, source: str, unit: Unit, person: User | None = None, reason: str,
                 subject_type: str = "", subject_id: int | None = None, person_missing_reason: str = "",
                 leader: User | None = None, leader_missing_reason: str = "") -> AccountabilityCase:
    """Open a proposed case; one per (source item, source) — a repeat returns the first. With no
    people named, R46's are filled from the unit (`responsible_persons`)."""
    if source not in AccountabilityCase.Source.values:
        raise ValidationError({"source": _("未知的问责来源。")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写问责事由。")})
    if subject_id is not None:
        found = AccountabilityCase.objects.filter(subject_type=subject_type, subject_id=subject_id, source=source).first()
        if found:
            return found
    people = responsible_persons(unit=unit, person=person, source=source)
    if leader is not None or (leader_missing_reason or "").strip():
        people.update(leader=leader, leader_missing_reason="" if leader else leader_missing_reason.strip())
    if person is None and source == AccountabilityCase.Source.MANUAL:
        people["person_missing_reason"] = (person_missing_reason or "").strip()
    # An automatic proposal (the sweep's batch, another app's service) always carries its reasons
    # and is never refused for its people; the office names them in the investigation.
    errors = _responsible_errors(unit, **people) if source == AccountabilityCase.Source.MANUAL else {}
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            case = AccountabilityCase.objects.create(
                number=f"tmp-{secrets.token_hex(8)}", source=source, unit=unit, reason=reason.strip(),
                subject_type=subject_type, subject_id=subject_id, **people)
            case.number = _case_number(case)
            case.save(update_fields=["number"])
    except IntegrityError:
        return AccountabilityCase.objects.get(subject_type=subject_type, subject_id=subject_id, source=source)
    event_emit("cases.opened", subject=case, actor=actor, unit=unit, recipients=["office", "leader"],
               message=_("问责建议：%(r)s") % {"r": case.reason}, payload={"source": source})
    audit_record("create", actor=actor, obj=case, summary=f"问责建议 {case.number}")
    return case


def cases_propose(entries: list[dict]) -> list[int]:
    """`case_propose` for a batch (a sweep batch's `accountability.propose` events) in a constant
    number of statements: one read of the cases already proposed for these sources, one INSERT
    of the new cases numbered in the same statement (`efficiency.bulk.values_insert`: column arrays,
    no case instance built), their `cases.opened` events in one INSERT and
    their audit rows in one more. Each entry holds `case_propose`'s arguments with `unit_id` and
    `person_id` instead of objects. A source item already proposed (now or by a concurrent
    worker: the unique constraint) opens nothing new; returns the ids of the cases opened."""
    from efficiency.audit import audit_records
    from efficiency.bulk import values_insert
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
    # R46 as `responsible_persons`, for the whole batch: the units' heads in one read.
    heads: dict[int, int] = {}
    for unit_id, head_id in (User.objects.filter(unit_id__in={e["unit_id"] for e in wanted.values()},
                                                 role=Role.HEAD, is_active=True)
                             .order_by("-pk").values_list("unit_id", "pk")):
        heads[unit_id] = head_id  # the lowest pk wins, as in `_unit_head`

    rows = [dict(source=e["source"], unit_id=e["unit_id"], reason=e["reason"].strip(),
                 subject_type=e.get("subject_type", ""), subject_id=e.get("subject_id"),
                 **_r46_people(e["source"], e.get("person_id"), heads.get(e["unit_id"])))
            for e in wanted.values()]
    try:
        with transaction.atomic():
            # One INSERT of column arrays, no case instance built, numbered in the same statement
            # from the key it draws (`_case_number`).
            keys = values_insert(AccountabilityCase, rows,
                                 computed={"number": _CASE_NUMBER_SQL % timezone.localdate().year})
    except IntegrityError:
        # A concurrent worker proposed some of them meanwhile: one at a time, each idempotent.
        units = Unit.objects.in_bulk({e["unit_id"] for e in wanted.values()})
        people = User.objects.in_bulk({e["person_id"] for e in wanted.values() if e.get("person_id")})
        return [case_propose(source=e["source"], unit=units[e["unit_id"]], person=people.get(e.get("person_id")),
                             actor=e.get("actor"), reason=e["reason"], subject_type=e.get("subject_type", ""),
                             subject_id=e.get("subject_id")).pk for e in wanted.values()]
    opened = _("问责建议：%(r)s")
    label = AccountabilityCase._meta.label_lower
    actors = [e.get("actor") for e in wanted.values()]
    events_emit([dict(kind="cases.opened", subject=_CaseRef(pk), actor=actor, unit=row["unit_id"],
                      recipients=["office", "leader"], message=opened % {"r": row["reason"]},
                      payload={"source": row["source"]})
                 for (pk, _number), row, actor in zip(keys, rows, actors)])
    audit_records([dict(action="create", actor=actor, object_type=label, object_id=str(pk), summary=f"问责建议 {number}")
                   for (pk, number), actor in zip(keys, actors)])
    return [pk for pk, _number in keys]


class _CaseRef:
    """A case just inserted, known by its key: what its event needs (`efficiency.events`)."""

    _meta = AccountabilityCase._meta

    def __init__(self, pk: int):
        self.pk = pk


# The proposals of a batch of events, read in SQL from the event rows as `on_propose` did in
# Python: the unit (the payload's, else the event's) must exist; the person named must exist;
# the source is the payload's when it is a case source (a finding otherwise, manual when
# absent); the reason the payload's, else the event's message, else "问责建议". The first event
# per (source item, source) counts, and an item already proposed for that source opens nothing.
_PROPOSALS = """
    acc_e AS (
        SELECT e.id AS event_id, e.subject_type, e.subject_id, e.actor_id,
               COALESCE(NULLIF(e.payload->>'unit_id', '')::bigint, e.unit_id) AS unit_id,
               NULLIF(e.payload->>'person_id', '')::bigint AS person_id,
               CASE WHEN NULLIF(e.payload->>'source', '') IS NULL THEN %(manual)s
                    WHEN e.payload->>'source' = ANY(%(sources)s) THEN e.payload->>'source'
                    ELSE %(finding)s END AS source,
               COALESCE(NULLIF(btrim(e.payload->>'reason', E' \t\r\n'), ''), NULLIF(btrim(e.message, E' \t\r\n'), ''),
                        %(default_reason)s) AS reason
        FROM {source} AS e WHERE {which}),
    acc_heads AS (  -- R46: each unit's head, the lowest key, read once per unit
        SELECT DISTINCT ON (h.unit_id) h.unit_id, h.id FROM efficiency_user AS h
        WHERE h.unit_id IN (SELECT unit_id FROM acc_e) AND h.role = %(head)s AND h.is_active ORDER BY h.unit_id, h.id),
    acc_p AS MATERIALIZED (
        SELECT e.event_id, e.subject_type, e.subject_id, e.actor_id, e.unit_id, e.source, e.reason,
               person.id AS person_id, heads.id AS head_id,
               row_number() OVER (PARTITION BY e.subject_type, e.subject_id, e.source ORDER BY e.event_id) AS nth
        FROM acc_e AS e JOIN efficiency_unit AS u ON u.id = e.unit_id
        LEFT JOIN efficiency_user AS person ON person.id = e.person_id
        LEFT JOIN acc_heads AS heads ON heads.unit_id = e.unit_id),
    -- The few proposals made by someone (a sweep's have no actor), for their cases' events and
    -- audit rows: joined to the cases inserted, not the whole batch (a join of two CTEs is a
    -- nested loop).
    acc_actors AS MATERIALIZED (
        SELECT p.subject_type, p.subject_id, p.source, p.actor_id FROM acc_p AS p
        WHERE p.nth = 1 AND p.actor_id IS NOT NULL),
    acc_ins AS ({insert}),
    acc_c AS (
        SELECT ins.id, ins.number, ins.unit_id, ins.reason, ins.source, actors.actor_id
        FROM acc_ins AS ins LEFT JOIN acc_actors AS actors
             ON actors.subject_type = ins.subject_type AND actors.subject_id = ins.subject_id
                AND actors.source = ins.source)"""


def cases_propose_events(event_ids: list[int]) -> list[int]:
    """`cases_propose` for a batch of `accountability.propose` events (or of a kind that implies
    it, `EventKind.implies`), answered in SQL from the event rows, none read into Python: one
    statement (`cases_propose_sql`'s CTEs over the events by their ids). Returns the ids of the
    cases opened."""
    from django.db import connection

    from efficiency.events import dispatch_written, request_fan_out

    if not event_ids:
        return []
    ctes, params, handlers = _proposals_ctes("efficiency_event", "e.id = ANY(%(which)s)", list(event_ids))
    with connection.cursor() as cur:
        cur.execute(f"""WITH {', '.join(ctes)}
                        SELECT ARRAY(SELECT id FROM acc_c ORDER BY id), ARRAY(SELECT id FROM acc_ev ORDER BY id),
                               EXISTS (SELECT 1 FROM acc_ev WHERE NOT fanned_out)""", params)
        ids, event_ids, fan_out = cur.fetchone()
    if handlers and event_ids:
        from efficiency.models import Event

        dispatch_written(Event.objects.filter(pk__in=event_ids).order_by("pk"), handlers)
    if fan_out:
        transaction.on_commit(request_fan_out)
    return ids


def cases_propose_sql(source: str, kinds: list[str]):
    """`on_propose`'s SQL form (`registry.subscribe(…, sql=…)`): the proposals of the events of
    `kinds` in the CTE `source` of another's statement (超时默认's batch: its claim, events,
    cases and audit rows in one statement) as more CTEs of it — the cases opened (unit, person
    and the unit's head found by joins, R46's people and reasons, the number drawn in the same
    statement; an item already proposed — now, or by a concurrent worker: the unique
    constraint — opens nothing), their `cases.opened` events, what those events' subscribers
    with an SQL form do, and their audit rows. None (called as a handler after the statement)
    when a subscriber of `cases.opened` has no SQL form. The `cases.opened` rows wait for the
    fan-out the statement's own events ask for, or the beat's."""
    ctes, params, handlers = _proposals_ctes(source, "e.kind = ANY(%(which)s::text[])", list(kinds))
    return None if handlers else (ctes, params)


def _proposals_ctes(source: str, which: str, which_value) -> tuple[list[str], list, dict]:
    """The CTEs (`acc_…`) opening the cases of the proposal events of `source` matching `which`
    (over `e`, its value `%(which)s`), their events, their subscribers' and their audit rows:
    the CTEs, their positional parameters, the subscribers of `cases.opened` to call after."""
    from efficiency.audit import audit_records_select_sql
    from efficiency.bulk import insert_select_sql
    from efficiency.events import events_insert_select_sql, subscriber_ctes

    Source = AccountabilityCase.Source
    no_person = {str(source): str(text) for source, text in NO_PERSON.items()}
    insert, insert_params = insert_select_sql(AccountabilityCase, {
        "source": "p.source", "unit_id": "p.unit_id", "reason": "p.reason", "subject_type": "p.subject_type",
        "subject_id": "p.subject_id", "person_id": "p.person_id",
        "person_missing_reason": "CASE WHEN p.person_id IS NOT NULL THEN '' ELSE COALESCE(%s::jsonb->>p.source, %s) END",
        "leader_id": "CASE WHEN p.head_id <> COALESCE(p.person_id, 0) THEN p.head_id END",
        "leader_missing_reason": "CASE WHEN p.head_id <> COALESCE(p.person_id, 0) THEN '' "
                                 "WHEN p.head_id IS NOT NULL THEN %s ELSE %s END",
    }, """FROM acc_p AS p WHERE p.nth = 1 AND NOT EXISTS (
              SELECT 1 FROM accountability_accountabilitycase AS c
              WHERE c.subject_type = p.subject_type AND c.subject_id = p.subject_id AND c.source = p.source)
          ORDER BY p.event_id""",
        [json.dumps(no_person, ensure_ascii=False), str(NO_PERSON_DEFAULT), str(HEAD_IS_PERSON), str(NO_HEAD)],
        computed={"number": _CASE_NUMBER_SQL % timezone.localdate().year},
        conflict="ON CONFLICT (subject_type, subject_id, source) WHERE subject_id IS NOT NULL DO NOTHING",
        returning=("number", "unit_id", "reason", "source", "subject_type", "subject_id"))
    # The named parameters (the proposals) and the INSERT's positional ones, as one list in the
    # order of the placeholders.
    named = {"manual": Source.MANUAL, "sources": list(Source.values), "finding": Source.FINDING,
             "default_reason": _("问责建议"), "which": which_value, "head": Role.HEAD}
    sql, params = _positional(_PROPOSALS.replace("{source}", source).replace("{which}", which), named,
                              insert, insert_params)
    opened = _("问责建议：%(r)s").replace("%", "%%").replace("%%(r)s", "%1$s")
    ev_sql, ev_params = events_insert_select_sql(
        "cases.opened", "FROM acc_c AS c CROSS JOIN (SELECT %s::text AS opened) AS t ORDER BY c.id", [opened],
        subject_type=AccountabilityCase._meta.label_lower, subject_id="c.id", unit_id="c.unit_id",
        actor_id="c.actor_id", message="format(t.opened, c.reason)", payload="jsonb_build_object('source', c.source)",
        recipients="""'["office", "leader"]'::jsonb""")
    sub_ctes, sub_params, handlers = subscriber_ctes(["cases.opened"], "acc_ev", "acc_sub")
    au_sql, au_params = audit_records_select_sql(
        "create", "FROM acc_c AS c LEFT JOIN efficiency_user AS u ON u.id = c.actor_id", [],
        object_type=AccountabilityCase._meta.label_lower, object_id="c.id",
        summary="concat('问责建议 ', c.number)", actor_id="c.actor_id", actor_name="COALESCE(u.username, '')")
    return ([sql, f"acc_ev AS ({ev_sql})", *sub_ctes, f"acc_au AS ({au_sql})"],
            [*params, *ev_params, *sub_params, *au_params], handlers)


def _positional(sql: str, named: dict, insert: str, insert_params: list) -> tuple[str, list]:
    """`sql` with `%(name)s` placeholders and an `{insert}` slot holding a statement with `%s`
    ones: one statement with `%s` placeholders and its parameters in order."""
    import re

    params: list = []

    def one(match):
        params.append(named[match.group(1)])
        return "%s"

    head, tail = sql.split("{insert}")
    head = re.sub(r"%\((\w+)\)s", one, head)
    params += insert_params
    tail = re.sub(r"%\((\w+)\)s", one, tail)
    return head + insert + tail, params


def _lock_case(case) -> AccountabilityCase:
    return AccountabilityCase.objects.select_for_update().get(pk=case.pk)


def _case_require(case, *allowed) -> None:
    if case.status not in allowed:
        raise ValidationError(_("案件当前状态为“%(s)s”，不能进行此操作。") % {"s": case.get_status_display()})


@transaction.atomic
def case_open(*, actor, unit: Unit, person: User | None = None, reason: str, person_missing_reason: str = "",
              leader: User | None = None, leader_missing_reason: str = "") -> AccountabilityCase:
    """效能办 opens a case by hand and starts investigating at once (R46: names the person or says
    why not; the directly responsible leader defaults to the unit's head)."""
    require_role(actor, *CASE_OFFICERS, message=CASE_OFFICERS_ONLY)
    case = case_propose(actor=actor, source=AccountabilityCase.Source.MANUAL, unit=unit, person=person, reason=reason,
                        person_missing_reason=person_missing_reason, leader=leader,
                        leader_missing_reason=leader_missing_reason)
    return case_investigate(case=case, actor=actor)


@transaction.atomic
def case_name_persons(*, case: AccountabilityCase, actor, person: User | None, leader: User | None,
                      person_missing_reason: str = "", leader_missing_reason: str = "") -> AccountabilityCase:
    """R46: the investigation names (or corrects) the person at fault and the directly responsible
    leader, or records why it cannot."""
    require_role(actor, *CASE_OFFICERS, item=case, message=CASE_OFFICERS_ONLY)
    case = _lock_case(case)
    _case_require(case, AccountabilityCase.Status.PROPOSED, AccountabilityCase.Status.INVESTIGATING)
    people = {"person": person, "person_missing_reason": "" if person else (person_missing_reason or "").strip(),
              "leader": leader, "leader_missing_reason": "" if leader else (leader_missing_reason or "").strip()}
    errors = _responsible_errors(case.unit, **people)
    if errors:
        raise ValidationError(errors)
    case.person, case.person_missing_reason = people["person"], people["person_missing_reason"]
    case.leader, case.leader_missing_reason = people["leader"], people["leader_missing_reason"]
    case.save(update_fields=list(people))
    event_emit("cases.persons_named", subject=case, actor=actor,
               message=_("责任人：%(p)s；直接领导责任人：%(l)s") % {
                   "p": person.full_name if person else people["person_missing_reason"],
                   "l": leader.full_name if leader else people["leader_missing_reason"]})
    audit_record("update", actor=actor, obj=case, summary=f"认定责任人 {case.number}",
                 after={"person": getattr(person, "pk", None), "leader": getattr(leader, "pk", None)})
    return case


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
    return errors


def _exemption_record(*, grounds: list, ground_facts: dict, conditions: dict) -> tuple[dict, list, dict]:
    """R29 容错: the facts for each of the 三个区分开来 (which applies, and why the others do not),
    and each local condition the administrator set (本地默认, 种子未规定) answered with its facts;
    an exemption needs at least one distinction that applies and every condition met."""
    errors, facts = {}, {}
    for g in ExemptionGround:
        text = str((ground_facts or {}).get(g.value) or "").strip()
        if not text:
            errors["ground_facts"] = _("容错免责须就“三个区分开来”逐项写明事实（适用或不适用的理由）。")
        facts[g.value] = text
    if not grounds:
        errors["grounds"] = _("容错免责须选择适用“三个区分开来”的哪一项。")
    answered = []
    for cond in ExemptionCondition.objects.filter(is_active=True):
        met, text = (conditions or {}).get(cond.pk, (False, ""))
        text = (text or "").strip()
        if not text:
            errors["conditions"] = _("请就每一项容错条件写明事实。")
        elif not met:
            errors["conditions"] = _("容错条件“%(c)s”未满足，不能容错免责。") % {"c": cond.label}
        answered.append({"id": cond.pk, "label": cond.label, "met": bool(met), "facts": text})
    return facts, answered, errors


BODY_ROLES = {DecidingBody.APPOINTING: Role.LEADER, DecidingBody.OFFICE: Role.OFFICE}


def deciding_body(decision: str, measures=()) -> str:
    """Who decides (R69, 本地默认 set by the administrator in `MeasureAuthority`): for a measure
    the strongest body any chosen measure needs; a kind without a row, and every personnel
    measure, is the 任免机关's."""
    kinds = list(measures) if decision == AccountabilityCase.Decision.MEASURE else [decision]
    set_for = dict(MeasureAuthority.objects.filter(kind__in=kinds).values_list("kind", "body"))
    bodies = {DecidingBody.APPOINTING if k in PERSONNEL_MEASURES else set_for.get(k, DecidingBody.APPOINTING)
              for k in kinds}
    return DecidingBody.OFFICE if bodies == {DecidingBody.OFFICE} else DecidingBody.APPOINTING


def _deciding_body_or_refuse(actor, case: AccountabilityCase, *, decision: str, measures: list) -> str:
    body = deciding_body(decision, measures)
    if not has_role(actor, BODY_ROLES[body]):
        what = "、".join(case.measure_labels(measures)) if decision == AccountabilityCase.Decision.MEASURE \
            else str(AccountabilityCase.Decision(decision).label)
        refuse(_("“%(what)s”由%(body)s决定；效能办负责调查并提请决定，不能自行决定。") % {
            "what": what, "body": DecidingBody(body).label})
    return body


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


def _decision_record(case: AccountabilityCase, *, actor, body: str, decision: str, reason: str, grounds: list,
                     person_measures: list, head_measures: list, head: User | None, exemption: tuple) -> None:
    """The decision on the case row, with its 问责主体 (R69); grounds and their facts go with an
    exemption only, measures with a measure only."""
    is_exempt = decision == AccountabilityCase.Decision.EXEMPT
    is_measure = decision == AccountabilityCase.Decision.MEASURE
    case.status, case.decision, case.decision_reason = AccountabilityCase.Status.DECIDED, decision, reason.strip()
    case.exemption_grounds = grounds if is_exempt else []
    case.exemption_facts, case.exemption_conditions = exemption if is_exempt else ({}, [])
    case.person_measures = person_measures if is_measure else []
    case.head_measures = head_measures if is_measure else []
    case.head, case.decided_at = head, timezone.now()
    case.decided_by, case.decided_body, case.decided_unit_id = actor, body, actor.unit_id
    case.save(update_fields=["status", "decision", "decision_reason", "exemption_grounds", "exemption_facts",
                             "exemption_conditions", "person_measures", "head_measures", "head", "decided_at",
                             "decided_by", "decided_body", "decided_unit"])


def _decision_clocks_close(case: AccountabilityCase, statement_clock: CaseStatement | None, *, actor) -> None:
    if case.is_open:  # still investigating: a case put before the deciding body closed it then
        clocks.clock_close(case, actor=actor, message=_("作出处理决定"))
    if statement_clock is not None and statement_clock.is_open:
        clocks.clock_close(statement_clock, actor=actor, message=_("作出处理决定，陈述申辩期限终止"))


def _decision_announce(case: AccountabilityCase, *, actor, head: User | None, waived: bool, document) -> None:
    """Tell the person and the head (the named one, else the unit's), naming the 问责决定书, and
    audit it."""
    recipients = [f"user:{case.person_id}"] if case.person_id else []
    recipients += [f"user:{head.pk}"] if head else ["head"]
    event_emit("cases.decided", subject=case, actor=actor, recipients=recipients,
               message=_("问责案件 %(no)s 处理决定：%(d)s（问责主体：%(body)s；问责决定书 %(doc)s）") % {
                   "no": case.number, "d": case.get_decision_display(), "body": case.accountability_body,
                   "doc": document.number},
               payload={"decision": case.decision, "document_id": document.pk, "document_number": document.number, "grounds": case.exemption_grounds, "statement_waived": waived,
                        "body": case.decided_body, "decided_unit_id": case.decided_unit_id,
                        "person_measures": case.person_measures, "head_measures": case.head_measures,
                        # R47: the year-end assessment's incident register names the measures and the people.
                        "measure_labels": case.measure_labels([*case.person_measures, *case.head_measures]),
                        "person_id": case.person_id, "head_id": case.head_id})
    audit_record("decide", actor=actor, obj=case, summary=f"问责决定 {case.number}：{case.get_decision_display()}")


@transaction.atomic
def case_submit(*, case: AccountabilityCase, actor, proposal: str) -> AccountabilityCase:
    """提请决定: the office, its investigation done, puts the case and its proposal before the
    deciding body; the investigation clock stops here."""
    require_role(actor, Role.OFFICE, item=case, message=_("只有效能办可以提请决定。"))
    case = _lock_case(case)
    _case_require(case, AccountabilityCase.Status.INVESTIGATING)
    errors = {}
    if not case.facts:
        errors["facts"] = _("提请决定前须记录调查事实。")
    if not (proposal or "").strip():
        errors["proposal"] = _("请写明处理建议（拟给予的问责方式或容错、不予追责的理由）。")
    if errors:
        raise ValidationError(errors)
    case.status, case.proposal = AccountabilityCase.Status.SUBMITTED, proposal.strip()
    case.proposed_by, case.proposed_at = actor, timezone.now()
    case.save(update_fields=["status", "proposal", "proposed_by", "proposed_at"])
    clocks.clock_close(case, actor=actor, message=_("调查终结，提请决定"))
    event_emit("cases.submitted", subject=case, actor=actor, recipients=["leader"],
               message=_("问责案件 %(no)s 调查终结，效能办提请决定：%(p)s") % {"no": case.number, "p": case.proposal})
    audit_record("submit", actor=actor, obj=case, summary=f"提请决定 {case.number}")
    return case


@transaction.atomic
def case_decide(*, case: AccountabilityCase, actor, decision: str, reason: str, grounds=(), person_measures=(),
                head_measures=(), ground_facts=None, conditions=None) -> AccountabilityCase:
    """R27 部门首长问责, R28 过错责任追究, R29 容错纠错 (三个区分开来, with the facts of each and the
    local conditions), R69 问责主体: decided by the body set for the measure (normally the 任免机关)."""
    require_role(actor, *CASE_OFFICERS, item=case, message=CASE_OFFICERS_ONLY)
    case = _lock_case(case)
    _case_require(case, AccountabilityCase.Status.INVESTIGATING, AccountabilityCase.Status.SUBMITTED)
    grounds, person_measures, head_measures = list(grounds), list(person_measures), list(head_measures)
    errors = _decision_errors(case, decision=decision, reason=reason, grounds=grounds,
                              measures=person_measures + head_measures)
    if "decision" in errors or "measures" in errors:
        raise ValidationError(errors)
    body = _deciding_body_or_refuse(actor, case, decision=decision, measures=person_measures + head_measures)
    statement_clock = _statement_clock(case)
    waived = _statement_waived(case, statement_clock)
    is_measure = decision == AccountabilityCase.Decision.MEASURE
    head = _unit_head(case.unit) if is_measure and head_measures else None
    exemption = ({}, [])
    if decision == AccountabilityCase.Decision.EXEMPT:
        *exemption, exemption_errors = _exemption_record(grounds=grounds, ground_facts=ground_facts or {},
                                                         conditions=conditions or {})
        errors.update(exemption_errors)
    if is_measure:
        errors.update(_measure_errors(case, person_measures=person_measures, head_measures=head_measures, head=head,
                                      statement_clock=statement_clock, waived=waived))
    if errors:
        raise ValidationError(errors)
    _decision_record(case, actor=actor, body=body, decision=decision, reason=reason, grounds=grounds,
                     person_measures=person_measures, head_measures=head_measures, head=head,
                     exemption=tuple(exemption))
    _decision_clocks_close(case, statement_clock, actor=actor)
    doc = issue_document(kind=DECISION_DOCUMENT, item=case, actor=actor)
    _decision_announce(case, actor=actor, head=head, waived=waived, document=doc)
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
    event_emit("cases.appealed", subject=case, actor=actor, recipients=["office", "leader"], message=reason.strip())
    return case


@transaction.atomic
def case_appeal_decide(*, case: AccountabilityCase, actor, result: str) -> AccountabilityCase:
    """申诉复核, by a body other than the one that decided (not the deciding unit, not the decider)."""
    require_role(actor, *CASE_OFFICERS, item=case, message=CASE_OFFICERS_ONLY)
    case = _lock_case(case)
    _case_require(case, AccountabilityCase.Status.APPEALED)
    if actor.pk == case.decided_by_id or (case.decided_unit_id and actor.unit_id == case.decided_unit_id):
        refuse(_("申诉须由作出决定的机关（%(body)s）以外的机关复核。") % {
            "body": case.accountability_body or _("原决定机关")})
    if not (result or "").strip():
        raise ValidationError({"result": _("请写明复核结果。")})
    case.status, case.appeal_result = AccountabilityCase.Status.CLOSED, result.strip()
    case.appeal_decided_by, case.appeal_unit_id, case.appeal_decided_at = actor, actor.unit_id, timezone.now()
    case.save(update_fields=["status", "appeal_result", "appeal_decided_by", "appeal_unit", "appeal_decided_at"])
    event_emit("cases.appeal_decided", subject=case, actor=actor, message=result.strip(),
               recipients=[f"user:{u}" for u in {case.person_id, case.head_id} - {None}])
    audit_record("decide", actor=actor, obj=case, summary=f"申诉复核 {case.number}")
    return case


@transaction.atomic
def case_transfer_judicial(*, case: AccountabilityCase, actor, organ: str, transferred_on) -> AccountabilityCase:
    """R46: a case where a crime is suspected is transferred to the judicial organs (移送司法机关):
    the organ, the date and who transferred it are recorded, once."""
    require_role(actor, *CASE_OFFICERS, item=case, message=CASE_OFFICERS_ONLY)
    case = _lock_case(case)
    if case.status == AccountabilityCase.Status.DISMISSED:
        raise ValidationError(_("不予立案的案件不能移送。"))
    if case.judicial_transferred_on:
        raise ValidationError(_("本案已于 %(d)s 移送 %(o)s。") % {"d": case.judicial_transferred_on,
                                                              "o": case.judicial_organ})
    errors = {}
    if not (organ or "").strip():
        errors["organ"] = _("请填写接收移送的司法机关。")
    if transferred_on is None:
        errors["transferred_on"] = _("请填写移送日期。")
    elif transferred_on > timezone.localdate():
        errors["transferred_on"] = _("移送日期不能晚于今天。")
    if errors:
        raise ValidationError(errors)
    case.judicial_organ, case.judicial_transferred_on = organ.strip()[:128], transferred_on
    case.judicial_transferred_by = actor
    case.save(update_fields=["judicial_organ", "judicial_transferred_on", "judicial_transferred_by"])
    event_emit("cases.judicial_transfer", subject=case, actor=actor, recipients=["office", "leader"],
               message=_("涉嫌犯罪，于 %(d)s 移送 %(o)s") % {"d": transferred_on, "o": case.judicial_organ})
    audit_record("transfer", actor=actor, obj=case, summary=f"移送司法机关 {case.number}：{case.judicial_organ}")
    return case
