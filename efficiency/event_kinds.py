"""The catalogue of event kinds: every `Event.kind` registered once, with how it reads.

Each kind has a label (a Chinese msgid through `pgettext_lazy("event", …)`, English in
locale/en; the context keeps "督办" the event apart from "督办" the button), an audience
(whom it is chiefly for) and a severity (how a timeline marks it). The core declares its own
kinds (`clock.*`) and the one kind apps send each other (`accountability.propose`, the cross-app
event API); every app declares its own in `<app>/events.py` and registers them from
`AppConfig.ready` with `register_event_kinds`, like its clock models (`efficiency.registry`).

`efficiency.events.event_emit` refuses a kind that is not registered, so a timeline, an inbox
title or an export never meets a code it cannot name. Labels are read only through
`event_label` / `kind_label`: no other module keeps a map from kinds to words.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy as _, pgettext, pgettext_lazy

from .models import Rung

log = logging.getLogger(__name__)


class Audience(models.TextChoices):
    """Whom a kind is chiefly for (recipients are still per event)."""

    STAFF = "staff", _("承办单位")  # the clerk and head of the unit that handles the item
    OFFICE = "office", _("效能办")
    LEADER = "leader", _("领导")
    CITIZEN = "citizen", _("群众和企业")  # the applicant or complainant is told
    INTERNAL = "internal", _("系统记录")  # bookkeeping that nobody is told of


class Severity(models.TextChoices):
    INFO = "info", _("一般")
    WARNING = "warning", _("提醒")
    DANGER = "danger", _("警示")


@dataclass(frozen=True)
class EventKind:
    code: str
    label: Promise | str
    audience: str = Audience.STAFF
    severity: str = Severity.INFO
    # The kinds this one also is: one row that states several facts at once (超时默认 is the
    # decision, the clock's close and a proposal for accountability), so that a batch does not
    # write four rows for one fact. The subscribers of an implied kind hear this kind's events
    # too (`efficiency.events`); a timeline shows the one row under this kind's label.
    implies: tuple[str, ...] = ()

    def __post_init__(self):
        app, dot, name = self.code.partition(".")
        if not (app and dot and name) or len(self.code) > 64:  # Event.kind is a varchar(64)
            raise ValueError(f"an event kind is '<part>.<name>' in 64 characters, not {self.code!r}")
        if self.audience not in Audience.values or self.severity not in Severity.values:
            raise ValueError(f"{self.code}: unknown audience {self.audience!r} or severity {self.severity!r}")


class UnknownEventKind(LookupError):
    """An event kind that no app registered: a typo, or a kind used before its app declares it."""


_kinds: dict[str, EventKind] = {}


def register_event_kinds(kinds: Iterable[EventKind]) -> None:
    """Add kinds to the catalogue. A kind is registered once: registering the same code with a
    different definition is a mistake (two parts naming one kind), not an override."""
    for kind in kinds:
        known = _kinds.get(kind.code)
        if known is not None and known != kind:
            raise ValueError(f"event kind {kind.code!r} is already registered as {known!r}")
        _kinds[kind.code] = kind


def event_kind(code: str) -> EventKind:
    try:
        return _kinds[code]
    except KeyError:
        raise UnknownEventKind(
            f"event kind {code!r} is not registered; declare it in its app's events.py "
            f"and register it in AppConfig.ready (efficiency.event_kinds)") from None


def implied_kinds(code: str) -> tuple[str, ...]:
    """The kinds an event of `code` also is (`EventKind.implies`), besides itself."""
    kind = _kinds.get(code)
    return kind.implies if kind else ()


def event_kinds() -> list[EventKind]:
    return sorted(_kinds.values(), key=lambda k: k.code)


def kind_label(code: str) -> str:
    """The label of a kind; a code nobody registers (an old row, a junk filter) reads as a plain
    "事件", never as the code."""
    kind = _kinds.get(code)
    if kind is None:
        log.warning("unregistered event kind %r shown", code)
        return gettext("事件")
    return str(kind.label)


def event_label(event) -> str:
    """How one event reads: its kind's label, except that a card names its rung (黄牌, or
    黄牌 → 红牌 when it climbed from one card to the next) and a late close says so."""
    if event.kind == "clock.breach" and event.level_to:
        to = Rung(event.level_to).label
        if event.level_from:
            return f"{Rung(event.level_from).label} → {to}"
        return str(to)
    if event.kind == "clock.closed" and (event.payload or {}).get("late"):
        return pgettext("event", "超期停止计时")
    return kind_label(event.kind)


def event_severity(event) -> str:
    kind = _kinds.get(event.kind)
    return kind.severity if kind else Severity.INFO


# The core's own kinds, and the proposal every part may send to accountability.
register_event_kinds([
    EventKind("clock.started", pgettext_lazy("event", "开始计时")),
    EventKind("clock.paused", pgettext_lazy("event", "暂停计时")),
    EventKind("clock.resumed", pgettext_lazy("event", "恢复计时")),
    EventKind("clock.extended", pgettext_lazy("event", "延期")),
    EventKind("clock.closed", pgettext_lazy("event", "停止计时")),
    EventKind("clock.breach", pgettext_lazy("event", "预警升级"), severity=Severity.DANGER),  # one per rung crossed (sweep)
    EventKind("clock.reminder", pgettext_lazy("event", "临期提醒"), severity=Severity.WARNING),
    EventKind("clock.rescheduled", pgettext_lazy("event", "期限调整"), severity=Severity.WARNING),
    EventKind("accountability.propose", pgettext_lazy("event", "移送问责"), Audience.OFFICE, Severity.DANGER),
    # Gaming detection (efficiency.gaming): a run's new findings of a pattern, and the office's decisions.
    EventKind("gaming.found", pgettext_lazy("event", "识别规避时限线索"), Audience.OFFICE, Severity.WARNING),
    EventKind("gaming.confirmed", pgettext_lazy("event", "确认规避时限"), Audience.OFFICE, Severity.DANGER),
    EventKind("gaming.dismissed", pgettext_lazy("event", "排除规避时限线索"), Audience.OFFICE),
])
