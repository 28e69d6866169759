"""This app's own time-limit rules, beside the ones the core seeds (efficiency/rules_seed.py).

The core seeds the rules DESIGN.md names (`complaint.accept`, `.return`, `.reply`,
`case.investigation`); the two steps below have no limit in DESIGN.md or the seeds, so the app
brings its rows with a default the administrator may change like any other rule:

- `complaint.review`, the office's review of a unit's reply before it goes to the citizen:
  3 working days — the office's own steps elsewhere are 3 (受理 complaint.accept; 2019 意见（六）
  the office's clear reply R08; （七）splitting out R05), and the 10 of `complaint.reply` stay the
  unit's. Red card one working day after (as for acceptance); no accountability rung (the
  office would propose a case against itself; the leader hears of every rung instead).
- `case.statement`, the person's statement of defence (陈述申辩) once told the facts: 5 working
  days, as the brief suggested. Past it the right lapses: a yellow card only, no red card,
  notice or proposal (not stating is not a fault).

`rule()` gets or creates the row, so it exists wherever the table was emptied and only the
core's rules were put back (the test runner's flush, tests/conftest.py); migration 0004
creates them up front so the administrator sees them in the rules table from the start.
"""

from __future__ import annotations

WD = "wd"

RULES = {
    "complaint.review": dict(
        name="效能投诉：效能办审核单位答复", item_kind="complaint", rule_ids="R26",
        source="驻政〔2014〕58号 二（二）五；审核时限种子未规定，取效能办环节通行的 3 个工作日",
        limit_value=3, limit_unit=WD, red_after_workdays=1, accountability_after_workdays=None),
    "case.statement": dict(
        name="问责案件：被问责人陈述申辩", item_kind="accountability_case", rule_ids="R28",
        source="鄂办发〔2008〕36号 四；陈述申辩期限种子未规定，取 5 个工作日，逾期视为放弃",
        limit_value=5, limit_unit=WD, red_after_workdays=None, notice_after_workdays=None,
        accountability_after_workdays=None),
}


def seed(TimeLimitRule) -> int:
    """Create the missing rows (never overwrite an administrator's change); for the migration."""
    created = 0
    for code, defaults in RULES.items():
        created += TimeLimitRule.objects.get_or_create(code=code, defaults=defaults)[1]
    return created


def rule(code: str):
    """The rule row, created with its defaults if missing."""
    from efficiency.models import TimeLimitRule

    return TimeLimitRule.objects.get_or_create(code=code, defaults=RULES[code])[0]
