"""This app's own time-limit rule, beside the ones the core seeds (efficiency/rules_seed.py).

`project.procedure`: a key investment project's procedure (代办事项, R51) that the service team
handles for the enterprise and for which no deadline is set. 2014 二(二)一 asks for 全程代办、一包到底
but sets no period, so this is a local default (RULES.md "Local defaults — not from the seeds";
shown as 本地默认 (种子未规定), citing no seed clause): 20 working days, like a key-task node's
(`task.node`), which the administrator may change like any other rule. A procedure with its own
deadline (the permit's legal limit, the enterprise's schedule) runs to that instead.

`rule()` gets or creates the row, so it exists wherever the table was emptied and only the core's
rules were put back (the test runner's flush, tests/conftest.py); the migration creates it up
front so the administrator sees it in the rules table from the start.
"""

from __future__ import annotations

from efficiency.rules_seed import LOCAL_DEFAULT, app_rule, seed_app_rules

RULES = {
    "project.procedure": dict(
        name="重点投资项目代办事项（未另定时限时）", item_kind="key_project", rule_ids="R51",
        source=LOCAL_DEFAULT, local_default=True, limit_value=20, limit_unit="wd"),
}


def seed(TimeLimitRule) -> int:
    """Create the missing rows (never overwrite an administrator's change); for the migration."""
    return seed_app_rules(TimeLimitRule, RULES)


def rule(code: str):
    """The rule row, created with its defaults if missing."""
    return app_rule(code, RULES[code])
