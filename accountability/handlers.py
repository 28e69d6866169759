"""How accountability hears of the sweep and of other apps.

Other apps' items reach it only through `accountability.propose` events (the sweep emits one when
an item crosses 问责建议; approvals and inspection emit their own), handled by `on_propose`. Its
own clocks' transitions come to the breach handlers below. Both run in the emitting transaction
(the sweep's batch, or the other app's service), so a proposal exists exactly when its cause does.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from efficiency.clocks import format_due
from efficiency.event_kinds import event_label, register_event_kinds
from efficiency.events import event_emit
from django.db.models import Q

from efficiency.models import Role, Rung
from efficiency.registry import items_crossing

from .events import KINDS
from .models import AccountabilityCase, CaseStatement, Complaint, ComplaintReview
from .services import cases_propose, cases_propose_events, cases_propose_sql, complaint_review_due_sync, defendants


def on_complaint_breach(model, transitions) -> None:
    """A unit replying late to a citizen's complaint: the red card itself opens a proposal (so
    the complaint is registered with `proposes=False`: no second one at 问责建议)."""
    ids = items_crossing(transitions, Rung.RED)
    if not ids:
        return
    cases_propose([dict(
        source=AccountabilityCase.Source.RED_CARD, unit_id=c.unit_id, person_id=c.owner_id,
        subject_type=Complaint._meta.label_lower, subject_id=c.pk,
        reason=_("%(item)s 超过期限（%(rung)s），按规定提出问责建议") % {"item": c, "rung": Rung.RED.label},
    ) for c in Complaint.objects.filter(pk__in=ids, unit__isnull=False).order_by("pk")])


def _highest_rung(transitions) -> dict[int, int]:
    reached: dict[int, int] = {}
    for t in transitions:
        reached[t.item_id] = max(reached.get(t.item_id, 0), t.level_to)
    return reached


# Who hears of the review clock's own cards (the core's `clock.breach`): the office is the one
# late, so its card is not told to the office as if it were a unit's, but to the leader above
# it — from the yellow card on, as this app told the leader before — besides the review's owner
# (who handed the complaint out, or the leader for a complaint about the office) and the head
# of the owner's unit.
REVIEW_RUNG_RECIPIENTS = {
    Rung.HINT: ["owner"],
    Rung.YELLOW: ["owner", "head", "leader"],
    Rung.RED: ["owner", "head", "leader"],
    Rung.NOTICE: ["owner", "head", "leader"],
    Rung.ACCOUNTABILITY: ["head", "leader"],
}


def on_review_breach(model, transitions) -> None:
    """The office sitting on a unit's reply (complaint.review): from the yellow card on, each
    sweep move is recorded on the complaint and told to the office — for a complaint about an
    office, the office above (the fan-out leaves out the office complained about: 回避). The
    leader hears of it through the card itself (`REVIEW_RUNG_RECIPIENTS`)."""
    reached = {pk: level for pk, level in _highest_rung(transitions).items() if level >= Rung.YELLOW}
    if not reached:
        return
    for review in ComplaintReview.objects.filter(pk__in=reached).select_related("complaint", "unit"):
        c, rung = review.complaint, Rung(reached[review.pk])
        event_emit("complaints.review_overdue", subject=c, unit=review.unit, owner_id=review.owner_id,
                   recipients=["office"],
                   message=_("投诉 %(no)s 的单位答复待审核，已过审核期限 %(due)s（%(rung)s），请尽快审核并答复投诉人。")
                   % {"no": c.tracking_number, "due": format_due(review.due_at), "rung": rung.label},
                   payload={"review_id": review.pk, "rung": int(rung)})


def on_statement_breach(model, transitions) -> None:
    """陈述申辩 (case.statement): the person — or the unit's head for a case against the unit — is
    reminded at 提示; at the due time the right has lapsed, and they and the office are told the
    office may now decide without it. The clock has no unit or owner, so these are the only
    notices."""
    reached = _highest_rung(transitions)
    for clock in CaseStatement.objects.filter(pk__in=reached).select_related("case"):
        case = clock.case
        if case.statement or case.status != AccountabilityCase.Status.INVESTIGATING:
            continue
        due = format_due(clock.due_at)
        if reached[clock.pk] >= Rung.YELLOW:
            event_emit("cases.statement_lapsed", subject=case, recipients=[*defendants(case), "office"],
                       message=_("问责案件 %(no)s 的陈述申辩期限（%(due)s）已过，未提出陈述申辩，视为放弃；效能办可依法作出处理决定。")
                       % {"no": case.number, "due": due})
        else:
            event_emit("cases.statement_due", subject=case, recipients=defendants(case),
                       message=_("问责案件 %(no)s：请于 %(due)s 前提出陈述申辩，逾期未提出的，视为放弃。")
                       % {"no": case.number, "due": due})


def on_propose(events) -> None:
    """`accountability.propose` from another app (red card, deemed approval, finding, review step),
    or a kind that implies it (`approvals.deemed_approved`): a batch subscriber — the emitting
    call's events at once, answered in SQL from their rows by their ids (`cases_propose_events`:
    one statement, no event or case built in Python). Inside a statement that writes the events
    (超时默认's, `write_with`), its SQL form `cases_propose_sql` runs instead."""
    cases_propose_events(list(events.ids))


def _own_cases_only(prefix: str = ""):
    """A clerk sees only the cases against them (as the person, or as the head named in the
    decision); the unit's head sees the unit's."""

    def narrow(user):
        if user.role != Role.CLERK:
            return None
        return Q(**{f"{prefix}person": user}) | Q(**{f"{prefix}head": user})

    return narrow


def register() -> None:
    from efficiency.permissions import register_scope_rule
    from efficiency.registry import register_clock_model, register_formatter, subscribe

    # 回避: who may see what, for every page, list, generic view and notification alike.
    register_scope_rule(Complaint, about="subject_unit")
    register_scope_rule(ComplaintReview, about="complaint__subject_unit")
    register_scope_rule(AccountabilityCase, about="unit", accused=("person", "head"), narrow=_own_cases_only())
    register_scope_rule(CaseStatement, about="case__unit", accused=("case__person", "case__head"),
                        narrow=_own_cases_only("case__"))
    register_event_kinds(KINDS)
    register_clock_model(Complaint, on_breach=on_complaint_breach, proposes=False)
    register_clock_model(AccountabilityCase, proposes=False)  # never a proposal against a case itself
    # The complaint keeps a copy of its open review's due time (its list's order, `step_due`).
    register_clock_model(ComplaintReview, on_breach=on_review_breach, rung_recipients=REVIEW_RUNG_RECIPIENTS,
                         on_change=complaint_review_due_sync)
    register_clock_model(CaseStatement, on_breach=on_statement_breach)
    subscribe("accountability.propose", on_propose, batch=True, sql=cases_propose_sql)
    register_formatter("complaints.*", _format_complaint)
    register_formatter("cases.*", _format_case)


def _format_complaint(event, subject):
    no = getattr(subject, "tracking_number", "")
    link = subject.get_absolute_url() if subject is not None else ""
    if event.recipients and all(r.startswith("phone:") for r in event.recipients):
        link = ""  # the citizen follows it on the public page; internal links mean nothing to them
    return (f"【{event_label(event)}】{_('效能投诉')} {no}", event.message, link)


def _format_case(event, subject):
    link = subject.get_absolute_url() if subject is not None else ""
    return (f"【{event_label(event)}】{_('问责案件')} {getattr(subject, 'number', '')}", event.message, link)
