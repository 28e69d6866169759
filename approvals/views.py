"""Pages of the approvals app: the window clerk, the unit head, the office, and the public."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from efficiency import listing, permissions
from efficiency.exports import Ledger, ledger_export
from efficiency.models import Role, Unit, User

from . import filters, forms, public, queries, services
from .models import Application, ServiceItem, Status, StepStatus


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _act(request, app_or_none, fn, ok: str):
    """Run a service for a POST; bad input becomes a message on the page, never a 500 (a
    forbidden action is the 403 page)."""
    try:
        result = fn()
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return None
    messages.success(request, ok)
    return result


# --- staff: workspace ---------------------------------------------------------------------------


@login_required
def index(request):
    """The clerk's window (today's intake, my open applications by due date, steps to answer);
    the head's approvals (extension requests, bad ratings); the office sees everything."""
    user = request.user
    ctx = {
        "today": queries.clerk_today(user),
        "mine": listing.Head(queries.clerk_open(user)),
        "centre_open": listing.Head(queries.centre_open(user)),
        "steps": listing.Head(queries.steps_for_unit(user)),
        "extensions": _extensions(user),
        "followups": listing.Head(queries.followups_open(user)) if user.role in (Role.HEAD, Role.OFFICE) else [],
        "items": ServiceItem.objects.filter(unit_id=user.unit_id).order_by("code") if user.unit_id else [],
        "is_office": permissions.is_office(user) or permissions.is_leader(user),
    }
    return render(request, "approvals/index.html", ctx)


def _extensions(user) -> listing.Head | list[Application]:
    """The extension requests on the user's desk (the first 100, the page says how many in all),
    each marked whether the user approves it (R22); a leader sees those he approves."""
    if user.role not in (Role.HEAD, Role.OFFICE, Role.LEADER):
        return []
    head = listing.Head(queries.extension_requests(user), 100)
    for app in head.rows:
        app.can_approve = services.can_approve_extension(user, app)
    if user.role == Role.LEADER:
        head.rows = [a for a in head.rows if a.can_approve]
    return head


def _applications(request) -> filters.ApplicationFilter:
    qs = queries.applications_visible(request.user).order_by("due_at", "-received_at")
    return filters.ApplicationFilter(request.GET, queryset=qs, request=request)


@login_required
def application_list(request):
    ctx = listing.list_context(request, _applications(request), export=reverse("approvals:export"),
                               rows=queries.application_list_rows)
    ctx["items"] = queries.application_list_labels(ctx["items"])
    return render(request, "approvals/list.html", {**ctx, "satisfaction": queries.satisfaction_by_unit()})


@login_required
def application_export(request):
    return ledger_export(request, "approvals.applications")


# The ledgers exported through `efficiency.exports` (registered in ApprovalsConfig.ready).
LEDGERS = {"approvals.applications": lambda request: Ledger(
    _applications(request).qs, filters.APPLICATION_COLUMNS, _("办件台账.xlsx"), _("办件台账"))}


# --- staff: catalog -----------------------------------------------------------------------------


@login_required
def item_edit(request, pk=None):
    item = get_object_or_404(ServiceItem, pk=pk) if pk else None
    unit = item.unit if item else (request.user.unit if request.user.unit_id else None)
    if not item and request.GET.get("unit") and (permissions.is_office(request.user)
                                                 or request.user.role == Role.SYSTEM_ADMIN):
        unit = get_object_or_404(Unit, pk=request.GET["unit"]) if request.GET["unit"].isdigit() else None
    if unit is None or not services.can_edit_items(request.user, unit):
        raise Http404
    form = forms.ServiceItemForm(request.POST or None, instance=item, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.item_save(actor=request.user, unit=unit, item=item, **form.service_kwargs())
        except ValidationError as exc:
            for field, errs in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, _("办事指南已保存。"))
            return redirect("approvals:public_item", saved.code)
    return render(request, "approvals/item_form.html", {"form": form, "item": item, "unit": unit})


