"""The random draw of 双随机一公开 (R32), as a pure, documented, deterministic procedure.

Anyone holding the published seed and pool snapshot can re-run it and get the same result:

    algorithm "shuangsuiji-v1"
    1. targets    = the target pool's units, sorted by unit code (a stable key);
       inspectors = the inspector pool's people, sorted by username.
    2. rng = random.Random(seed)          # Python's Mersenne Twister, seeded with an int
    3. chosen = rng.sample(targets, n_targets)      # in the order drawn
    4. for each chosen target, in that order:
         eligible = [i for i in inspectors if i.unit != target]     # 回避: never one's own unit
         team     = rng.sample(eligible, per_target)
    5. the result is [(target, team), ...] in that order.

Only the values of `random.Random` are used, which Python keeps stable across versions for
integer seeds (the `random` module's reproducibility guarantee for `sample` on sequences).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from django.utils.translation import gettext as _

ALGORITHM = "shuangsuiji-v1"


class DrawError(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    code: str
    id: int
    name: str = ""


@dataclass(frozen=True)
class Inspector:
    username: str
    id: int
    unit_id: int | None


def new_seed() -> int:
    return secrets.randbits(64)


def run(seed: int, targets: list[Target], inspectors: list[Inspector], *, n_targets: int,
        per_target: int) -> list[tuple[int, list[int]]]:
    """[(target id, [inspector ids])] for this seed; raises DrawError when the pools are too small."""
    targets = sorted(targets, key=lambda t: t.code)
    inspectors = sorted(inspectors, key=lambda i: i.username)
    if n_targets < 1 or per_target < 1:
        raise DrawError(_("抽取数量必须大于零。"))
    if n_targets > len(targets):
        raise DrawError(_("检查对象库只有 %(have)s 个单位，不能抽取 %(want)s 个。") % {"have": len(targets), "want": n_targets})
    rng = random.Random(int(seed))
    chosen = rng.sample(targets, n_targets)
    result = []
    for target in chosen:
        eligible = [i for i in inspectors if i.unit_id != target.id]
        if len(eligible) < per_target:
            raise DrawError(_("回避本单位后，可派往“%(unit)s”的检查人员不足 %(n)s 名。")
                            % {"unit": target.name or target.code, "n": per_target})
        team = rng.sample(eligible, per_target)
        result.append((target.id, [i.id for i in team]))
    return result


def snapshot(target_units, inspector_users) -> dict:
    """The pools as the algorithm sees them (sorted), stored with the draw and published."""
    return {
        "targets": [{"code": u.code, "id": u.pk, "name": u.name} for u in sorted(target_units, key=lambda u: u.code)],
        "inspectors": [{"username": p.username, "id": p.pk, "unit_id": p.unit_id}
                       for p in sorted(inspector_users, key=lambda p: p.username)],
    }


def rerun(seed: int, pools: dict, *, n_targets: int, per_target: int) -> list[tuple[int, list[int]]]:
    targets = [Target(t["code"], t["id"], t.get("name", "")) for t in pools["targets"]]
    inspectors = [Inspector(i["username"], i["id"], i["unit_id"]) for i in pools["inspectors"]]
    return run(seed, targets, inspectors, n_targets=n_targets, per_target=per_target)
