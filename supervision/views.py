"""Pages: my unit's work list, the item page, the office's overview, the key-task list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from efficiency.models import PauseReason, Role, Unit
from efficiency.permissions import require_role, role_required
from efficiency.replica import reads_from_replica
from efficiency.uploads import download_name, upload_response

from efficiency import listing
from efficiency.exports import Ledger, ledger_export

from . import excel, filters, queries, services
from .forms import (
    AssignmentForm, ConsultationForm, DispatchForm, ImportForm, MilestoneDoneForm, MilestoneFormSet, NodeForm,
    OpinionForm, ProblemForm, ProcedureDoneForm, ProcedureForm, ProgressForm, ProjectForm, ReassignForm, TaskListForm,
)
from .models import Assignment, Consultation, Coordination, KeyTaskList, ProgressReport, TaskNode

ACTION_LABELS = {
    "acknowledge": gettext_lazy("签收"), "deploy": gettext_lazy("布置落实"), "feedback": gettext_lazy("反馈"), "dispute": gettext_lazy("提出争议"),
    "urge": gettext_lazy("督办"), "close": gettext_lazy("办结"), "return": gettext_lazy("退回"),
    "extend": gettext_lazy("延期"), "pause-request": gettext_lazy("申请暂停计时"),
    "pause-approve": gettext_lazy("批准暂停"), "pause-refuse": gettext_lazy("不予批准"),
    "pause-gone": gettext_lazy("报告暂停事由消除"), "pause-resume": gettext_lazy("恢复计时"),
}
# What only the target's own unit may ask for: a co-unit of the item gets 404, as an outsider.
OWN_UNIT_ACTIONS = ("pause-request", "pause-gone")


def _targets(request) -> filters.TargetFilter:
    return filters.TargetFilter(request.GET, queryset=queries.target_list(request.user), request=request)


@login_required
def work_list(request):
    ctx = listing.list_context(request, _targets(request), export=reverse("supervision:work_export"),
                               rows=queries.work_list_rows)
    ctx["items"] = queries.work_list_labels(ctx["items"])
    return render(request, "supervision/work_list.html", {**ctx, "is_office": request.user.role == Role.OFFICE})


def work_ledger(request) -> Ledger:
    return Ledger(_targets(request).qs, filters.TARGET_COLUMNS, _("交办件台账.xlsx"), _("交办件台账"))


@login_required
@reads_from_replica
def work_export(request):
    return ledger_export(request, "supervision.work")


@login_required
@role_required(Role.OFFICE)
def assignment_new(request):
    form = AssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            item = services.assignment_create(
                actor=request.user, kind=d["kind"], title=d["title"], source_text=d["source_text"],
                issuing_leader=d["issuing_leader"], deadline=d["deadline"], lead_unit=d["lead_unit"],
                co_units=list(d["co_units"]), source_document=d["source_document"],
                required_output=d["required_output"], deadline_clause=d["deadline_clause"],
                is_confidential=d["is_confidential"])
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("已登记交办件 %(n)s") % {"n": item.number})
            return redirect(item)
    return render(request, "supervision/assignment_form.html", {"form": form})


@login_required
def assignment_detail(request, pk):
    item = queries.access_assignment(request.user, pk, request=request)
    targets = list(queries.assignment_targets(item))
    for t in targets:
        t.actions = [(a, ACTION_LABELS[a]) for a in services.target_actions(request.user, t)]
        t.step_name = services.STEP_NAMES.get(t.step, t.step)
        t.open_request = t.open_pause_requests[0] if t.open_pause_requests else None
    is_office = request.user.role == Role.OFFICE
    return render(request, "supervision/assignment_detail.html", {
        "item": item, "targets": targets, "timeline": queries.assignment_timeline(item),
        "coordinations": item.coordinations.select_related("unit", "raised_by", "decided_by", "lead_by",
                                                           "referred_by"),
        "is_office": request.user.role == Role.OFFICE,
        "is_lead_head": request.user.role == Role.HEAD and any(
            t.is_lead and t.unit_id == request.user.unit_id for t in targets),
        "is_leader": request.user.role == Role.LEADER,
        "is_lead_member": request.user.role in (Role.CLERK, Role.HEAD) and any(
            t.is_lead and t.unit_id == request.user.unit_id for t in targets),
        "dispatch_form": DispatchForm() if item.status == Assignment.Status.REGISTERED else None,
        "replies": Assignment.Reply.choices, "needs_reply": bool(services.FLOWS[item.kind].reply),
        "step_names": services.STEP_NAMES, "pause_reasons": PauseReason.choices,
        "pause_requests": queries.pause_requests_of(item),
        "units": Unit.objects.filter(is_active=True).order_by("code") if is_office else (),
        "reassign_modes": ReassignForm.base_fields["mode"].choices,
        "consultations": queries.consultations_of(item), "consultation_form": ConsultationForm(),
    })


@login_required
@require_POST
def target_action(request, pk, action):
    access = queries.access_own_target if action in OWN_UNIT_ACTIONS else queries.access_target
    target = access(request.user, pk, request=request)
    p, user = request.POST, request.user
    handlers = {
        "acknowledge": lambda: services.target_acknowledge(actor=user, target=target, note=p.get("note", "")),
        "deploy": lambda: services.target_deploy(actor=user, target=target, note=p.get("note", "")),
        "feedback": lambda: services.target_feedback(actor=user, target=target, text=p.get("text", ""),
                                                     evidence=request.FILES.get("evidence")),
        "return": lambda: services.target_return(actor=user, target=target, reason=p.get("reason", "")),
        "close": lambda: services.target_close(actor=user, target=target, note=p.get("note", ""),
                                               reply=p.get("reply", "")),
        "urge": lambda: services.target_urge(actor=user, target=target, message=p.get("message", "")),
        "dispute": lambda: services.dispute_raise(actor=user, target=target, reason=p.get("reason", "")),
        "extend": lambda: services.target_extend(actor=user, target=target, value=p.get("value"),
                                                 reason=p.get("reason", "")),
        "pause-request": lambda: services.pause_request(actor=user, target=target, reason=p.get("pause_reason", ""),
                                                        explanation=p.get("explanation", "")),
        "pause-approve": lambda: services.pause_approve(actor=user, target=target, note=p.get("note", "")),
        "pause-refuse": lambda: services.pause_refuse(actor=user, target=target, reason=p.get("reason", "")),
        "pause-gone": lambda: services.pause_report_gone(actor=user, target=target, note=p.get("note", "")),
        "pause-resume": lambda: services.pause_resume(actor=user, target=target, note=p.get("note", "")),
    }
    if action not in handlers:
        raise Http404
    try:
        handlers[action]()
    except ValidationError as e:
        messages.error(request, "；".join(getattr(e, "messages", None) or [str(e)]))
    else:
        messages.success(request, _("已%(a)s") % {"a": ACTION_LABELS[action]})
    return redirect(target.assignment)


@login_required
@require_POST
def assignment_dispatch(request, pk):
    item = queries.access_assignment(request.user, pk, request=request)
    form = DispatchForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请选择牵头单位。"))
        services.assignment_dispatch(actor=request.user, assignment=item, lead_unit=form.cleaned_data["lead_unit"],
                                     co_units=list(form.cleaned_data["co_units"]))
    except ValidationError as e:
        messages.error(request, "；".join(getattr(e, "messages", None) or [str(e)]))
    return redirect(item)


@login_required
@require_POST
def coordinate(request, pk, cpk):
    item = queries.access_assignment(request.user, pk, request=request)
    c = get_object_or_404(Coordination, pk=cpk, assignment=item)
    reassign = ReassignForm(request.POST) if request.POST.get("to_unit") else None
    try:
        if reassign is not None and not reassign.is_valid():
            raise ValidationError(_("请选择有效的承办单位和调整方式。"))
        services.dispute_coordinate(
            actor=request.user, coordination=c, opinion=request.POST.get("opinion", ""),
            reassign_to=reassign.cleaned_data["to_unit"] if reassign else None,
            mode=reassign.cleaned_data["mode"] if reassign else Coordination.Reassign.TRANSFER)
    except ValidationError as e:
        messages.error(request, "；".join(getattr(e, "messages", None) or [str(e)]))
    return redirect(item)


@login_required
@require_POST
def dispute_step(request, pk, cpk, step):
    item = queries.access_assignment(request.user, pk, request=request)
    c = get_object_or_404(Coordination, pk=cpk, assignment=item)
    if step not in services.DISPUTE_STEPS:  # R43: lead unit → government office → leader
        raise Http404
    p = request.POST
    try:
        services.dispute_step(actor=request.user, coordination=c, step=step, note=p.get("note", ""),
                              preferred_opinion=p.get("preferred_opinion", ""), opinion=p.get("opinion", ""))
    except ValidationError as e:
        messages.error(request, "；".join(getattr(e, "messages", None) or [str(e)]))
    else:
        messages.success(request, _("已记录"))
    return redirect(item)


@login_required
@require_POST
def reassign(request, pk, cpk):
    """Act on a coordination opinion already recorded: 转办 or 调整牵头."""
    item = queries.access_assignment(request.user, pk, request=request)
    c = get_object_or_404(Coordination, pk=cpk, assignment=item)
    form = ReassignForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请选择有效的承办单位和调整方式。"))
        services.coordination_reassign(actor=request.user, coordination=c, **form.cleaned_data)
    except ValidationError as e:
        messages.error(request, "；".join(getattr(e, "messages", None) or [str(e)]))
    else:
        messages.success(request, _("已按协调意见调整承办单位"))
    return redirect(item)


# --- consultations (征求意见, R57) ---------------------------------------------------------------


def _errors(request, e: ValidationError) -> None:
    messages.error(request, "；".join(getattr(e, "messages", None) or [str(e)]))


@login_required
@require_POST
def consultation_new(request, pk):
    item = queries.access_assignment(request.user, pk, request=request)
    form = ConsultationForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写征求意见事项、征求意见稿并选择被征询单位。"))
        c = services.consultation_open(actor=request.user, assignment=item, **form.cleaned_data)
    except ValidationError as e:
        _errors(request, e)
        return redirect(item)
    messages.success(request, _("已发出征求意见"))
    return redirect(c)


CONSULTATION_STEPS = {
    "final": lambda u, c, p: services.consultation_finalize(actor=u, consultation=c),
    "decide": lambda u, c, p: services.consultation_decide(actor=u, consultation=c, decision=p.get("decision", "")),
}


@login_required
def consultation(request, pk, cpk):
    """One consultation: the draft, each consulted unit's signed opinion, the stage (R57)."""
    c = queries.access_consultation(request.user, pk, cpk, request=request)
    form = OpinionForm()
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "opinion":
                form = OpinionForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("请选择意见并填写意见内容。"))
                services.opinion_return(actor=request.user, consultation=c, **form.cleaned_data)
            elif step in CONSULTATION_STEPS:
                CONSULTATION_STEPS[step](request.user, c, request.POST)
            else:
                raise Http404
        except ValidationError as e:
            _errors(request, e)
        else:
            messages.success(request, _("已记录"))
            return redirect(c)
        c = queries.access_consultation(request.user, pk, cpk, request=request)
    user = request.user
    consulted = [u.pk for u in c.units.all()]
    answered = {o.unit_id for o in c.opinions.all() if o.stage == c.stage}
    return render(request, "supervision/consultation.html", {
        "c": c, "item": c.assignment, "form": form,
        "opinions": sorted(c.opinions.all(), key=lambda o: (o.signed_at, o.pk)),
        "pending": [u for u in c.units.all() if u.pk not in {o.unit_id for o in c.opinions.all()
                                                              if o.stage == Consultation.Stage.CONSULTING}],
        "can_answer": user.role == Role.HEAD and user.unit_id in consulted and user.unit_id not in answered
        and c.stage != Consultation.Stage.DECIDED,
        "can_lead": user.role == Role.OFFICE or (user.role in (Role.CLERK, Role.HEAD) and user.unit_id == c.unit_id),
    })