@login_required
def item_steps(request, pk):
    """办理环节 (R61): each step with its own limit, responsible leader and handler."""
    item = get_object_or_404(ServiceItem.objects.select_related("unit"), pk=pk)
    if not services.can_edit_items(request.user, item.unit):
        raise Http404
    initial = [{"name": s.name, "limit_days": s.limit_days, "leader": s.leader_id, "handler": s.handler_id}
               for s in item.steps.all()]
    formset = forms.ServiceStepFormSet(request.POST or None, initial=initial, form_kwargs={"unit": item.unit})
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        steps = [f.cleaned_data for f in formset if not f.is_blank]
        try:
            services.item_steps_set(actor=request.user, item=item, steps=steps)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("办理环节已保存。"))
            return redirect("approvals:item_steps", item.pk)
    return render(request, "approvals/item_steps.html", {"item": item, "formset": formset, "errors": errors,
                                                         "steps": item.steps.select_related("leader", "handler")},
                  status=400 if errors or (request.method == "POST" and not formset.is_valid()) else 200)


# --- staff: intake and the application ----------------------------------------------------------


@login_required
def intake(request):
    user = request.user
    if user.role not in (Role.CLERK, Role.HEAD):
        raise Http404
    items = queries.window_items(user)  # a 政务服务中心 window: every department's item (综合窗口)
    item_id = request.GET.get("item") or request.POST.get("item") or ""
    item = items.filter(pk=item_id).first() if item_id.isdigit() else None  # ?item=abc was a 500
    form = forms.IntakeForm(request.POST or None, item=item) if item else None
    if request.method == "POST" and form is not None and form.is_valid():
        d = form.cleaned_data
        try:
            app, code = services.application_receive(
                actor=user, item=item, applicant_kind=d["applicant_kind"], applicant_name=d["applicant_name"],
                applicant_id_number=d["applicant_id_number"], applicant_phone=d["applicant_phone"],
                project=d["project"], materials=list(d["materials"]), submitted_at=d.get("submitted_at"))
        except ValidationError as exc:
            for field, errs in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            if app.at_window:
                messages.success(request, _("已代%(unit)s受理登记，已转该单位办理。") % {"unit": app.unit.name})
            return _after_accept(request, app, code) if code else redirect(app)
    return render(request, "approvals/intake.html", {"items": items, "item": item, "form": form,
                                                     "centre": queries.is_centre(user)})


def _after_accept(request, app, code):
    # The check code is shown once, on the receipt page, then forgotten (only its hash is kept).
    # Taken in at a 政务服务中心 window, the applicant gets the centre's 受理回执.
    request.session[f"approvals-code-{app.pk}"] = code
    return redirect("approvals:slip" if app.at_window else "approvals:receipt", app.pk)


@login_required
def slip(request, pk):
    """受理回执: what the window hands the applicant — number, item, the department that decides,
    the committed limit and its due date (working days, China time), the applicant, where and by
    whom it was taken in, and the tracking code for the public lookup (shown once, at intake)."""
    app = queries.access_application(request.user, pk, request=request)
    if not app.receipt_number:
        raise Http404  # not accepted yet: the window prints the one-time notice instead
    code = request.session.pop(f"approvals-code-{app.pk}", None)
    return render(request, "approvals/slip.html", {"app": app, "code": code})


@login_required
def receipt(request, pk):
    app = queries.access_application(request.user, pk, request=request)
    code = request.session.pop(f"approvals-code-{app.pk}", None)
    return render(request, "approvals/receipt.html", {"app": app, "code": code})


