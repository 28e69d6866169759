"""Pages: the leader cockpit, drill-down lists, the generic item page and the scorecards.

Who sees what (decided here, DESIGN.md roles): leaders and the efficiency office see the
cockpit, every list and every unit's scorecard; a unit head or clerk sees only the scorecard of
their own unit (anything else is 404, like every cross-unit access); the three administrators
see no business figures.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from efficiency import listing, permissions
from efficiency.events import events_for
from efficiency.listing import Column, xlsx_response
from efficiency.models import Role, Unit, User
from efficiency.registry import clock_model
from efficiency.replica import reads_from_replica
from efficiency.workdays import local_date

from . import annual, queries, scoring, services
from .models import AnnualAssessment, AnnualReview, Grade, PersonAssessment, PublishJob

BOARD_ROLES = (Role.LEADER, Role.OFFICE)
SCORECARDS_PER_PAGE = 100


def _month(request) -> date:
    return queries.parse_month(request.GET.get("month"), queries.month_of(local_date(timezone.now())))


def _int(value):
    return int(value) if value and str(value).isdigit() else None


@login_required
@permissions.role_required(*BOARD_ROLES)
@reads_from_replica
def cockpit(request):
    data = queries.cockpit()
    chart = {
        "red": [{"name": r["name"], "value": r["n"], "url": _items_url("red", r["unit_id"])} for r in data["red_units"]],
        "yellow": [{"name": r["name"], "value": r["n"], "url": _items_url("yellow", r["unit_id"])}
                   for r in data["yellow_units"]],
        "trend": data["trend"],
        "regions": [{"name": r["name"], "rate": r["rate"]} for r in data["regions"]],
    }
    return render(request, "dashboards/cockpit.html", {**data, "chart": chart,
                                                       "complaint_types": queries.complaint_types()})


def _items_url(state, unit_id=None):
    url = reverse("dashboards:items") + f"?state={state}"
    return url + f"&unit={unit_id}" if unit_id else url


@login_required
@permissions.role_required(*BOARD_ROLES)
def items(request):
    state = request.GET.get("state", "open")
    if state not in queries.STATES:
        state = "open"
    unit = Unit.objects.filter(pk=_int(request.GET.get("unit"))).first()
    types = [t for t in request.GET.getlist("type") if t in queries.item_types()]
    breakdown = None
    if unit:
        rows = queries.item_list(request.user, state=state, unit_id=unit.pk, types=types)
    else:
        # The whole province: the rollups say which units hold the items; the items are read
        # (by the unit FK index) only when they sit in a few units, never by a scan of the
        # item tables.
        breakdown = queries.unit_breakdown(state, types=types)
        rows = []
        if 0 < breakdown.unit_count <= queries.DIRECT_UNITS:
            rows = queries.item_list(request.user, state=state, unit_ids=breakdown.unit_ids, types=types)
    return render(request, "dashboards/items.html", {
        "rows": rows, "state": state, "title": queries.STATES[state], "unit": unit, "limit": queries.LIST_LIMIT,
        "breakdown": breakdown, "direct_units": queries.DIRECT_UNITS,
        "type_query": "".join(f"&type={t}" for t in types)})


@login_required
@permissions.role_required(*BOARD_ROLES)
def events(request):
    kind = request.GET.get("kind", "")
    month = queries.parse_month(request.GET.get("month"), None) if request.GET.get("month") else None
    unit = Unit.objects.filter(pk=_int(request.GET.get("unit"))).first()
    rows = queries.event_list(request.user, kind=kind, month=month, unit_id=unit.pk if unit else None)
    for e in rows:
        e.item_url = (reverse("dashboards:item", args=[e.subject_type, e.subject_id])
                      if clock_model(e.subject_type) else "")
    return render(request, "dashboards/events.html", {"rows": rows, "kind": kind, "month": month, "unit": unit})


@login_required
def item(request, label, pk):
    obj = queries.item_get(request.user, label, pk)
    own_url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    return render(request, "dashboards/item.html", {
        "obj": obj, "label": label, "type_name": obj._meta.verbose_name, "timeline": events_for(obj),
        "own_url": own_url, "unit": getattr(obj, obj.clock_unit_field, None)})


# --- scorecards (绩效考评) ----------------------------------------------------------------------

def _scorecard_unit_ok(user, unit_id) -> bool:
    if user.role in BOARD_ROLES:
        return True
    return user.role in (Role.CLERK, Role.HEAD) and user.unit_id == unit_id


def _current_month():
    return queries.month_of(local_date(timezone.now()))


@login_required
@reads_from_replica
def scorecards(request):
    month = _month(request)
    if request.user.role not in BOARD_ROLES:
        if request.user.role in (Role.CLERK, Role.HEAD) and request.user.unit_id:
            return redirect(reverse("dashboards:scorecard", args=[request.user.unit_id]) + f"?month={month:%Y-%m}")
        raise Http404
    scores, publication = scoring.month_scores(month)
    page = Paginator(scores, SCORECARDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "dashboards/scorecards.html", {
        "scores": page, "page": page, "month": month, "months": queries.months_back(_current_month(), 12),
        "weights": _shown_weights(publication), "components": scoring.UNIT_COMPONENTS,
        "publication": publication, "finished": month < _current_month(),
        "can_publish": permissions.is_office(request.user)})


def _shown_weights(publication):
    """The weights the shown scores were computed with: the published ones for a frozen month."""
    if publication is None:
        return scoring.weights()
    return {**scoring.weights(), **{c: tuple(v) for c, v in publication.weights.items()}}


@login_required
@reads_from_replica
def scorecard(request, unit_id):
    if not _scorecard_unit_ok(request.user, unit_id):
        raise Http404
    unit = get_object_or_404(Unit, pk=unit_id)
    month = _month(request)
    scores, publication = scoring.month_scores(month)
    # A unit the month's rollup has not stored (a new unit, a month not rolled up): 无数据.
    score = next((s for s in scores if s.unit_id == unit_id), None) or scoring.UnitScore(unit_id, unit.name)
    ranked = sum(1 for s in scores if s.rank is not None)
    history = []
    for m in queries.months_back(month, 12):
        s, _pub = scoring.month_scores(m, unit_ids=[unit_id])
        history.append((m, s[0] if s else None))
    return render(request, "dashboards/scorecard.html", {
        "unit": unit, "score": score, "month": month, "history": history, "total": ranked,
        "weights": _shown_weights(publication), "components": scoring.UNIT_COMPONENTS,
        "board": request.user.role in BOARD_ROLES, "publication": publication, "finished": month < _current_month()})


def publication_note(publication) -> str:
    """已发布（date, by whom）, as the pages and the ledger say it."""
    if publication is None:
        return _("未发布（数据随汇总和权重变化）")
    return _("已发布（%(at)s，%(by)s）") % {
        "at": timezone.localtime(publication.published_at).strftime("%Y-%m-%d %H:%M"),
        "by": str(publication.published_by)}


@login_required
@permissions.role_required(*BOARD_ROLES)
@reads_from_replica
def scorecards_export(request):
    """台账: the month's unit scores as an Excel workbook; the first line says whether the
    month is published (frozen)."""
    from openpyxl import Workbook

    month = _month(request)
    scores, publication = scoring.month_scores(month)
    wb = Workbook()
    ws = wb.active
    ws.title = f"{month:%Y-%m}"
    ws.append([_("%(m)s 单位绩效考评台账") % {"m": f"{month:%Y-%m}"}, publication_note(publication)])
    ws.append([_("排名"), _("单位"), _("区域"), _("得分"), _("按期办结"), _("超期办结"), _("按期办结率%"),
               _("红牌"), _("黄牌"), _("查实投诉"), _("评价数"), _("满意度"), _("问题"), _("整改销号"),
               _("整改完成率%"), _("督办催办")])
    ws.freeze_panes = "A3"
    for s in scores:
        score = s.score if s.rank is not None else _("无数据")
        ws.append([s.rank, s.unit_name, s.region_name, score, s.closed_on_time, s.closed_late, s.on_time_rate,
                   s.red_cards, s.yellow_cards, s.complaints, s.ratings, s.satisfaction, s.findings, s.verified,
                   s.rectification_rate, s.urgings])
    out = BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="scorecards-{month:%Y-%m}.xlsx"'
    return response


# --- publishing a month (发布月度考评) ------------------------------------------------------------

PUBLICATION_ROLES = (*BOARD_ROLES, Role.SYSTEM_ADMIN)


def _error(request, exc) -> None:
    messages.error(request, "；".join(getattr(exc, "messages", None) or [str(exc)]))


@login_required
@permissions.role_required(*PUBLICATION_ROLES)
def publications(request):
    """The months' publication state and history: the office publishes, the system
    administrator re-opens (no business figures here, so the administrator may see it)."""
    history = listing.Head(queries.publication_list(), 200)
    standing = {p.month: p for p in queries.publication_list().filter(reopened_at__isnull=True)}
    # The twelve finished months, and any older month still published.
    shown = set(queries.months_back(_current_month(), 13)[:-1]) | set(standing)
    months = [{"month": m, "publication": standing.get(m)} for m in sorted(shown, reverse=True)]
    return render(request, "dashboards/publications.html", {
        "months": months, "history": history,
        "can_publish": permissions.is_office(request.user), "can_reopen": request.user.role == Role.SYSTEM_ADMIN})


@login_required
@require_POST
@permissions.role_required(*BOARD_ROLES)
def scorecards_publish(request):
    """发布月度考评: the month is published by a Celery task; the page follows its progress."""
    month = queries.parse_month(request.POST.get("month"), None)
    try:
        if month is None:
            raise ValidationError(_("请选择要发布的月份（格式 YYYY-MM）。"))
        job = services.publish_request(actor=request.user, month=month)
    except ValidationError as exc:
        _error(request, exc)
    else:
        return redirect(job)
    if request.POST.get("back") == "publications":
        return redirect("dashboards:publications")
    return redirect(reverse("dashboards:scorecards") + (f"?month={month:%Y-%m}" if month else ""))


def _job_of(request, pk) -> PublishJob:
    return get_object_or_404(PublishJob.objects.select_related("publication__published_by"), pk=pk)


@login_required
@permissions.role_required(*BOARD_ROLES)
def publish_job(request, pk):
    """A publication job's page: its progress, polled by htmx until it has finished."""
    return render(request, "dashboards/publish_job.html", {"job": _job_of(request, pk)})


