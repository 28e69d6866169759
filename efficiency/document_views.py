"""Official documents' pages: the download (scoped like the item) and the issue form's POST."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import documents


@login_required
def document_pdf(request, pk):
    """The document's PDF, for a user who may see its item; anyone else gets the item's 404."""
    doc, pdf = documents.document_download(request.user, pk, request=request)
    return pdf_response(doc, pdf)


def pdf_response(doc, pdf: bytes) -> HttpResponse:
    """A document's PDF as a download (the page's and the API's)."""
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="document-{doc.pk}.pdf"'
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


@login_required
@require_POST
def document_issue(request):
    """Issue a document by hand from an item's page (e.g. the office's 督办单 to a unit)."""
    p = request.POST
    subject, kind = p.get("subject", ""), p.get("kind", "")
    if p.get("choice"):  # the page's select: "label:pk|kind"
        subject, _bar, kind = p["choice"].partition("|")
    label, _sep, pk = subject.rpartition(":")
    back = p.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    if not label or not pk:
        return HttpResponseBadRequest(_("请选择出具对象。"))
    try:
        doc = documents.issue_by_hand(kind=kind, model_label=label, pk=pk, actor=request.user,
                                      request=request, signed_by_id=p.get("signed_by") or None,
                                      note=p.get("note", ""), replaces_id=p.get("replaces") or None,
                                      reason=p.get("reason", ""))
    except ValidationError as exc:
        return render(request, "efficiency/document_error.html", {"errors": exc.messages, "back": back}, status=400)
    messages.success(request, _("已出具%(t)s %(n)s。") % {"t": doc.title, "n": doc.number})
    return redirect(back + "#documents")