@login_required
def application_detail(request, pk):
    app = queries.access_application(request.user, pk, request=request)
    user = request.user
    own = permissions.in_unit(user, app.unit_id)
    # The window that took it in handles its materials (一次性告知, 补齐受理), never the decision.
    materials_desk = own or bool(app.intake_unit_id and permissions.in_unit(user, app.intake_unit_id))
    steps = list(app.steps.select_related("unit", "decided_by"))
    ctx = {
        "app": app, "own": own, "materials_desk": materials_desk, "steps": steps,
        "is_head": permissions.is_head_of(user, app.unit_id),
        "can_approve_extension": services.can_approve_extension(user, app),
        "my_steps": [s for s in steps if s.unit_id == user.unit_id and s.status == StepStatus.PENDING],
        "timeline": queries.application_timeline(app, steps),
        "materials": app.item.materials.filter(required=True),
        "received": set(app.materials_received.values_list("pk", flat=True)),
        "complete_form": forms.CompleteForm(application=app),
        "decide_form": forms.DecideForm(), "pause_form": forms.PauseForm(), "extension_form": forms.ExtensionForm(),
        "withdraw_form": forms.WithdrawForm(), "step_form": forms.StepForm(), "followup_form": forms.FollowUpForm(),
        "reassign_form": forms.ReassignForm(application=app),
        "ratings": app.ratings.prefetch_related("followups").order_by("round"),
        "pending_steps": any(s.status == StepStatus.PENDING for s in steps),
        "refuse_form": forms.RefuseAcceptanceForm() if app.status in (Status.RECEIVED, Status.NOTICE_ISSUED) else None,
    }
    return render(request, "approvals/detail.html", ctx)


def _post_action(request, pk, run, ok):
    app = queries.access_application(request.user, pk, request=request)
    _act(request, app, lambda: run(app), ok)
    return redirect(app)


@login_required
@require_POST
def notice_issue(request, pk):
    app = queries.access_application(request.user, pk, request=request)
    if _act(request, app, lambda: services.application_issue_notice(actor=request.user, application=app),
            _("已出具一次性告知书。")):
        return redirect("approvals:notice", app.pk)
    return redirect(app)


@login_required
@require_POST
def refuse_acceptance(request, pk):
    """不予受理 (行政许可法 §32) with its decision; bad input is a message on the page."""
    p = request.POST
    return _post_action(request, pk, lambda app: services.application_refuse_acceptance(
        actor=request.user, application=app, ground=p.get("ground", ""), reason=p.get("reason", ""),
        refer_to=p.get("refer_to", "")), _("已作出不予受理决定，并出具不予受理决定书。"))


@login_required
def notice_print(request, pk):
    app = queries.access_application(request.user, pk, request=request)
    if not app.notice_issued_at:
        raise Http404
    return render(request, "approvals/notice_print.html", {"app": app})


@login_required
@require_POST
def complete(request, pk):
    app = queries.access_application(request.user, pk, request=request)
    form = forms.CompleteForm(request.POST, application=app)
    if not form.is_valid():
        messages.error(request, _("请勾选申请人补齐的材料。"))
        return redirect(app)
    result = _act(request, app, lambda: services.application_complete(
        actor=request.user, application=app, materials=list(form.cleaned_data["materials"])), _("材料已补齐，已受理。"))
    return _after_accept(request, app, result[1]) if result else redirect(app)


@login_required
@require_POST
def decide(request, pk):
    queries.access_application(request.user, pk, request=request)  # another unit's: 404 before any form message
    form = forms.DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择决定。"))
        return redirect("approvals:application", pk)
    d = form.cleaned_data
    return _post_action(request, pk, lambda app: services.application_decide(
        actor=request.user, application=app, outcome=d["outcome"], reason=d["reason"]), _("已作出决定。"))


@login_required
@require_POST
def withdraw(request, pk):
    reason = request.POST.get("reason", "")
    return _post_action(request, pk, lambda app: services.application_withdraw(
        actor=request.user, application=app, reason=reason), _("已登记撤回。"))


@login_required
@require_POST
def pause(request, pk):
    queries.access_application(request.user, pk, request=request)  # another unit's: 404 before any form message
    form = forms.PauseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择法定的暂停事由。"))
        return redirect("approvals:application", pk)
    d = form.cleaned_data
    return _post_action(request, pk, lambda app: services.application_pause(
        actor=request.user, application=app, reason=d["reason"], note=d["note"]), _("已暂停计时，并通知申请人。"))


@login_required
@require_POST
def resume(request, pk):
    return _post_action(request, pk, lambda app: services.application_resume(actor=request.user, application=app),
                        _("已恢复计时。"))


@login_required
@require_POST
def extension_request(request, pk):
    reason = request.POST.get("reason", "")
    return _post_action(request, pk, lambda app: services.application_request_extension(
        actor=request.user, application=app, reason=reason), _("延期申请已提交审批。"))


