"""Pages of inspection: parse input, check access, call a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from efficiency import listing, permissions
from efficiency.exports import Ledger, ledger_export
from efficiency.events import events_for
from efficiency.models import Role
from efficiency.replica import reads_from_replica
from efficiency.uploads import download_name, upload_response

from . import exports, filters, forms, queries, services
from .models import Draw, InspectionPlan, InspectorPool, TargetPool, Visit, VisitPhoto


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _act(request, fn, *, ok: str, form=None):
    """Call a service; on bad input put its Chinese message on the form or in the messages (a
    forbidden action is the 403 page)."""
    try:
        result = fn()
    except ValidationError as exc:
        if form is not None and hasattr(exc, "error_dict"):
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.error(request, _errors(exc))
        return None
    messages.success(request, ok)
    return result or True


def _plans(request) -> filters.PlanFilter:
    qs = queries.plan_list(request.user).order_by("-start_date", "-pk")
    return filters.PlanFilter(request.GET, queryset=qs, request=request)


@login_required
def plan_list(request):
    f = _plans(request)
    asked = f.form.cleaned_data.get("year") if f.is_valid() else None  # ?year=99999999999999999999 was a 500
    year = int(asked or timezone.now().year)
    return render(request, "inspection/plan_list.html", {
        **listing.list_context(request, f, export=reverse("inspection:plan_ledger_export")),
        "caps": queries.cap_rows(year), "year": year,
        "research": queries.research_share(year),
        "pending": queries.plan_list(request.user).filter(status=InspectionPlan.Status.SUBMITTED).count(),
        "can_file": permissions.is_office(request.user),
    })


@login_required
@reads_from_replica
def plan_ledger_export(request):
    return ledger_export(request, "inspection.plans")


def _visits(request) -> filters.VisitFilter:
    qs = queries.visit_list(request.user).order_by("-visited_on", "-pk")
    return filters.VisitFilter(request.GET, queryset=qs, request=request)


@login_required
def visit_list(request):
    ctx = listing.list_context(request, _visits(request), export=reverse("inspection:visit_export"))
    return render(request, "inspection/visit_list.html", ctx)


@login_required
@reads_from_replica
def visit_export(request):
    return ledger_export(request, "inspection.visits")


@login_required
def plan_create(request):
    form = forms.PlanForm(request.POST or None, initial={"issuing_unit": request.user.unit_id})
    if request.method == "POST" and form.is_valid():
        plan = _act(request, lambda: services.plan_create(actor=request.user, **form.cleaned_data),
                    ok=_("计划已保存为草稿。"), form=form)
        if plan:
            return redirect(plan)
    return render(request, "inspection/form.html", {"form": form, "title": _("填报督查检查计划")})


@login_required
def plan_detail(request, pk):
    plan = queries.access_plan(request.user, pk, request=request)
    excess = services.plan_excesses(plan)
    cap = next((c for c in queries.cap_rows(plan.year) if c.issuing_unit_id == plan.issuing_unit_id), None)
    return render(request, "inspection/plan_detail.html", {
        "cap": cap, "sampling_max": services.sampling_max(plan.units.count()) if plan.region.below_city else None,
        "plan": plan, "excess": {k: services.excess_message(k, v) for k, v in excess.items()},
        "report": queries.plan_report(plan), "draws": plan.draws.all(), "visits": queries.visit_list(request.user)
        .filter(plan=plan), "approve_form": forms.ApproveForm(), "reject_form": forms.NoteForm(),
        "overrides": plan.overrides.select_related("approved_by"), "events": events_for(plan),
        "assessment_form": forms.AssessmentForm(initial={"assessor": plan.assessor}),
        "closing_open": plan.closing_report.get("open", []),
        "is_office": permissions.is_office(request.user), "is_leader": permissions.is_leader(request.user),
    })


@login_required
def plan_edit(request, pk):
    plan = queries.access_plan(request.user, pk, request=request)
    permissions.require_role(request.user, Role.OFFICE, message=services.OFFICE_ONLY)
    if plan.status not in services.EDITABLE_STATUSES:
        messages.error(request, services.not_editable_message(plan))
        return redirect(plan)
    form = forms.PlanEditForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        updated = _act(request, lambda: services.plan_update(actor=request.user, plan=plan, **form.cleaned_data),
                       ok=_("计划已修改。"), form=form)
        if updated:
            for kind, figures in services.plan_excesses(updated).items():
                messages.warning(request, services.excess_message(kind, figures)
                                 + _("报批后须由领导填写理由批准（超限审批）。"))
            return redirect(updated)
    return render(request, "inspection/form.html", {"form": form, "title": _("修改督查检查计划：%s") % plan})


@login_required
def plan_close(request, pk):
    plan = queries.access_plan(request.user, pk, request=request)
    permissions.require_role(request.user, Role.OFFICE, message=services.OFFICE_ONLY)
    if plan.status != InspectionPlan.Status.APPROVED:
        messages.error(request, _("计划已完成。") if plan.status == InspectionPlan.Status.CLOSED
                       else _("只有已批准的计划可以完成（当前：%(s)s）。") % {"s": plan.get_status_display()})
        return redirect(plan)
    form = forms.CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _act(request, lambda: services.plan_close(actor=request.user, plan=plan, **form.cleaned_data),
                ok=_("计划已完成。"), form=form):
            return redirect(plan)
    report = queries.plan_report(plan)
    return render(request, "inspection/plan_close.html", {
        "plan": plan, "form": form, "report": report, "still_open": queries.open_rectifications(report),
        "open_visits": plan.visits.filter(status=Visit.Status.OPEN).select_related("unit"),
    })


@login_required
@require_POST
def plan_assessment(request, pk):
    plan = queries.access_plan(request.user, pk)
    permissions.require_role(request.user, Role.OFFICE, message=services.OFFICE_ONLY)
    form = forms.AssessmentForm(request.POST, request.FILES)
    if form.is_valid():
        _act(request, lambda: services.plan_assessment_record(actor=request.user, plan=plan, **form.cleaned_data),
             ok=_("第三方评估已登记。"))
    else:
        messages.error(request, "；".join(f"{form.fields[k].label}{_('：')}{e}" for k, errs in form.errors.items()
                                         for e in errs))
    return redirect(plan)


@login_required
def plan_assessment_file(request, pk):
    plan = queries.access_plan(request.user, pk, request=request)
    if not plan.assessment_report:
        raise Http404
    return upload_response(plan.assessment_report, filename=download_name(
        f"assessment-plan-{plan.pk}", plan.assessment_report, plan.assessment_report_name))


@login_required
@require_POST
def plan_submit(request, pk):
    plan = queries.access_plan(request.user, pk)
    _act(request, lambda: services.plan_submit(actor=request.user, plan=plan), ok=_("已报领导审批。"))
    return redirect(plan)


@login_required
@require_POST
def plan_approve(request, pk):
    plan = queries.access_plan(request.user, pk)
    form = forms.ApproveForm(request.POST)
    if form.is_valid():
        _act(request, lambda: services.plan_approve(actor=request.user, plan=plan, **form.cleaned_data),
             ok=_("计划已批准。"))
    return redirect(plan)


@login_required
@require_POST
def plan_reject(request, pk):
    plan = queries.access_plan(request.user, pk)
    form = forms.NoteForm(request.POST)
    if form.is_valid():
        _act(request, lambda: services.plan_reject(actor=request.user, plan=plan, **form.cleaned_data),
             ok=_("计划已退回。"))
    else:
        messages.error(request, _("退回须说明理由。"))
    return redirect(plan)


@login_required
@require_POST
def plan_publish(request, pk):
    plan = queries.access_plan(request.user, pk)
    _act(request, lambda: services.plan_publish_results(actor=request.user, plan=plan), ok=_("结果已公开。"))
    return redirect(plan)


@login_required
@reads_from_replica
def plan_export(request, pk):
    plan = queries.access_plan(request.user, pk)
    response = HttpResponse(exports.plan_workbook(plan),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="inspection-plan-{plan.pk}.xlsx"'
    return response


@login_required
def draw_create(request, pk):
    plan = queries.access_plan(request.user, pk)
    form = forms.DrawForm(request.POST or None, initial={"n_targets": plan.sample_size})
    if request.method == "POST" and form.is_valid():
        draw = _act(request, lambda: services.draw_make(actor=request.user, plan=plan, **form.cleaned_data),
                    ok=_("抽取完成。"), form=form)
        if draw:
            return redirect(draw)
    return render(request, "inspection/form.html", {"form": form, "title": _("双随机抽取：%s") % plan})


@login_required
def draw_detail(request, pk):
    draw = queries.access_draw(request.user, pk, request=request)
    return render(request, "inspection/draw_detail.html", {
        "draw": draw, "assignments": draw.assignments.select_related("target", "inspector", "inspector__unit"),
        "verified": services.draw_verify(draw), "is_office": permissions.is_office(request.user),
    })


@login_required
@require_POST
def draw_publish(request, pk):
    draw = queries.access_draw(request.user, pk)
    _act(request, lambda: services.draw_publish(actor=request.user, draw=draw), ok=_("抽取结果已公开。"))
    return redirect(draw)


@login_required
def visit_create(request, pk):
    plan = queries.access_plan(request.user, pk)
    initial = {"kind": plan.method, "unit": request.GET.get("unit"), "draw": request.GET.get("draw")}
    form = forms.VisitForm(request.POST or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        visit = _act(request, lambda: services.visit_record(actor=request.user, plan=plan, **form.cleaned_data),
                     ok=_("检查记录已保存。"), form=form)
        if visit:
            return redirect(visit)
    return render(request, "inspection/form.html", {"form": form, "title": _("明查暗访记录：%s") % plan})


@login_required
def visit_detail(request, pk):
    visit = queries.access_visit(request.user, pk, request=request)
    is_office = permissions.is_office(request.user)
    return render(request, "inspection/visit_detail.html", {
        "visit": visit, "photos": visit.photos.all(), "findings": visit.findings.select_related("rectification"),
        "photo_form": forms.PhotoForm(), "finding_form": forms.FindingForm(unit=visit.unit), "is_office": is_office,
    })


@login_required
@require_POST
def visit_photo(request, pk):
    visit = queries.access_visit(request.user, pk)
    form = forms.PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        _act(request, lambda: services.visit_photo_add(actor=request.user, visit=visit, upload=form.cleaned_data["image"],
                                                       caption=form.cleaned_data["caption"]), ok=_("照片已上传。"))
    else:
        messages.error(request, _("请选择照片。"))
    return redirect(visit)


@login_required
def photo_file(request, pk):
    photo = VisitPhoto.objects.filter(pk=pk).select_related("visit").first()
    if photo is None:
        raise Http404
    queries.access_visit(request.user, photo.visit_id)
    return upload_response(photo.image, filename=download_name(f"photo-{photo.pk}", photo.image, photo.original_name),
                           content_type=photo.content_type)


@login_required
def finding_create(request, pk):
    visit = queries.access_visit(request.user, pk)
    if not permissions.is_office(request.user):  # the inspected unit sees the visit, not the office's form
        raise Http404
    form = forms.FindingForm(request.POST or None, unit=visit.unit)
    if request.method == "POST" and form.is_valid():
        finding = _act(request, lambda: services.finding_record(actor=request.user, visit=visit, **form.cleaned_data),
                       ok=_("问题已登记。"), form=form)
        if finding:
            return redirect(finding)
    return render(request, "inspection/form.html", {"form": form, "title": _("登记发现问题：%s") % visit})


@login_required
@require_POST
def visit_close(request, pk):
    visit = queries.access_visit(request.user, pk)
    _act(request, lambda: services.visit_close(actor=request.user, visit=visit), ok=_("已反馈被检查单位。"))
    return redirect(visit)


@login_required
def finding_detail(request, pk):
    finding = queries.access_finding(request.user, pk, request=request)
    return render(request, "inspection/finding_detail.html", {
        "finding": finding, "rect": getattr(finding, "rectification", None), "reason_form": forms.ReasonForm(),
        "is_office": permissions.is_office(request.user),
    })


@login_required
@require_POST
def finding_accountability(request, pk):
    finding = queries.access_finding(request.user, pk)
    form = forms.ReasonForm(request.POST)
    if form.is_valid():
        _act(request, lambda: services.finding_propose_accountability(actor=request.user, finding=finding,
                                                                      **form.cleaned_data), ok=_("已移送问责。"))
    else:
        messages.error(request, _("请说明移送问责的理由。"))
    return redirect(finding)


def _rectifications(request) -> filters.RectificationFilter:
    qs = queries.rectification_list(request.user).order_by("due_at", "pk")
    return filters.RectificationFilter(request.GET, queryset=qs, request=request)


@login_required
def rectification_list(request):
    ctx = listing.list_context(request, _rectifications(request), export=reverse("inspection:rectification_export"))
    return render(request, "inspection/rectification_list.html", ctx)


@login_required
@reads_from_replica
def rectification_export(request):
    return ledger_export(request, "inspection.rectifications")


# The ledgers exported through `efficiency.exports` (registered in InspectionConfig.ready).
LEDGERS = {
    "inspection.plans": lambda request: Ledger(_plans(request).qs, filters.PLAN_COLUMNS,
                                                       _("督查检查计划台账.xlsx"), _("督查检查计划台账")),
    "inspection.visits": lambda request: Ledger(_visits(request).qs, filters.VISIT_COLUMNS,
                                                        _("检查记录台账.xlsx"), _("检查记录台账")),
    "inspection.rectifications": lambda request: Ledger(
        _rectifications(request).qs, filters.RECTIFICATION_COLUMNS, _("整改台账.xlsx"), _("整改台账")),
}


@login_required
def rectification_detail(request, pk):
    rect = queries.access_rectification(request.user, pk, request=request)
    return render(request, "inspection/rectification_detail.html", {
        "rect": rect, "events": events_for(rect), "report_form": forms.ReportForm(initial={"measures": rect.measures}),
        "measures_form": forms.MeasuresForm(unit=rect.unit, initial={"measures": rect.measures, "owner": rect.owner_id}),
        "note_form": forms.NoteForm(), "is_office": permissions.is_office(request.user),
        "is_member": permissions.in_unit(request.user, rect.unit_id),
    })


@login_required
@require_POST
def rectification_action(request, pk, action):
    rect = queries.access_rectification(request.user, pk)
    if action == "measures":
        form = forms.MeasuresForm(request.POST, unit=rect.unit)
        call = lambda: services.rectification_measures_set(actor=request.user, rect=rect, **form.cleaned_data)  # noqa: E731
        ok = _("整改方案已报送。")
    elif action == "report":
        form = forms.ReportForm(request.POST)
        call = lambda: services.rectification_report(actor=request.user, rect=rect, **form.cleaned_data)  # noqa: E731
        ok = _("整改情况已报告，等待验收。")
    elif action in ("verify", "return"):
        form = forms.NoteForm(request.POST) if action == "return" else forms.ApproveForm(request.POST)
        fn = services.rectification_return if action == "return" else services.rectification_verify
        call = lambda: fn(actor=request.user, rect=rect, note=form.cleaned_data.get("note", ""))  # noqa: E731
        ok = _("已退回整改。") if action == "return" else _("验收通过。")
    else:
        raise Http404
    if form.is_valid():
        _act(request, call, ok=ok)
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect(rect)


@login_required
def caps(request):
    if request.user.role not in (Role.OFFICE, Role.LEADER, Role.SYSTEM_ADMIN):
        raise Http404
    form = forms.CapForm(request.POST or None, initial={"year": timezone.now().year})
    if request.method == "POST" and form.is_valid():
        if _act(request, lambda: services.cap_set(actor=request.user, **form.cleaned_data), ok=_("年度上限已设定。"),
                form=form):
            return redirect("inspection:caps")
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() else timezone.now().year
    return render(request, "inspection/caps.html", {"form": form, "caps": queries.cap_rows(year), "year": year})


@login_required
@permissions.role_required(Role.OFFICE, Role.LEADER)
def pools(request):
    tform = forms.TargetPoolForm(request.POST if request.POST.get("pool") == "target" else None, prefix="t")
    iform = forms.InspectorPoolForm(request.POST if request.POST.get("pool") == "inspector" else None, prefix="i")
    if request.method == "POST":
        unit = request.user.unit
        if tform.is_bound and tform.is_valid():
            if _act(request, lambda: services.target_pool_create(actor=request.user, issuing_unit=unit,
                                                                 **tform.cleaned_data), ok=_("检查对象库已建立。")):
                return redirect("inspection:pools")
        if iform.is_bound and iform.is_valid():
            if _act(request, lambda: services.inspector_pool_create(actor=request.user, issuing_unit=unit,
                                                                    **iform.cleaned_data), ok=_("检查人员库已建立。")):
                return redirect("inspection:pools")
    return render(request, "inspection/pools.html", {
        "target_pools": TargetPool.objects.prefetch_related("units"),
        "inspector_pools": InspectorPool.objects.prefetch_related("members"), "tform": tform, "iform": iform,
    })


def public_results(request):
    """一公开: published draws and results, without personal data. No login."""
    return render(request, "inspection/public.html", {
        "plans": queries.public_plans(), "draws": queries.public_draws(),
    })


def public_draw(request, pk):
    draw = Draw.objects.filter(pk=pk, published_at__isnull=False).select_related("plan").first()
    if draw is None:
        raise Http404
    rows = []
    for a in draw.assignments.select_related("target", "inspector"):
        rows.append({"position": a.position, "target": a.target.name,
                     "inspector": queries.mask_name(a.inspector.full_name)})
    return render(request, "inspection/public_draw.html", {"draw": draw, "rows": rows})


def public_draw_snapshot(request, pk):
    draw = Draw.objects.filter(pk=pk, published_at__isnull=False).first()
    if draw is None:
        raise Http404
    return JsonResponse(queries.public_snapshot(draw), json_dumps_params={"ensure_ascii": False, "indent": 1})


def public_plan(request, pk):
    plan = queries.public_plans().filter(pk=pk).first()
    if plan is None:
        raise Http404
    return render(request, "inspection/public_plan.html", {"plan": plan, "report": queries.plan_report(plan, public=True)})
