"""Pages: the citizens' (no login: form, tracking, bulletins), the office's and the units'."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core import signing
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from efficiency.client import client_ip
from efficiency.models import Role, User
from efficiency.permissions import UNIT_ROLES, has_role, is_recused
from efficiency.uploads import upload_response

from efficiency import listing
from efficiency.exports import Ledger, ledger_export

from . import filters, forms, queries, security, services
from .models import AccountabilityCase, Complaint, ComplaintAttachment, ExemptionGround
from .pdf import bulletin_pdf



def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


# --- citizens --------------------------------------------------------------------------------


def units_json(request):
    """Active units for the searchable select (also used by channel apps)."""
    q = request.GET.get("q", "") or request.GET.get("subject_unit", "")
    q = q[:50]
    if request.GET.get("format") == "options":  # htmx: refill the form's <datalist> as the citizen types
        return render(request, "accountability/public/_unit_options.html", {"units": queries.units_active(q, limit=50)})
    return JsonResponse({"results": [{"id": u.pk, "name": u.name} for u in queries.units_active(q, limit=50)]})


def public_form(request):
    kind = "text" if request.GET.get("captcha") == "text" else "image"
    if request.method == "POST":
        ip = client_ip(request)
        if not security.submit_allowed(ip):
            response = render(request, "accountability/public/slow_down.html", status=429)
            response["Retry-After"] = str(security.SUBMIT_WINDOW_SECONDS)
            return response
        form = forms.ComplaintForm(request.POST, request.FILES)
        was_text = None  # known once the filing spent the challenge
        if not form.is_valid() and form.unit_missing():  # every error at once, the unit's too
            form.add_error("subject_unit", services.UnitMissing().error_dict["subject_unit"])
        elif form.is_valid():
            d = form.cleaned_data
            try:
                filed = services.complaint_file(
                    category=d["category"], subject_unit=d["subject_unit"], description=d["description"],
                    occurred_on=d["occurred_on"], place=d["place"], is_anonymous=d["is_anonymous"],
                    name=d["name"], phone=d["phone"], files=d["attachments"], ip=ip,
                    captcha=(d["captcha_id"], d["captcha_answer"]))
            except ValidationError as exc:  # a wrong CAPTCHA included (services.CaptchaRefused)
                was_text = getattr(exc, "was_text", None)
                _errors_to_form(form, exc)
            else:  # Post/Redirect/Get: a refresh of the receipt never files the complaint again
                return _receipt_redirect(filed)
        if was_text is None:  # the form's own errors: the challenge untouched, keep the kind it was
            was_text = "question" in security.captcha_show(request.POST.get("captcha_id", ""))
        data = form.data.copy()
        # A used or wrong challenge is never offered again; the kind the citizen chose is kept.
        data.update(security.captcha_new("text" if was_text or kind == "text" else "image"))
        data["captcha_answer"] = ""
        form.data = data
    else:
        form = forms.ComplaintForm(initial=security.captcha_new(kind))
    return _form_page(request, form)


# The receipt travels from the POST to the receipt page in a cookie signed with SECRET_KEY (its
# own salt), short-lived, HttpOnly, sent back only to that page: nothing is guessable or
# forgeable, nothing is written on the server for it (no session row on an anonymous POST), and
# the check code — kept only as a hash — never appears in a URL, a log line or the history.
RECEIPT_COOKIE = "complaint_receipt"
RECEIPT_SALT = "accountability.receipt"
RECEIPT_SECONDS = 15 * 60  # the receipt page shows it again on a refresh for this long


def _receipt_redirect(filed):
    c = filed.complaint
    response = redirect("accountability:public_filed")
    response.status_code = 303  # See Other: the browser GETs the receipt
    response.set_cookie(
        RECEIPT_COOKIE, signing.dumps([c.tracking_number, filed.check_code, filed.link_token, c.filed_at.isoformat(),
                                       c.due_at.isoformat() if c.due_at else ""], salt=RECEIPT_SALT),
        max_age=RECEIPT_SECONDS, path=reverse("accountability:public_filed"),
        secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Strict")
    return response


@never_cache
def public_filed(request):
    """The receipt after a filing (the form's POST answers 303 here): the tracking number, the
    check code and the link, read from the signed cookie the POST set. Without one (expired,
    another browser, tampered with), back to the form."""
    try:
        number, code, token, filed_at, due_at = signing.loads(
            request.COOKIES[RECEIPT_COOKIE], salt=RECEIPT_SALT, max_age=RECEIPT_SECONDS)
    except (KeyError, signing.BadSignature, ValueError, TypeError):
        return redirect("accountability:public_form")
    link = request.build_absolute_uri(f"/accountability/public/t/{token}/")
    c = {"tracking_number": number, "filed_at": datetime.fromisoformat(filed_at),
         "due_at": datetime.fromisoformat(due_at) if due_at else None}
    return render(request, "accountability/public/filed.html", {"c": c, "code": code, "link": link})


def public_captcha(request):
    """A new challenge for the complaint form's "换一张" and "改用文字题" (static/js/captcha.js):
    {"captcha_id", "image_url"} or, with ?kind=text, {"captcha_id", "question"}."""
    kind = request.GET.get("kind", "image")
    if kind not in security.CAPTCHA_KINDS:
        raise Http404
    return JsonResponse(security.captcha_new(kind), headers={"Cache-Control": "no-store"})


def _form_page(request, form):
    return render(request, "accountability/public/form.html", {
        "form": form, "units": queries.units_active(limit=100),
        "captcha": security.captcha_show(form["captcha_id"].value())})


def _show(request, c: Complaint, *, token: str = "", number: str = "", code: str = ""):
    return render(request, "accountability/public/status.html", {
        "p": queries.complaint_public(c), "token": token, "number": number, "code": code,
        "attachments": c.attachments.only("pk", "original_name"),
        "rate_form": forms.RateForm(), "reexamine_form": forms.ReexamineForm()})


def public_track(request):
    """Lookup by tracking number + check code; a wrong code looks like an unknown number."""
    form = forms.TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip, number = client_ip(request), form.cleaned_data["tracking_number"].strip().upper()
        if security.lookup_blocked(ip, number):
            response = render(request, "accountability/public/slow_down.html", status=429)
            response["Retry-After"] = str(security.LOOKUP_WINDOW_SECONDS)
            return response
        c = services.complaint_by_code(number, form.cleaned_data["code"])
        if c is not None:
            return _show(request, c, number=number, code=form.cleaned_data["code"])
        security.lookup_failed(ip, number)
        form.add_error(None, _("没有找到该投诉，请核对投诉编号和查询码。"))
        return render(request, "accountability/public/track.html", {"form": form}, status=404)
    return render(request, "accountability/public/track.html", {"form": form})


def public_track_token(request, token):
    c = services.complaint_by_token(token)
    if c is None:
        raise Http404
    return _show(request, c, token=token)


def _citizen_complaint(request) -> Complaint:
    token = request.POST.get("token", "")
    if token:
        c = services.complaint_by_token(token)
    else:
        ip, number = client_ip(request), request.POST.get("number", "").strip().upper()
        if security.lookup_blocked(ip, number):
            raise Http404
        c = services.complaint_by_code(number, request.POST.get("code", ""))
        if c is None:
            security.lookup_failed(ip, number)
    if c is None:
        raise Http404
    return c


@require_POST
def public_act(request, action):
    c = _citizen_complaint(request)
    try:
        if action == "rate":
            form = forms.RateForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("请选择满意、基本满意或不满意。"))
            c = services.complaint_rate(complaint=c, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"],
                                        actor=request.user, request=request)
            messages.success(request, _("感谢您的评价。"))
        elif action == "reexamine":
            c = services.complaint_reexamine(complaint=c, reason=request.POST.get("reason", ""))
            messages.success(request, _("复查申请已提交，效能办将重新办理。"))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    c.refresh_from_db()
    return _show(request, c, token=request.POST.get("token", ""), number=request.POST.get("number", ""),
                 code=request.POST.get("code", ""))


@require_POST
def public_attachment(request, att):
    """The complainant's own evidence, for the private link or the number + check code (a POST,
    so the code stays out of addresses and logs); anyone else gets 404."""
    c = _citizen_complaint(request)
    a = get_object_or_404(ComplaintAttachment, complaint=c, pk=att)
    return upload_response(a.file, filename=a.original_name, content_type=a.content_type)


def public_bulletins(request):
    return render(request, "accountability/public/bulletins.html", {"bulletins": queries.bulletin_list()})


def public_bulletin(request, pk):
    return render(request, "accountability/public/bulletin.html", {"b": queries.bulletin_public_get(pk)})


def public_bulletin_pdf(request, pk):
    b = queries.bulletin_public_get(pk)
    return _pdf_response(b)


def _pdf_response(b):
    resp = HttpResponse(bulletin_pdf(b), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="bulletin-{b.pk}.pdf"'
    return resp


# --- office and units --------------------------------------------------------------------------


def _complaints(request) -> filters.ComplaintFilter:
    return filters.ComplaintFilter(request.GET, queryset=queries.complaint_list(request.user), request=request)


@login_required
def complaint_list(request):
    ctx = listing.list_context(request, _complaints(request), export=reverse("accountability:complaint_export"),
                               arms=queries.complaint_arms(request.user))
    return render(request, "accountability/complaint_list.html", ctx)


@login_required
def complaint_export(request):
    return ledger_export(request, "accountability.complaints")


@login_required
def complaint_detail(request, pk):
    c = queries.access_complaint(request.user, pk, request=request)
    return render(request, "accountability/complaint_detail.html", {
        "c": c, "step": c.step_clock, "events": queries.complaint_timeline(c), "assignments": c.assignments.select_related("unit"),
        "attachments": c.attachments.all(), "assign_form": forms.AssignForm(),
        "reply_form": forms.ReplyForm(initial={"reply": c.unit_reply}),
        "unit_reply_form": forms.UnitReplyForm(initial={"reply": c.unit_reply}),
        "is_handler": has_role(request.user, *services.complaint_handler_roles(c)) and not is_recused(request.user, c),
        "is_unit": has_role(request.user, *UNIT_ROLES, unit=c.unit_id),
    })


@login_required
def complaint_attachment(request, pk, att):
    c = queries.access_complaint(request.user, pk, request=request)
    a = get_object_or_404(ComplaintAttachment, complaint=c, pk=att)
    return upload_response(a.file, filename=a.original_name, content_type=a.content_type)


def _substantiated(value):
    return {"true": True, "false": False}.get(value)


@login_required
@require_POST
def complaint_act(request, pk, action):
    c = queries.access_complaint(request.user, pk, request=request)
    u, p = request.user, request.POST
    try:
        if action == "accept":
            services.complaint_accept(complaint=c, actor=u)
        elif action == "decline":
            services.complaint_decline(complaint=c, actor=u, reason=p.get("reason", ""))
        elif action == "assign":
            form = forms.AssignForm(p)
            if not form.is_valid():
                raise ValidationError(_("请选择承办单位。"))
            services.complaint_assign(complaint=c, actor=u, unit=form.cleaned_data["unit"])
        elif action == "return":
            services.complaint_return(complaint=c, actor=u, reason=p.get("reason", ""))
        elif action == "reply":
            services.complaint_unit_reply(complaint=c, actor=u, reply=p.get("reply", ""),
                                          substantiated=_substantiated(p.get("substantiated")))  # a 403 if given
        elif action == "send":
            services.complaint_send_reply(complaint=c, actor=u, reply=p.get("reply", ""),
                                          substantiated=_substantiated(p.get("substantiated")))
        elif action == "rework":
            services.complaint_rework(complaint=c, actor=u, reason=p.get("reason", ""))
        elif action == "close":
            services.complaint_close(complaint=c, actor=u)
        else:
            raise Http404
        messages.success(request, _("已办理。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        if action == "return":  # no longer ours: back to the unit's list
            return redirect("accountability:complaint_list")
    return redirect("accountability:complaint_detail", pk=c.pk)


def _cases(request) -> filters.CaseFilter:
    return filters.CaseFilter(request.GET, queryset=queries.case_list(request.user), request=request)


@login_required
def case_list(request):
    ctx = listing.list_context(request, _cases(request), export=reverse("accountability:case_export"))
    for c in ctx["items"]:  # link a unit or person only where the record page opens for this user
        c.unit_record_ok = queries.can_see_unit_record(request.user, c.unit_id)
        c.person_record_ok = c.person is not None and queries.can_see_person_record(request.user, c.person)
    return render(request, "accountability/case_list.html", {
        **ctx, "form": forms.CaseOpenForm() if request.user.role == Role.OFFICE else None})


@login_required
def case_export(request):
    return ledger_export(request, "accountability.cases")


@login_required
@require_POST
def case_new(request):
    form = forms.CaseOpenForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        person = User.objects.filter(pk=d["person"]).first() if d["person"] else None
        try:
            case = services.case_open(actor=request.user, unit=d["unit"], person=person, reason=d["reason"],
                                      person_missing_reason=d["person_missing_reason"],
                                      leader_missing_reason=d["leader_missing_reason"])
            return redirect(case)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, _("请填写责任单位和问责事由。"))
    return redirect("accountability:case_list")


@login_required
def case_detail(request, pk):
    case = queries.access_case(request.user, pk, request=request)
    S, role = AccountabilityCase.Status, request.user.role
    return render(request, "accountability/case_detail.html", {
        "case": case, "events": queries.case_timeline(case), "is_office": role == Role.OFFICE,
        "can_decide": role in (Role.OFFICE, Role.LEADER) and case.status in (S.INVESTIGATING, S.SUBMITTED),
        "can_hear_appeal": role in (Role.OFFICE, Role.LEADER) and case.status == S.APPEALED
        and request.user.unit_id != case.decided_unit_id,
        "can_transfer": role in (Role.OFFICE, Role.LEADER) and not case.judicial_transferred_on
        and case.status != S.DISMISSED,
        "persons_form": forms.PersonsForm(case=case, initial={
            "person": case.person_id, "leader": case.leader_id, "person_missing_reason": case.person_missing_reason,
            "leader_missing_reason": case.leader_missing_reason}),
        "submit_form": forms.SubmitForm(initial={"proposal": case.proposal}), "judicial_form": forms.JudicialForm(),
        "facts_form": forms.FactsForm(initial={"facts": case.facts, "evidence": case.evidence}),
        "statement_form": forms.StatementForm(initial={"statement": case.statement}),
        "decide_form": forms.DecideForm(conditions=queries.exemption_conditions()),
        "can_appeal": request.user.pk in (case.person_id, case.head_id) and case.status == AccountabilityCase.Status.DECIDED,
        "person_measures": case.measure_labels(case.person_measures), "head_measures": case.measure_labels(case.head_measures),
    })


@login_required
@require_POST
def case_act(request, pk, action):
    case = queries.access_case(request.user, pk, request=request)
    u, p = request.user, request.POST
    try:
        if action == "investigate":
            services.case_investigate(case=case, actor=u)
        elif action == "dismiss":
            services.case_dismiss(case=case, actor=u, reason=p.get("reason", ""))
        elif action == "facts":
            services.case_record_facts(case=case, actor=u, facts=p.get("facts", ""), evidence=p.get("evidence", ""))
        elif action == "statement":
            services.case_record_statement(case=case, actor=u, statement=p.get("statement", ""))
        elif action == "persons":
            form = forms.PersonsForm(p, case=case)
            if not form.is_valid():
                raise ValidationError(_("请从列表中选择责任人和直接领导责任人。"))
            services.case_name_persons(case=case, actor=u, **form.cleaned_data)
        elif action == "submit":
            services.case_submit(case=case, actor=u, proposal=p.get("proposal", ""))
        elif action == "judicial":
            form = forms.JudicialForm(p)
            form.is_valid()  # a bad date is a missing one; the service says what is missing
            services.case_transfer_judicial(case=case, actor=u, organ=p.get("organ", ""),
                                            transferred_on=form.cleaned_data.get("transferred_on"))
        elif action == "decide":
            conditions = {c.pk: (p.get(f"cond_{c.pk}_met") in ("on", "true", "1"), p.get(f"cond_{c.pk}_facts", ""))
                          for c in queries.exemption_conditions()}
            services.case_decide(case=case, actor=u, decision=p.get("decision", ""), reason=p.get("reason", ""),
                                 grounds=p.getlist("grounds"), person_measures=p.getlist("person_measures"),
                                 head_measures=p.getlist("head_measures"),
                                 ground_facts={g: p.get(f"facts_{g}", "") for g in ExemptionGround.values},
                                 conditions=conditions)
        elif action == "appeal":
            services.case_appeal(case=case, actor=u, reason=p.get("reason", ""))
        elif action == "appeal_decide":
            services.case_appeal_decide(case=case, actor=u, result=p.get("result", ""))
        else:
            raise Http404
        messages.success(request, _("已办理。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(case)


@login_required
def person_record(request, pk):
    person = User.objects.filter(pk=pk).first()
    if person is None or not queries.can_see_person_record(request.user, person):
        raise Http404
    return render(request, "accountability/record.html", {
        "title": _("%(n)s 的问责记录") % {"n": person.full_name},
        "cases": queries.case_list(request.user, person_id=person.pk) if request.user.pk != person.pk
        else AccountabilityCase.objects.filter(person=person) | AccountabilityCase.objects.filter(head=person)})


@login_required
def unit_record(request, pk):
    unit = queries.access_unit_record(request.user, pk)
    return render(request, "accountability/record.html", {
        "title": _("%(n)s 的问责记录") % {"n": unit.name}, "cases": queries.case_list(request.user, unit_id=unit.pk),
        "complaints": listing.Head(queries.unit_complaints(request.user, unit)),
        "complaints_url": reverse("accountability:complaint_list") + f"?status=all&subject_unit={unit.pk}"})


@login_required
def bulletin_list(request):
    if request.user.role not in (Role.OFFICE, Role.LEADER):
        raise Http404
    form = forms.BulletinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            b = services.bulletin_create(actor=request.user, title=d["title"], body=d["body"], kind=d["kind"],
                                         cases=d["cases"], complaints=d["complaints"])
            return redirect(b)
        except ValidationError as exc:
            _errors_to_form(form, exc)
    ctx = listing.list_context(request, _bulletins(request), export=reverse("accountability:bulletin_export"))
    return render(request, "accountability/bulletin_list.html", {**ctx, "form": form})


def _bulletins(request) -> filters.BulletinFilter:
    qs = queries.bulletin_list(request.user, published_only=False).order_by("-created_at", "-pk")
    return filters.BulletinFilter(request.GET, queryset=qs, request=request)


def bulletin_ledger(request) -> Ledger:
    if request.user.role not in (Role.OFFICE, Role.LEADER):
        raise Http404
    qs = _bulletins(request).qs.prefetch_related("cases", "complaints")
    return Ledger(qs, filters.BULLETIN_COLUMNS, _("效能通报台账.xlsx"), _("效能通报台账"))


@login_required
def bulletin_export(request):
    return ledger_export(request, "accountability.bulletins")


# The ledgers exported through `efficiency.exports` (registered in AccountabilityConfig.ready).
LEDGERS = {
    "accountability.complaints": lambda request: Ledger(
        _complaints(request).qs.select_related("channel"), filters.COMPLAINT_COLUMNS, _("效能投诉台账.xlsx"),
        _("效能投诉台账")),
    "accountability.cases": lambda request: Ledger(_cases(request).qs, filters.CASE_COLUMNS,
                                                           _("问责案件台账.xlsx"), _("问责案件台账")),
    "accountability.bulletins": bulletin_ledger,
}


@login_required
def bulletin_detail(request, pk):
    if request.user.role not in (Role.OFFICE, Role.LEADER):
        raise Http404
    b = queries.bulletin_list(request.user, published_only=False).filter(pk=pk).first()
    if b is None:
        raise Http404
    if request.method == "POST":
        try:
            if request.POST.get("action") == "sign_off":
                services.bulletin_sign_off(bulletin=b, actor=request.user)
            elif request.POST.get("action") == "publish":
                services.bulletin_publish(bulletin=b, actor=request.user)
            messages.success(request, _("已办理。"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect(b)
    if request.GET.get("format") == "pdf":
        return _pdf_response(b)
    return render(request, "accountability/bulletin_detail.html", {"b": b})
