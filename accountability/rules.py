"""This app's own time-limit rules, beside the ones the core seeds (efficiency/rules_seed.py).

The core seeds the rules DESIGN.md names (`complaint.accept`, `.return`, `.reply`,
`case.investigation`); the two steps below have no limit in DESIGN.md or the seeds, so the app
brings its rows with a local default (RULES.md "Local defaults — not from the seeds"; shown as
本地默认 (种子未规定), citing no seed clause) the administrator may change like any other rule:

- `complaint.review`, the office's review of a unit's reply before it goes to the citizen:
  3 working days, like the office's acceptance step (`complaint.accept`, itself a local
  default), and the 10 of `complaint.reply` stay the unit's. Red card one working day after
  (as for acceptance); no accountability rung (the office would propose a case against itself;
  the leader hears of every rung instead).
- `case.statement`, the person's statement of defence (陈述申辩) once told the facts: 5 working
  days. Past it the right lapses: a yellow card only, no red card, notice or proposal (not
  stating is not a fault).

`rule()` gets or creates the row, so it exists wherever the table was emptied and only the
core's rules were put back (the test runner's flush, tests/conftest.py); migration 0004
creates them up front so the administrator sees them in the rules table from the start.
"""

from __future__ import annotations

from efficiency.rules_seed import LOCAL_DEFAULT, app_rule, seed_app_rules

WD = "wd"

RULES = {
    "complaint.review": dict(
        name="效能投诉：效能办审核单位答复", item_kind="complaint", rule_ids="R26",
        source=LOCAL_DEFAULT, local_default=True,
        limit_value=3, limit_unit=WD, red_after_workdays=1, accountability_after_workdays=None),
    "case.statement": dict(
        name="问责案件：被问责人陈述申辩", item_kind="accountability_case", rule_ids="R28",
        source=LOCAL_DEFAULT, local_default=True,
        limit_value=5, limit_unit=WD, red_after_workdays=None, notice_after_workdays=None,
        accountability_after_workdays=None),
}


def seed(TimeLimitRule) -> int:
    """Create the missing rows (never overwrite an administrator's change); for the migration."""
    return seed_app_rules(TimeLimitRule, RULES)


def rule(code: str):
    """The rule row, created with its defaults if missing."""
    return app_rule(code, RULES[code])
