"""The breach ladder, written once (提示 → 黄牌 → 红牌 → 督办单 → 问责建议).

`LADDER` is the table: each rung, the `Clock` field holding the moment it is reached, and the
`clock_state` of an open clock standing on it. From it come both the Python functions the
clock services use (`rung_at`, `next_at`, `state_for`) and the SQL expressions of the sweep's
UPDATE (`rung_sql`, `next_sql`, `state_sql`), so the two cannot disagree
(tests/efficiency/test_ladder.py runs both on the same rows).

A rung is reached when its moment has come (`at <= now`): a clock due at 23:59:59 goes to 黄牌
at the first sweep after that second. Closing *at* the due second is still on time (R01, see
`Clock.is_late`), so `Clock.objects.overdue(now)` is `due_at < now`.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from .models.clock import ClockState, Rung


class Step(NamedTuple):
    rung: Rung
    field: str  # the Clock field holding the moment the rung is reached
    state: ClockState  # clock_state of an open clock on this rung

    @property
    def label(self) -> str:
        return self.rung.label


LADDER: tuple[Step, ...] = (
    Step(Rung.HINT, "warn_at", ClockState.WARNING),
    Step(Rung.YELLOW, "due_at", ClockState.OVERDUE),
    Step(Rung.RED, "red_at", ClockState.OVERDUE),
    Step(Rung.NOTICE, "notice_at", ClockState.OVERDUE),
    Step(Rung.ACCOUNTABILITY, "escalate_at", ClockState.OVERDUE),
)
BOTTOM = (Rung.NONE, ClockState.ON_TRACK)  # no rung reached yet


# --- Python -------------------------------------------------------------------------------------


def rung_at(item, now: datetime) -> int:
    """The highest rung whose moment has come at `now`."""
    for step in reversed(LADDER):
        at = getattr(item, step.field)
        if at is not None and at <= now:
            return step.rung
    return BOTTOM[0]


def next_at(item, level: int | None = None) -> datetime | None:
    """The moment of the first rung above `level` (the item's `breach_level` by default)."""
    level = item.breach_level if level is None else level
    for step in LADDER:
        if step.rung > level and (at := getattr(item, step.field)) is not None:
            return at
    return None


def state_for(level: int) -> str:
    """`clock_state` of an open clock on rung `level`."""
    for step in LADDER:
        if step.rung == level:
            return step.state
    return BOTTOM[1]


# --- SQL (PostgreSQL), for the sweep's UPDATE ----------------------------------------------------
# `t` is the clock table's alias, `now` the SQL of the sweep's moment, `level` the SQL of a rung.


def rung_sql(t: str = "t", now: str = "%(now)s") -> str:
    whens = " ".join(f"WHEN {t}.{s.field} <= {now} THEN {int(s.rung)}" for s in reversed(LADDER))
    return f"CASE {whens} ELSE {int(BOTTOM[0])} END"


def next_sql(level: str, t: str = "t") -> str:
    whens = " ".join(
        f"WHEN {int(below)} THEN COALESCE({', '.join(f'{t}.{s.field}' for s in LADDER if s.rung > below)})"
        for below in (BOTTOM[0], *(s.rung for s in LADDER[:-1]))
    )
    return f"CASE {level} {whens} END"


def state_sql(level: str) -> str:
    whens = " ".join(f"WHEN {int(s.rung)} THEN '{s.state}'" for s in LADDER)
    return f"CASE {level} {whens} ELSE '{BOTTOM[1]}' END"
