"""One writer of the clock: no module but `efficiency.clocks` writes a field of `Clock`, and the
sweep only moves the ladder (`breach_level`, `prev_level`, `clock_state`, `next_at`) in its
UPDATE (docs/clock.md, ADR 0001).

A scan of the syntax tree of every module of the core and the apps (not tests, benchmarks or
migrations) for the ways a field is written: an attribute assignment (`item.due_at = …`, also
in a tuple or augmented), `.update(due_at=…)` / `.create(…)` / `…_or_create(defaults=…)`,
`bulk_update(objs, ["due_at"])`, `save(update_fields=["due_at"])`, `setattr(item, "due_at", …)`,
a `{"due_at": …}` handed to a generic UPDATE helper (`approvals.services._claim`), and a SQL
`SET due_at = …` in a string. A `setattr` with a computed name can write anything, so
each one is listed below with the whitelist of names that bounds it, checked to hold no clock
field. `closed_at` and the limit fields are also fields of models that are not clocks
(`InspectionPlan`, `Visit`, `TimeLimitRule`); their writes are listed by their exact target.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from efficiency.models import Clock

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("efficiency", "supervision", "inspection", "approvals", "accountability", "dashboards")
CLOCK_FIELDS = frozenset(f.name for f in Clock._meta.get_fields())
LADDER_FIELDS = frozenset({"breach_level", "prev_level", "clock_state", "next_at"})
WRITERS = {"efficiency/clocks.py": CLOCK_FIELDS | {"*"}, "efficiency/sweep.py": LADDER_FIELDS}

# Writes of a clock field's name to a model that is not a clock: (module, target) → why.
NOT_A_CLOCK = {
    ("inspection/services.py", "plan.closed_at"): "InspectionPlan.closed_at (the plan's close)",
    ("inspection/services.py", "visit.closed_at"): "Visit.closed_at (the visit's feedback)",
    ("inspection/services.py", "update_fields:closed_at"): "Visit.closed_at",
    ("inspection/demo.py", "plan.closed_at"): "InspectionPlan.closed_at (a past plan of the demo's history)",
}
# setattr with a computed name: (module, function) → the module constant bounding the names,
# or why the object is not a clock.
DYNAMIC_SETATTR = {
    ("supervision/services/key_tasks.py", "keytask_update"): "TASK_FIELDS",
    ("approvals/services.py", "item_save"): "ITEM_FIELDS",
    ("efficiency/services.py", "user_update"): "USER_FIELDS",
    ("inspection/services.py", "plan_update"): "an InspectionPlan, not a clock",
    ("dashboards/scoring.py", "unit_scores"): "a UnitScore, not a clock",
}

_SET = re.compile(r"\bSET\s+(?!LOCAL\b)(.*?)(?:\bWHERE\b|\bFROM\b|\bRETURNING\b|$)", re.S | re.I)
_ASSIGNED = re.compile(r"(?:^|,)\s*(?:\w+\.)?(\w+)\s*=(?!=)")


def _text(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _names_in(node) -> set[str]:
    """String constants in a list, tuple or set (field-name lists)."""
    return {t for sub in ast.walk(node) if (t := _text(sub)) in CLOCK_FIELDS}


def writes(source: str):
    """(line, field, target, function) of every write of a clock field's name in `source`."""
    tree = ast.parse(source)
    # A constant inside an f-string is read as part of the whole f-string.
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    functions = {}
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(fn):
                functions.setdefault(id(sub), fn.name) if sub is not fn else None
    for node in ast.walk(tree):
        fn = functions.get(id(node), "")
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Attribute) and sub.attr in CLOCK_FIELDS:
                        yield node.lineno, sub.attr, ast.unparse(sub), fn
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("update", "create", "get_or_create", "update_or_create", "bulk_create"):
                for kw in node.keywords:
                    if kw.arg in CLOCK_FIELDS:
                        yield node.lineno, kw.arg, f"{name}:{kw.arg}", fn
                    elif kw.arg in (None, "defaults", "create_defaults") and isinstance(kw.value, ast.Dict):
                        for key in _names_in(ast.List(elts=[k for k in kw.value.keys if k])):
                            yield node.lineno, key, f"{name}:{key}", fn
            if "claim" in name or "update" in name:  # a generic UPDATE helper given {field: value}
                for arg in node.args:
                    if isinstance(arg, ast.Dict):
                        for key in _names_in(ast.List(elts=[k for k in arg.keys if k])):
                            yield node.lineno, key, f"{name}:{key}", fn
            if name == "bulk_update":
                for field in set().union(*(_names_in(a) for a in [*node.args[1:], *(k.value for k in node.keywords)])):
                    yield node.lineno, field, f"bulk_update:{field}", fn
            for kw in node.keywords:
                if kw.arg == "update_fields":
                    for field in _names_in(kw.value):
                        yield node.lineno, field, f"update_fields:{field}", fn
            if name == "setattr" and len(node.args) >= 2:
                field = _text(node.args[1])
                if field is None:
                    yield node.lineno, "*", "setattr:*", fn
                elif field in CLOCK_FIELDS:
                    yield node.lineno, field, f"setattr:{field}", fn
        text = _text(node)
        if text and id(node) not in parts:
            for clause in _SET.findall(text):
                for field in _ASSIGNED.findall(clause):
                    if field in CLOCK_FIELDS:
                        yield node.lineno, field, f"sql:{field}", fn


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), path.read_text()


def _violations(modules) -> list[str]:
    found = []
    for module, source in modules:
        for line, field, target, fn in writes(source):
            if field in WRITERS.get(module, ()) or (module, target) in NOT_A_CLOCK:
                continue
            if field == "*" and (module, fn) in DYNAMIC_SETATTR:
                continue
            found.append(f"{module}:{line} {target} (in {fn or 'module'})")
    return found


def test_no_module_but_the_clock_services_writes_a_clock_field():
    assert _violations(_modules()) == []


def test_the_names_a_dynamic_setattr_may_write_hold_no_clock_field():
    for (module, _fn), bound in DYNAMIC_SETATTR.items():
        if bound.isupper():
            names = getattr(importlib.import_module(module[:-3].replace("/", ".")), bound)
            assert not CLOCK_FIELDS & set(names), (module, bound)


def test_the_scan_finds_every_kind_of_write():
    source = '''
def assignment_close(target, now):
    target.closed_at = now
    target.status, target.breach_level = "closed", 0
    target.save(update_fields=["status", "closed_at"])
    Target.objects.filter(pk=1).update(due_at=now, status="x")
    Target.objects.update_or_create(pk=1, defaults={"next_at": now})
    Target.objects.bulk_update(targets, ["warn_at"])
    setattr(target, "paused_at", now)
    _claim(Target, ids, "pending", {"status": "x", "clock_state": "done"})
    setattr(target, name, now)
    cursor.execute(f"UPDATE {table} SET status = 'x', red_at = %s WHERE id = %s")
    cursor.execute("SET LOCAL jit = off; SELECT 1 FROM t WHERE due_at = now()")
'''
    found = {target for _line, _field, target, _fn in writes(source)}
    assert found == {"target.closed_at", "target.breach_level", "update_fields:closed_at", "update:due_at",
                     "update_or_create:next_at", "bulk_update:warn_at", "setattr:paused_at", "setattr:*",
                     "_claim:clock_state", "sql:red_at"}
    # In an app module that is a violation; in efficiency/clocks.py it is the writer's job.
    assert len(_violations([("supervision/services.py", source)])) == 10
    assert _violations([("efficiency/clocks.py", source)]) == []
    assert _violations([("efficiency/sweep.py", source)]) != []  # the sweep moves only the ladder
