"""Pages of government documents and their year-end execution reports (R55), of the internal
procedures and standards open among departments, and the public progress of key work (R59)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from efficiency import listing
from efficiency.models import Role
from efficiency.permissions import require_role
from efficiency.workdays import local_date

from . import queries, services
from .forms import ExecutionReportForm, PolicyDocumentForm, InternalProcedureForm
from .models import ExecutionReport

STAFF = (Role.CLERK, Role.HEAD, Role.OFFICE, Role.LEADER)


def _staff_only(user) -> None:
    if getattr(user, "role", None) not in STAFF:
        raise Http404


@login_required
def policies(request):
    """The documents and the report duties; the office registers a document and sees the
    departments whose year-end report is missing (R55)."""
    _staff_only(request.user)
    form = PolicyDocumentForm(request.POST or None)
    if request.method == "POST":
        require_role(request.user, Role.OFFICE, message=services.OFFICE_ONLY)
        if form.is_valid():
            try:
                doc = services.policy_document_register(actor=request.user, **form.cleaned_data)
            except ValidationError as e:
                form.add_error(None, e)
            else:
                messages.success(request, _("已登记政府文件 %(n)s") % {"n": doc.number})
                return redirect(doc)
    status = request.GET.get("status", "")
    year = request.GET.get("year", "") or str(local_date(timezone.now()).year)
    return render(request, "supervision/policies.html", {
        "form": form, "is_office": request.user.role == Role.OFFICE,
        "documents": listing.Head(queries.documents_visible(request.user), 200),
        "reports": listing.Head(queries.execution_report_list(request.user, status=status, year=year), 500),
        "status": status, "year": year,
        "statuses": [("", _("全部")), ("missing", _("未报送")), ("overdue", _("逾期未报送")), ("filed", _("已报送"))],
    })


@login_required
def policy(request, pk):
    doc = queries.access_document(request.user, pk, request=request)
    form = ExecutionReportForm()
    if request.method == "POST":
        report = get_object_or_404(ExecutionReport, pk=request.POST.get("report") or 0, document=doc)
        form = ExecutionReportForm(request.POST)
        try:
            # The service says what is missing, part by part, whatever the form thinks.
            d = form.data
            services.execution_report_file(actor=request.user, report=report, execution=d.get("execution", ""),
                                           problems=d.get("problems", ""), measures=d.get("measures", ""))
        except ValidationError as e:
            form.is_valid()
            messages.error(request, "；".join(getattr(e, "messages", None) or [str(e)]))
        else:
            messages.success(request, _("已向本级政府报送年度执行情况报告"))
            return redirect(doc)
    reports = doc.reports.select_related("filed_by").order_by("-year")
    return render(request, "supervision/policy.html", {
        "doc": doc, "reports": reports, "form": form,
        "can_file": request.user.role == Role.HEAD and request.user.unit_id == doc.unit_id,
    })


@login_required
def procedures(request):
    """R59: every unit's internal procedures and standards, open to the staff of all units; a
    unit's head publishes the unit's own."""
    _staff_only(request.user)
    form = InternalProcedureForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.procedure_publish(actor=request.user, **form.cleaned_data)
            except ValidationError as e:
                form.add_error(None, e)
            else:
                messages.success(request, _("已发布"))
                return redirect("supervision:procedures")
        else:
            require_role(request.user, Role.HEAD, message=_("只有单位负责人可以发布本单位的内部运转流程和标准。"))
    return render(request, "supervision/procedures.html", {
        "items": listing.Head(queries.procedures_open(request.user), 500), "form": form,
        "can_publish": request.user.role == Role.HEAD and request.user.unit_id is not None,
    })


def public_progress(request):
    """R59: the progress of key work and of routine major matters, for the public (no login);
    secret and sensitive ones are never listed."""
    return render(request, "supervision/public_progress.html", {"tasks": listing.Head(queries.public_progress(), 1000),
                                                                "matters": listing.Head(queries.public_matters(), 1000)})