@login_required
@permissions.role_required(*BOARD_ROLES)
def publish_job_progress(request, pk):
    """The progress fragment htmx swaps in every second; it stops polling once finished."""
    return render(request, "dashboards/_publish_progress.html", {"job": _job_of(request, pk)})


@login_required
@require_POST
@permissions.role_required(*PUBLICATION_ROLES)
def scorecards_reopen(request):
    month = queries.parse_month(request.POST.get("month"), None)
    try:
        if month is None:
            raise ValidationError(_("请选择要重新开放的月份（格式 YYYY-MM）。"))
        pub = services.month_reopen(actor=request.user, month=month, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已重新开放 %(m)s 月度考评。") % {"m": f"{pub.month:%Y-%m}"})
    return redirect("dashboards:publications")


def _assessor_units(user):
    if user.role in BOARD_ROLES:
        return Unit.objects.all()
    if user.role == Role.HEAD:
        return Unit.objects.filter(pk=user.unit_id)
    return Unit.objects.none()


@login_required
@require_http_methods(["GET", "POST"])
@reads_from_replica
def people(request):
    """个人考评: the unit's people, 绩 from the data, 德能勤廉 entered by the assessor (the office,
    a leader, or the unit's head for the unit's own people)."""
    units = _assessor_units(request.user)
    if not units.exists():
        raise Http404
    month = _month(request)
    unit = units.filter(pk=_int(request.GET.get("unit")) or request.user.unit_id).first() or units.first()
    error = ""
    if request.method == "POST":
        person = get_object_or_404(User, pk=_int(request.POST.get("user")), unit=unit)
        try:
            services.person_assess(actor=request.user, user=person, month=month,
                                   de=_score(request.POST.get("de")), neng=_score(request.POST.get("neng")),
                                   qin=_score(request.POST.get("qin")), lian=_score(request.POST.get("lian")),
                                   note=request.POST.get("note", ""))
            return redirect(reverse("dashboards:people") + f"?unit={unit.pk}&month={month:%Y-%m}")
        except ValidationError as exc:
            error = " ".join(exc.messages)
    marks = {a.user_id: a for a in PersonAssessment.objects.filter(month=month, user__unit=unit)}
    rows = []
    for person in User.objects.filter(unit=unit, is_active=True).order_by("username"):
        ji = scoring.person_ji(person, month)
        rows.append({"person": person, "a": marks.get(person.pk), "ji": ji,
                     "total": scoring.person_total(marks.get(person.pk), ji)})
    rows.sort(key=lambda r: -r["total"])
    return render(request, "dashboards/people.html", {"rows": rows, "unit": unit, "units": units[:500],
                                                      "month": month, "error": error})


def _score(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("分数须为 0 到 100 的整数。")) from None


# --- 年终考核 / 年度目标责任制考核 (R47, R48) -------------------------------------------------------

def _year(request, data=None) -> int:
    text = (data if data is not None else request.GET).get("year", "")
    today = local_date(timezone.now())
    return int(text) if str(text).isdigit() and services.FIRST_YEAR <= int(text) <= today.year else today.year


def _years() -> list[int]:
    this = local_date(timezone.now()).year
    return list(range(this, this - 6, -1))


@login_required
@permissions.role_required(*BOARD_ROLES)
def annual_list(request):
    """The units' year: 年终考核 (efficiency) and 年度考核 (total, grade), best first."""
    year = _year(request)
    return render(request, "dashboards/annual.html", {
        "year": year, "years": _years(), "rows": queries.annual_list(year),
        "units": Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.OFFICE).order_by("code")[:1000],
        "kinds": AnnualReview.Kind.choices, "can_assess": permissions.is_office(request.user),
        "parameters": annual.local_defaults()})