@login_required
def overview(request):
    if request.user.role not in (Role.OFFICE, Role.LEADER):
        raise Http404
    f = filters.AssignmentFilter(request.GET, queryset=queries.assignment_list(request.user), request=request)
    ctx = listing.list_context(request, f, export=reverse("supervision:assignment_export"))
    return render(request, "supervision/overview.html", {**ctx, "rows": queries.overview()})


def assignment_ledger(request) -> Ledger:
    if request.user.role not in (Role.OFFICE, Role.LEADER):
        raise Http404
    f = filters.AssignmentFilter(request.GET, queryset=queries.assignment_list(request.user), request=request)
    return Ledger(f.qs.prefetch_related("targets__unit"), filters.ASSIGNMENT_COLUMNS,
                          _("交办件登记簿.xlsx"), _("交办件登记簿"))


@login_required
@reads_from_replica
def assignment_export(request):
    return ledger_export(request, "supervision.assignments")


# The ledgers exported through `efficiency.exports` (registered in SupervisionConfig.ready).
LEDGERS = {"supervision.work": work_ledger, "supervision.assignments": assignment_ledger}


# --- key tasks --------------------------------------------------------------------------------


@login_required
def task_lists(request):
    form = TaskListForm(request.POST or None)
    if request.method == "POST":
        require_role(request.user, Role.OFFICE, message=services.OFFICE_ONLY)
        if form.is_valid():
            try:
                tl = services.tasklist_create(actor=request.user, **form.cleaned_data)
            except ValidationError as e:
                form.add_error(None, e)
            else:
                return redirect(tl)
    return render(request, "supervision/task_lists.html", {
        "lists": queries.task_lists(request.user), "form": form, "is_office": request.user.role == Role.OFFICE})


