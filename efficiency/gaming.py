"""Gaming detection (issue 18, part 1): the contract between the core and the detectors.

A detector (`efficiency.registry.register_gaming_detector`) hands the core one SELECT that
returns `FINDING_COLUMNS` — set-based over the event log and the items' tables, never a loop per
item:

- `subject_type` text: the item's `_meta.label_lower` (as `Event.subject_type`);
- `subject_id` bigint: the item's pk;
- `unit_id` bigint: the unit the finding counts against;
- `key` text: the finding's identity, stable from one run to the next (the same matter gives the
  same key, so a re-run updates a finding instead of adding one, and a dismissed finding stays
  dismissed);
- `figures` jsonb: the numbers that show the pattern (the thresholds they broke included);
- `event_ids` bigint[]: the events that prove it (may be empty when the proof is the item's own
  columns; then `figures` names them).

The statement may use the CTE `wd(d date, n int)` given by `workday_cte(start, end)`: every
calendar date in the range with its working-day ordinal on the Chinese calendar (调休 included; a
non-working day carries the ordinal of the working day before it), so "more than one working day
later" is `wd_b.n - wd_a.n > 1`.
"""

from __future__ import annotations

from datetime import date, timedelta

from . import workdays

FINDING_COLUMNS = ("subject_type", "subject_id", "unit_id", "key", "figures", "event_ids")


def workday_cte(start: date, end: date) -> tuple[str, list]:
    """`wd AS (…)`: the dates in [start, end] with their working-day ordinals (one array pair
    as parameters, no table)."""
    days, ordinals = [], []
    d = start
    n = 0
    while d <= end:
        if workdays.is_workday(d):
            n += 1
        days.append(d)
        ordinals.append(n)
        d += timedelta(days=1)
    return "wd AS (SELECT * FROM unnest(%s::date[], %s::int[]) AS wd(d, n))", [days, ordinals]
