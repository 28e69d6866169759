"""Reads of inspection, each scoped through efficiency.permissions (anything else is a 404)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404

from efficiency import permissions
from efficiency.models import Role
from efficiency.queries import q_deadline

from .models import Draw, Finding, InspectionCap, InspectionPlan, Method, Rectification, Visit


def _sees_all(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active and user.role in (Role.OFFICE, Role.LEADER)


def plan_list(user):
    """Plans are the office's and the leaders' business; a unit that issues plans sees its own."""
    qs = InspectionPlan.objects.select_related("issuing_unit", "region")
    return permissions.scope(user, qs, unit_field="issuing_unit")


def access_plan(user, pk, *, lock=False, request=None) -> InspectionPlan:
    return permissions.access(user, InspectionPlan.objects.all(), pk, lock=lock, unit_field="issuing_unit",
                              request=request)


def draw_list(user):
    return permissions.scope(user, Draw.objects.select_related("plan"), unit_field="plan__issuing_unit")


def access_draw(user, pk, *, request=None) -> Draw:
    return permissions.access(user, Draw.objects.select_related("plan"), pk, unit_field="plan__issuing_unit",
                              request=request)


def _hide_open_unannounced(qs, prefix: str):
    # R33: an unannounced visit stays hidden from the visited unit until it is closed.
    return qs.exclude(Q(**{f"{prefix}kind": Method.UNANNOUNCED, f"{prefix}status": Visit.Status.OPEN}))


def research_share(year: int) -> dict:
    """R41 (2019 (五)): of the year's decision research visits (调研), the share made without
    notice (暗访); the target is 50% or more — a target shown, not a stop."""
    from django.db.models import Count

    row = Visit.objects.filter(research=True, visited_on__year=year).aggregate(
        total=Count("pk"), unannounced=Count("pk", filter=Q(kind=Method.UNANNOUNCED)))
    total, hidden = row["total"], row["unannounced"]
    return {"year": year, "total": total, "unannounced": hidden,
            "share": round(100.0 * hidden / total, 1) if total else None, "meets": bool(total) and hidden * 2 >= total}


def visit_list(user):
    qs = Visit.objects.select_related("plan", "unit")
    if _sees_all(user):
        return qs
    return _hide_open_unannounced(permissions.scope(user, qs), "")


def access_visit(user, pk, *, request=None) -> Visit:
    try:
        return visit_list(user).get(pk=pk)
    except (Visit.DoesNotExist, ValueError, TypeError):
        permissions.access(user, Visit.objects.none(), pk, request=request)  # audits the refusal
        raise Http404 from None


def finding_list(user):
    qs = Finding.objects.select_related("visit", "unit", "plan")
    if _sees_all(user):
        return qs
    return _hide_open_unannounced(permissions.scope(user, qs), "visit__")


def access_finding(user, pk, *, request=None) -> Finding:
    try:
        return finding_list(user).get(pk=pk)
    except (Finding.DoesNotExist, ValueError, TypeError):
        permissions.access(user, Finding.objects.none(), pk, request=request)  # audits the refusal
        raise Http404 from None


def rectification_list(user):
    qs = Rectification.objects.select_related("unit", "owner", "finding", "finding__plan")
    return permissions.scope(user, qs)


def rectification_where(f, now=None) -> Q:
    """The ledger's filter from its query parameters: status, window, rung (`q_deadline`)."""
    q = q_deadline(f, now)
    return q & Q(status=f["status"]) if f.get("status") else q


def access_rectification(user, pk, *, request=None) -> Rectification:
    return permissions.access(user, Rectification.objects.select_related("unit", "owner", "finding"), pk,
                              request=request)


def plan_count(issuing_unit, year: int, *, exclude_pk=None) -> int:
    """Approved plans of the issuing body in that year: what the cap counts (R31)."""
    qs = InspectionPlan.objects.filter(
        issuing_unit=issuing_unit, start_date__year=year,
        status__in=[InspectionPlan.Status.APPROVED, InspectionPlan.Status.CLOSED],
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.count()


def cap_rows(year: int):
    """Each issuing body's cap for the year with the count of approved plans against it."""
    caps = list(InspectionCap.objects.filter(year=year).select_related("issuing_unit"))
    for cap in caps:
        cap.count = plan_count(cap.issuing_unit, year)
        cap.over = cap.count > cap.cap
    return caps


def plan_report(plan: InspectionPlan, *, public: bool = False) -> dict:
    """Findings of the plan with their rectification status (结果报告); the public version
    leaves out findings of unannounced visits still open (R33)."""
    qs = plan.findings.select_related("unit", "rectification", "visit").order_by("unit__code", "id")
    if public:
        qs = _hide_open_unannounced(qs, "visit__")
    findings = list(qs)
    by_status = {"open": 0, "reported": 0, "verified": 0, "late": 0, "pending": 0}
    for f in findings:
        rect = getattr(f, "rectification", None)
        if rect is None:
            by_status["pending"] += 1
            continue
        by_status[rect.status] += 1
        if rect.clock_state in ("overdue", "done_late"):
            by_status["late"] += 1
    done = by_status["verified"]
    return {"findings": findings, "counts": by_status, "total": len(findings),
            "rate": round(100 * done / len(findings), 1) if findings else None,
            "visits": plan.visits.count(), "draws": plan.draws.count()}


def open_rectifications(report: dict) -> list[dict]:
    """The findings of a plan report not yet verified (验收), as plain rows: what a closing
    summary lists as still open."""
    rows = []
    for f in report["findings"]:
        rect = getattr(f, "rectification", None)
        if rect is not None and rect.status == Rectification.Status.VERIFIED:
            continue
        rows.append({"finding": f.pk, "title": f.title, "unit": f.unit.name, "unit_id": f.unit_id,
                     "rectification": rect.pk if rect else None, "status": rect.status if rect else "pending",
                     "due_at": rect.due_at.isoformat() if rect and rect.due_at else None,
                     "late": bool(rect and rect.clock_state in ("overdue", "done_late"))})
    return rows


def public_plans():
    """一公开: plans whose results the office published."""
    return (InspectionPlan.objects.filter(results_published_at__isnull=False)
            .select_related("issuing_unit").annotate(n_findings=Count("findings"))
            .order_by("-results_published_at"))


def public_draws():
    return Draw.objects.filter(published_at__isnull=False).select_related("plan").order_by("-drawn_at")


def mask_name(name: str) -> str:
    """Public pages show an inspector as 陈** (no personal data)."""
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""


def public_snapshot(draw: Draw) -> dict:
    """What anyone needs to re-run a published draw: the seed, the procedure, the targets, and
    the inspectors by their place in the sorted pool (名录序号) instead of their accounts."""
    seq = {p["id"]: n for n, p in enumerate(draw.pools["inspectors"], start=1)}
    return {
        "seed": str(draw.seed), "algorithm": draw.algorithm, "n_targets": draw.n_targets,
        "per_target": draw.per_target,
        "targets": draw.pools["targets"],
        "inspectors": [{"username": f"{seq[p['id']]:06d}", "id": seq[p["id"]], "unit_id": p["unit_id"]}
                       for p in draw.pools["inspectors"]],
        "result": [{"target": row["target"], "inspectors": [seq[i] for i in row["inspectors"]]} for row in draw.result],
    }