def _tasks(request, tl) -> filters.KeyTaskFilter:
    return filters.KeyTaskFilter(request.GET, queryset=queries.tasks_of(request.user, tl), request=request)


@login_required
def task_list(request, year):
    tl = get_object_or_404(queries.task_lists(request.user), year=year)
    ctx = listing.list_context(request, _tasks(request, tl), export=reverse("supervision:task_export", args=[year]))
    for t in ctx["items"]:
        t.tree = _tree(list(t.nodes.all()))
        t.lagging = t.closed_at is None and t.lag is not None and t.lag > tl.lag_margin
    return render(request, "supervision/task_list.html", {
        **ctx, "tl": tl, "is_office": request.user.role == Role.OFFICE, "import_form": ImportForm(),
    })


def _tree(nodes, parent=None, depth=0):
    out = []
    for n in nodes:
        if n.parent_id == (parent.pk if parent else None):
            n.depth = depth
            out += [n, *_tree(nodes, n, depth + 1)]
    return out


@login_required
def task_detail(request, pk):
    task = queries.access_task(request.user, pk, request=request)
    form = ProgressForm()
    node_form = NodeForm()
    if request.method == "POST":
        kind = request.POST.get("form")
        try:
            if kind == "report":
                form = ProgressForm(request.POST, request.FILES)
                if form.is_valid():
                    services.progress_report(actor=request.user, task=task, **form.cleaned_data)
                    messages.success(request, _("已报告进度"))
                    return redirect(task)
            elif kind == "node":
                node_form = NodeForm(request.POST)
                if node_form.is_valid():
                    d = node_form.cleaned_data
                    parent = get_object_or_404(TaskNode, pk=d.pop("parent"), task=task) if d.get("parent") else None
                    d.pop("parent", None)
                    services.node_create(actor=request.user, task=task, parent=parent, **d)
                    return redirect(task)
            elif kind == "node_done":
                node = get_object_or_404(TaskNode, pk=request.POST.get("node"), task=task)
                services.node_complete(actor=request.user, node=node)
                return redirect(task)
            elif kind == "confidential":
                # R59: a secret or sensitive task is kept off the public progress page.
                require_role(request.user, Role.OFFICE, message=services.OFFICE_ONLY)
                services.keytask_update(actor=request.user, task=task,
                                        is_confidential=request.POST.get("is_confidential") == "1")
                messages.success(request, _("已保存"))
                return redirect(task)
            elif kind == "urge":
                services.keytask_urge(actor=request.user, task=task, message=request.POST.get("message", ""))
                messages.success(request, _("已督办"))
                return redirect(task)
        except ValidationError as e:
            messages.error(request, "；".join(getattr(e, "messages", None) or [str(e)]))
    lag = queries.lag_of(task)
    return render(request, "supervision/task_detail.html", {
        "task": task, "form": form, "node_form": node_form, "nodes": _tree(list(task.nodes.select_related(
            "owner", "unit"))), "reports": task.reports.select_related("reported_by"),
        "timeline": queries.task_timeline(task), "lag": lag,
        "lagging": task.closed_at is None and lag is not None and lag > task.task_list.lag_margin,
        "can_report": request.user.role in (Role.CLERK, Role.HEAD) and request.user.unit_id == task.unit_id,
        "can_decompose": request.user.role == Role.OFFICE or (request.user.role == Role.HEAD
                                                              and request.user.unit_id == task.unit_id),
        "can_urge": request.user.role in (Role.OFFICE, Role.LEADER),
        "is_office": request.user.role == Role.OFFICE,
    })


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=excel.XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@login_required
def task_template(request):
    return _xlsx(excel.template_xlsx(), "key-task-template.xlsx")