@login_required
@require_POST
def extension_approve(request, pk):
    return _post_action(request, pk, lambda app: services.application_approve_extension(
        actor=request.user, application=app), _("已批准延期。"))


@login_required
@require_POST
def reassign(request, pk):
    """改派承办人 by the unit head. The service checks everything (head, open, target, reason),
    so the page and the API refuse alike and in the same order."""
    app = queries.access_application(request.user, pk, request=request)  # another unit's: 404
    target = request.POST.get("to_user", "")
    to_user = User.objects.filter(pk=target).first() if target.isdigit() else None
    reason = request.POST.get("reason", "")
    _act(request, app, lambda: services.application_reassign(actor=request.user, application=app, to_user=to_user,
                                                             reason=reason), _("已改派承办人，并通知新承办人。"))
    return redirect(app)


@login_required
def decision_print(request, pk):
    app = queries.access_application(request.user, pk, request=request)
    if not app.is_decided or app.status == Status.NOT_ACCEPTED:  # its decision is the 不予受理决定书 (公文)
        raise Http404
    return render(request, "approvals/decision_print.html", {"app": app})


@login_required
@require_POST
def step_decide(request, pk):
    step = queries.access_step(request.user, pk, request=request)
    form = forms.StepForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        _act(request, step, lambda: services.step_decide(actor=request.user, step=step, consent=d["consent"],
                                                          opinion=d["opinion"]), _("会审意见已提交。"))
    else:
        messages.error(request, _("请选择同意或不同意。"))
    return redirect(step.application)


@login_required
def step_detail(request, pk):
    step = queries.access_step(request.user, pk, request=request)
    return redirect(step.application)


@login_required
@require_POST
def followup_done(request, pk):
    f = queries.access_followup(request.user, pk, request=request)
    form = forms.FollowUpForm(request.POST)
    if form.is_valid():
        _act(request, f, lambda: services.followup_done(actor=request.user, followup=f, note=form.cleaned_data["note"]),
             _("已登记。"))
    else:
        messages.error(request, _("请填写回访或整改情况。"))
    return redirect(f.rating.application)


# --- public (no login) ----------------------------------------------------------------------------


def public_catalog(request):
    items = queries.item_catalog()
    return render(request, "approvals/public_catalog.html", {"items": items, "one_visit": queries.one_visit_count(),
                                                             "satisfaction": queries.satisfaction_by_unit()})


def public_item(request, code):
    item = get_object_or_404(queries.item_catalog(), code=code)
    return render(request, "approvals/public_item.html", {"item": item})


def public_lookup(request):
    """The applicant's progress by receipt number and check code; after the decision, the
    rating (好差评). A wrong code reads exactly like an unknown number."""
    form = forms.LookupForm(request.POST or None)
    ctx = {"form": form, "rating_form": forms.RatingForm()}
    status = 200
    if request.method == "POST" and form.is_valid():
        if public.throttled(request):
            ctx["error"] = _("查询过于频繁，请一分钟后再试。")
            response = render(request, "approvals/public_lookup.html", ctx, status=429)
            response["Retry-After"] = str(public.WINDOW_SECONDS)
            return response
        app = public.lookup(request, form.cleaned_data["receipt_number"], form.cleaned_data["code"])
        if app is None:
            ctx["error"] = _("未找到该办件，请核对受理编号和查询码。")
            status = 404
        else:
            if request.POST.get("score"):
                rating_form = forms.RatingForm(request.POST)
                if rating_form.is_valid():
                    try:
                        services.rating_submit(application=app, score=rating_form.cleaned_data["score"],
                                               comment=rating_form.cleaned_data["comment"],
                                               actor=request.user, request=request)
                        ctx["thanks"] = True
                    except ValidationError as exc:
                        ctx["error"] = _errors(exc)
                else:
                    ctx["rating_form"] = rating_form
            app = Application.objects.select_related("item", "unit").get(pk=app.pk)
            ctx["result"] = public.public_view(app)
    return render(request, "approvals/public_lookup.html", ctx, status=status)