@login_required
@permissions.role_required(*BOARD_ROLES)
def annual_detail(request, year, unit_id):
    """One unit's year with every component: the twelve monthly scores, the liability incidents,
    the reviews and their evidence, the parameters used."""
    row = get_object_or_404(AnnualAssessment.objects.select_related("unit", "computed_by"), year=year, unit_id=unit_id)
    reviews = AnnualReview.objects.filter(year=year, unit_id=unit_id).select_related("entered_by")
    people = User.objects.in_bulk([i["person_id"] for i in row.incidents if i.get("person_id")])
    incidents = [{**i, "url": reverse("dashboards:item", args=[i["case_type"], i["case_id"]]),
                  "person": people.get(i.get("person_id"))} for i in row.incidents]
    people = annual.people_year(unit_id, year, today=local_date(timezone.now()), incidents=row.incidents)
    return render(request, "dashboards/annual_detail.html", {
        "row": row, "people": people, "grades": Grade.choices, "reviews": reviews, "incidents": incidents, "months": sorted(row.months.items()),
        "parameters": [{**p, "used": row.parameters.get(p["code"])} for p in annual.local_defaults()]})


@login_required
@require_POST
@permissions.role_required(*BOARD_ROLES)
def annual_compute(request):
    try:
        rows = services.annual_assess(actor=request.user, year=request.POST.get("year"))
    except ValidationError as exc:
        _error(request, exc)
        return redirect("dashboards:annual")
    messages.success(request, _("已计算 %(y)s 年度考核，共 %(n)s 个单位。") % {"y": request.POST.get("year"), "n": len(rows)})
    return redirect(reverse("dashboards:annual") + f"?year={request.POST.get('year')}")


