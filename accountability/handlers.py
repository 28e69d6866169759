"""How accountability hears of other apps: breach transitions and `accountability.propose` events.

Both run in the emitting transaction (the sweep's batch, or the other app's service), so a
proposal exists exactly when its cause does.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from efficiency.models import Rung, Unit, User
from efficiency.registry import items_crossing

from .models import AccountabilityCase, Complaint
from .services import case_propose


def _propose_for_items(model, transitions, rung: int) -> None:
    ids = items_crossing(transitions, rung)
    if not ids:
        return
    unit_field, owner_field = model.clock_unit_field, model.clock_owner_field
    label = model._meta.label_lower
    for item in model._default_manager.filter(pk__in=ids).select_related(unit_field, owner_field):
        unit = getattr(item, unit_field, None)
        if unit is None:
            continue
        case_propose(
            source=AccountabilityCase.Source.RED_CARD, unit=unit, person=getattr(item, owner_field, None),
            subject_type=label, subject_id=item.pk,
            reason=_("%(item)s 超过期限（%(rung)s），按规定提出问责建议") % {"item": item, "rung": Rung(rung).label},
        )


def on_any_breach(model, transitions) -> None:
    """Any app's item reaching the 问责建议 rung of its ladder (R28)."""
    if model is AccountabilityCase:
        return
    _propose_for_items(model, transitions, Rung.ACCOUNTABILITY)


def on_complaint_breach(model, transitions) -> None:
    """A unit replying late to a citizen's complaint: the red card itself opens a proposal."""
    _propose_for_items(model, transitions, Rung.RED)


def on_propose(event) -> None:
    """`accountability.propose` from another app (red card, deemed approval, finding, review step)."""
    p = event.payload or {}
    unit_id = p.get("unit_id") or event.unit_id
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        return
    person = User.objects.filter(pk=p["person_id"]).first() if p.get("person_id") else None
    source = p.get("source") or AccountabilityCase.Source.MANUAL
    if source not in AccountabilityCase.Source.values:
        source = AccountabilityCase.Source.FINDING
    case_propose(source=source, unit=unit, person=person, actor=event.actor,
                 reason=p.get("reason") or event.message or _("问责建议"),
                 subject_type=event.subject_type, subject_id=event.subject_id)


def register() -> None:
    from efficiency.registry import register_clock_model, register_formatter, subscribe, subscribe_breach

    register_clock_model(Complaint, on_breach=on_complaint_breach)
    register_clock_model(AccountabilityCase)
    subscribe_breach(on_any_breach)
    subscribe("accountability.propose", on_propose)
    register_formatter("complaints.*", _format_complaint)
    register_formatter("cases.*", _format_case)


def _format_complaint(event, subject):
    no = getattr(subject, "tracking_number", "")
    link = subject.get_absolute_url() if subject is not None else ""
    if event.recipients and all(r.startswith("phone:") for r in event.recipients):
        link = ""  # the citizen follows it on the public page; internal links mean nothing to them
    return (f"【效能投诉】{no}", event.message, link)


def _format_case(event, subject):
    link = subject.get_absolute_url() if subject is not None else ""
    return (f"【问责】{getattr(subject, 'number', '')}", event.message, link)
