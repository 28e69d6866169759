"""The public portal (政务公开, R38): no login, no personal data.

The core imports no app, so the parts plug in here from their AppConfig.ready:
`register_public_link(code, title, url, section)` for their public pages (service guide,
complaint form, lookups, bulletins) and `register_unit_figures(fn)` for the units' public
on-time rates and satisfaction (the dashboards part provides it from its rollups).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Callable

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import workdays
from .models import Unit

# The other parts' public pages: each app registers its own in AppConfig.ready.
_links: dict[str, dict] = {}
_unit_figures: list[Callable] = []
_rankings: list[Callable] = []

MAX_CALC_DAYS = 366
UNITS_PER_PAGE = 100


def register_public_link(code: str, title, url: str, section: str = "open") -> None:
    _links[code] = {"title": title, "url": url, "section": section}


def register_unit_figures(fn: Callable) -> None:
    """fn(unit_id=None) -> (months, rows) with rows of {"unit", "closed", "rate", "satisfaction",
    "ratings", "monthly"} (monthly rates only when one unit is asked for); figures only, never
    people."""
    if fn not in _unit_figures:
        _unit_figures.append(fn)


def register_rankings(fn: Callable) -> None:
    """fn(month=None) -> (published months, the month shown, rows of {"rank", "unit", "score",
    "on_time_rate"}): the published performance rankings (R68); units only, never people."""
    if fn not in _rankings:
        _rankings.append(fn)


def links(section: str | None = None) -> list[dict]:
    return [{"code": c, **v} for c, v in _links.items() if section is None or v["section"] == section]


def _figures(unit_id=None):
    if not _unit_figures:
        return [], []
    return _unit_figures[0](unit_id=unit_id)


def index(request):
    return render(request, "portal/index.html", {
        "service": links("service"), "complaint": links("complaint"), "open": links("open")})


def units(request):
    months, rows = _figures()
    page = Paginator(rows, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/units.html", {"months": months, "rows": page, "page": page})


def rankings(request):
    """结果公开化 (2010 三(八); 2019 (十四), R68): each published month's ranking of the units."""
    month = None
    if request.GET.get("month"):
        try:
            month = date.fromisoformat(request.GET["month"] + "-01")
        except ValueError:
            raise Http404 from None
    months, shown, rows = _rankings[0](month=month) if _rankings else ([], None, [])
    if month is not None and shown != month:
        raise Http404  # not a published month
    return render(request, "portal/rankings.html", {"months": months, "month": shown, "rows": rows})


def unit_detail(request, code):
    unit = Unit.objects.filter(code=code, is_active=True).first()
    months, rows = _figures(unit.pk) if unit else ([], [])
    row = rows[0] if rows else None
    if row is None:
        raise Http404
    return render(request, "portal/unit.html", {"months": months, "row": row,
                                                "monthly": list(zip(months, row["monthly"]))})


def _calc(start_text: str, n_text: str) -> dict:
    try:
        start = date.fromisoformat(start_text)
    except ValueError:
        return {"error": _("请输入正确的起算日期，例如 2026-09-28。")}
    try:
        n = int(n_text)
    except ValueError:
        return {"error": _("请输入工作日天数（整数）。")}
    if not 1 <= n <= MAX_CALC_DAYS:
        return {"error": _("工作日天数应在 1 到 %(max)s 之间。") % {"max": MAX_CALC_DAYS}}
    idx = workdays.index()
    try:
        due = idx.add(start, n)
    except workdays.CalendarRangeError as exc:
        return {"error": _("超出工作日历范围：%(e)s") % {"e": exc}}
    days = []
    d = start + timedelta(days=1)
    while d <= due:
        kind = idx.day_kind(d)
        if kind != "workday" or d in idx.exceptions:
            days.append({"date": d, "kind": kind, "name": idx.exceptions.get(d, (None, ""))[1]})
        d += timedelta(days=1)
    return {"start": start, "n": n, "due": due, "calendar_days": (due - start).days,
            "exceptions": [x for x in days if x["name"]], "weekends": sum(1 for x in days if x["kind"] == "weekend"),
            "provisional": idx.is_provisional(due)}


def calculator(request):
    """办理期限计算器: start date + N working days → the due date (民法典: the start day is not
    counted; the period ends at 24:00 of the last day), with the holidays and adjusted
    working days on the way."""
    result = {}
    if request.GET.get("start") or request.GET.get("n"):
        result = _calc(request.GET.get("start", ""), request.GET.get("n", ""))
    return render(request, "portal/calculator.html", {"r": result, "start": request.GET.get("start", ""),
                                                      "n": request.GET.get("n", "")})
