"""When a per-process copy of rarely-changing rows (the working-day calendar, the time-limit
rules) must be read again.

A change made in this process (a model signal, `efficiency.calendar.calendar_bump`) is seen at
once: the copy is read again on every use until the changing transaction commits, so that
transaction sees its own uncommitted rows and a rollback never leaves them behind. A change
made by another process is seen within `RECHECK_SECONDS`: a copy is trusted that long, then
checked against the database with one cheap read (docs/clock.md, "Calendar and rules cache").
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection, transaction

# How stale another process's calendar or rule change may look here. One check a second costs
# a busy process far less than one per request (issue #17: 6 of 17 intake queries read it).
RECHECK_SECONDS = 1.0
# The clock of the recheck window: a process-local monotonic clock (tests set it instead of sleeping).
monotonic = time.monotonic

_all: list[Staleness] = []


class Staleness:
    """`drop` empties the copy: after a change here that may have been rolled back."""

    def __init__(self, drop: Callable[[], None]):
        self.drop = drop
        self.checked_at = float("-inf")
        self.local_change = False
        _all.append(self)

    def due(self) -> bool:
        """True when the copy must be checked against the database before use."""
        if self.local_change:
            if not connection.in_atomic_block:
                # The changing transaction is over and did not commit (a commit clears the flag).
                self.local_change = False
                self.drop()
            return True
        return monotonic() - self.checked_at >= RECHECK_SECONDS

    def checked(self) -> None:
        self.checked_at = monotonic()

    def changed_here(self) -> None:
        self.local_change = True
        self.checked_at = float("-inf")
        transaction.on_commit(self._committed)

    def _committed(self) -> None:
        self.local_change = False
        self.checked_at = float("-inf")


def forget_uncommitted() -> None:
    """Check every copy again on next use if a change made here may have been rolled back (the
    test runner rolls each test's transaction back: a change inside it must not outlive it)."""
    for s in _all:
        if s.local_change:
            s._committed()
            s.drop()


def forget_all() -> None:
    """Empty every copy (after the tables were emptied and filled again behind the ORM's back)."""
    for s in _all:
        s._committed()
        s.drop()