@login_required
@reads_from_replica
def task_export(request, year):
    """The list with the page's filters, in the import template's columns (an edited export imports back)."""
    tl = get_object_or_404(queries.task_lists(request.user), year=year)
    return _xlsx(excel.export_xlsx(tl, _tasks(request, tl).qs), f"key-tasks-{year}.xlsx")


@login_required
@role_required(Role.OFFICE)
def task_import(request, year):
    tl = get_object_or_404(queries.task_lists(request.user), year=year)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = excel.import_xlsx(actor=request.user, task_list=tl, data=form.cleaned_data["file"])
        if result.ok:
            messages.success(request, _("导入完成：新增 %(c)s 项，修改 %(u)s 项，未变 %(n)s 项")
                             % {"c": result.created, "u": result.updated, "n": result.unchanged})
            return redirect(tl)
    return render(request, "supervision/task_import.html", {"tl": tl, "form": form, "result": result})


# --- uploads: served only to whoever may see the item (efficiency.uploads) ------------------------


@login_required
def target_evidence(request, pk):
    target = queries.access_target(request.user, pk, request=request)
    if not target.evidence:
        raise Http404
    return upload_response(target.evidence, filename=download_name(f"evidence-{target.pk}", target.evidence,
                                                                       target.evidence_name))


@login_required
def report_attachment(request, pk, report):
    task = queries.access_task(request.user, pk, request=request)
    r = get_object_or_404(ProgressReport.objects.exclude(attachment=""), task=task, pk=report)
    return upload_response(r.attachment, filename=download_name(f"progress-report-{r.pk}", r.attachment,
                                                                   r.attachment_name))