@login_required
@require_POST
@permissions.role_required(*BOARD_ROLES)
def annual_review(request):
    unit = get_object_or_404(Unit, pk=_int(request.POST.get("unit")))
    year = request.POST.get("year", "")
    try:
        services.annual_review_enter(actor=request.user, unit=unit, year=year, kind=request.POST.get("kind", ""),
                                     score=request.POST.get("score"), respondents=request.POST.get("respondents"),
                                     evidence=request.POST.get("evidence", ""))
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已录入 %(u)s %(y)s 年度结果。") % {"u": unit.name, "y": year})
    return redirect(reverse("dashboards:annual") + (f"?year={year}" if str(year).isdigit() else ""))


def _grade_text(grade: str) -> str:
    return str(Grade(grade).label) if grade in Grade.values else _("待定")


ANNUAL_COLUMNS = [
    Column(_("单位"), lambda a: a.unit.name, 28),
    Column(_("有得分的月份数"), lambda a: a.months_scored),
    Column(_("平时考核平均分"), lambda a: a.monthly_mean),
    Column(_("责任事故"), lambda a: a.incident_count),
    Column(_("重大责任事故"), lambda a: a.major_count),
    Column(_("责任事故扣分"), lambda a: a.deduction),
    Column(_("年终考核得分（作风效能）"), lambda a: a.efficiency, 18),
    Column(_("年终考核等次"), lambda a: _grade_text(a.efficiency_grade)),
    Column(_("行政执法评议考核"), lambda a: a.law_review, 16),
    Column(_("群众评议"), lambda a: a.public),
    Column(_("群众评议来源"), lambda a: {"questionnaire": _("问卷调查"), "ratings": _("好差评")}.get(a.public_source, "")),
    Column(_("年度考核得分"), lambda a: a.total),
    Column(_("年度考核等次"), lambda a: _grade_text(a.grade)),
    Column(_("年度未结束（临时结果）"), lambda a: _("是") if a.provisional else _("否"), 18),
    Column(_("计算时间"), lambda a: a.computed_at, 18),
]


@login_required
@permissions.role_required(*BOARD_ROLES)
def annual_export(request):
    year = _year(request)
    return xlsx_response(queries.annual_list(year), ANNUAL_COLUMNS, _("%(y)s 年度考核台账.xlsx") % {"y": year},
                         title=_("%(y)s 年度考核") % {"y": year})
