"""The rules page (issue 16, deliverable 6): every rule of RULES.md with its source, whether it
is enforced, recorded or a target, the code that enforces it and the test that proves it —
read from the generated `efficiency/rules_index.json` (`manage.py rules_index`), never typed
here — and the local defaults with their current values. Staff only: the efficiency office,
leaders and the three administrators; anyone else gets the 404 of a page outside their scope.

Mounted by efficiency/urls.py:
    path("rules/", rules_views.rules_page, name="rules"),
    path("rules/source/", rules_views.rules_source, name="rules_source"),
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from . import registry, rules_catalog
from .models import ADMIN_ROLES, Role, TimeLimitRule
from .permissions import role_required

RULES_ROLES = (Role.OFFICE, Role.LEADER, *ADMIN_ROLES)


@login_required
@role_required(*RULES_ROLES)
def rules_page(request):
    index = rules_catalog.load()
    limits = list(TimeLimitRule.objects.order_by("code"))
    by_rule: dict[str, list[TimeLimitRule]] = {}
    for limit in limits:
        for rid in limit.rule_ids.split():
            by_rule.setdefault(rid, []).append(limit)
    rules = [{**rule, "limits": by_rule.get(rule["id"], [])} for rule in index["rules"]]
    counts = {kind: sum(r["kind"] == kind for r in rules) for kind in (*rules_catalog.KINDS, "untested")}
    return render(request, "efficiency/rules.html", {
        "rules": rules, "counts": counts, "local_defaults": index["local_defaults"],
        "local_limits": [limit for limit in limits if limit.local_default],
        "app_defaults": registry.local_default_rows(),
    })


@login_required
@role_required(*RULES_ROLES)
def rules_source(request):
    """The lines around one place the index names; any other path is a 404."""
    path = request.GET.get("path", "")
    try:
        line = int(request.GET.get("line", ""))
    except ValueError:
        raise Http404 from None
    lines = rules_catalog.source_lines(path, line)
    if lines is None:
        raise Http404
    return render(request, "efficiency/rules_source.html", {"path": path, "line": line, "lines": lines})