# --- key projects (R51) and county hard problems (R62) ---------------------------------------------

STAFF_ROLES = (Role.CLERK, Role.HEAD, Role.OFFICE, Role.LEADER)


def _errors(request, e: ValidationError) -> None:
    messages.error(request, "；".join(getattr(e, "messages", None) or [str(e)]))


@login_required
@role_required(*STAFF_ROLES)
def project_list(request):
    """The key projects the user's team is on, and the team's procedures (the home to-do opens here)."""
    f = {k: request.GET.get(k, "") for k in ("status", "window", "rung")}
    return render(request, "supervision/projects.html", {
        "projects": listing.Head(queries.projects_visible(request.user), 200),
        "procedures": listing.Head(queries.procedure_list(request.user, **f), 200), "filters": f,
        "can_register": request.user.role in (Role.OFFICE, Role.LEADER),
    })


@login_required
@role_required(Role.OFFICE, Role.LEADER)
def project_new(request):
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_register(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已登记重点投资项目并组建代办服务组"))
            return redirect(project)
        except ValidationError as e:
            for field, errs in e.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
    return render(request, "supervision/project_form.html", {"form": form})


@login_required
def project_detail(request, pk):
    project = queries.access_project(request.user, pk, request=request)
    form, done_form = ProcedureForm(), ProcedureDoneForm()
    if request.method == "POST":
        kind = request.POST.get("form")
        try:
            if kind == "procedure":
                form = ProcedureForm(request.POST)
                if form.is_valid():
                    services.procedure_add(actor=request.user, project=project, **form.cleaned_data)
                    return redirect(project)
            elif kind == "done":
                done_form = ProcedureDoneForm(request.POST)
                procedure = get_object_or_404(project.procedures, pk=request.POST.get("procedure"))
                if done_form.is_valid():
                    services.procedure_complete(actor=request.user, procedure=procedure, **done_form.cleaned_data)
                    return redirect(project)
            elif kind == "close":
                services.project_close(actor=request.user, project=project)
                messages.success(request, _("项目代办完结"))
                return redirect(project)
        except ValidationError as e:
            _errors(request, e)
    procedures = list(queries.project_procedures(project))
    return render(request, "supervision/project_detail.html", {
        "project": project, "team": project.team, "team_units": project.team.units.all(), "procedures": procedures,
        "contacts": sum(1 for p in procedures if p.zero_contact is False),
        "form": form, "done_form": done_form, "timeline": queries.item_timeline(project, project.procedures.all()),
    })


@login_required
@role_required(*STAFF_ROLES)
def problem_list(request):
    f = {k: request.GET.get(k, "") for k in ("status", "window", "rung")}
    return render(request, "supervision/problems.html", {
        "problems": listing.Head(queries.problems_visible(request.user), 200),
        "milestones": listing.Head(queries.milestone_list(request.user, **f), 200), "filters": f,
        "can_register": request.user.role in (Role.OFFICE, Role.LEADER, Role.HEAD),
    })


def _schedule(formset) -> list[dict]:
    """The filled rows of the schedule (a blank row is no row)."""
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and any(f.cleaned_data.values())]


@login_required
@role_required(Role.OFFICE, Role.LEADER, Role.HEAD)
def problem_new(request):
    form, formset = ProblemForm(request.POST or None), MilestoneFormSet(request.POST or None, prefix="m")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            problem = services.problem_create(actor=request.user, milestones=_schedule(formset), **form.cleaned_data)
            messages.success(request, _("已登记县区难题"))
            return redirect(problem)
        except ValidationError as e:
            for field, errs in e.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
    return render(request, "supervision/problem_form.html", {"form": form, "formset": formset})


@login_required
def problem_detail(request, pk):
    problem = queries.access_problem(request.user, pk, request=request)
    done_form = MilestoneDoneForm()
    if request.method == "POST":
        try:
            if request.POST.get("form") == "done":
                done_form = MilestoneDoneForm(request.POST)
                milestone = get_object_or_404(problem.milestones, pk=request.POST.get("milestone"))
                if done_form.is_valid():
                    services.milestone_complete(actor=request.user, milestone=milestone, **done_form.cleaned_data)
                    return redirect(problem)
            elif request.POST.get("form") == "solve":
                services.problem_solve(actor=request.user, problem=problem, note=request.POST.get("note", ""))
                return redirect(problem)
        except ValidationError as e:
            _errors(request, e)
    return render(request, "supervision/problem_detail.html", {
        "problem": problem, "team_units": problem.team_units.all(),
        "milestones": problem.milestones.select_related("unit", "owner"), "done_form": done_form,
        "timeline": queries.item_timeline(problem, problem.milestones.all()),
    })
