"""Reads for the cockpit, the drill-down lists and the portal.

The cockpit reads only the rollup tables (UnitNow, UnitDay, UnitMonth, UnitDayCounter); the
lists read the live items of one figure, filtered and capped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
import functools
import json
from datetime import date, datetime, timedelta

from django.db import connections
from django.db.models import F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy

from efficiency import permissions
from efficiency.models import ClockQuerySet, Event, Rung, Unit
from efficiency.registry import clock_model, clock_models
from efficiency.workdays import local_date

from . import scoring
from .models import AnnualAssessment, ScorecardPublication, UnitDay, UnitDayCounter, UnitMonth, UnitMonthScore, UnitNow
from .periods import day_start, month_after, week_end

LIST_LIMIT = 200


def month_of(d: date) -> date:
    return d.replace(day=1)


def months_back(month: date, n: int) -> list[date]:
    out = [month]
    for _ in range(n - 1):
        out.append((out[-1] - timedelta(days=1)).replace(day=1))
    return list(reversed(out))


def parse_month(text: str | None, default: date) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date() if text else default
    except ValueError:
        return default


def item_types() -> dict[str, str]:
    return {e.label: str(e.model._meta.verbose_name) for e in clock_models()}


def complaint_types() -> list[str]:
    return [label for label in item_types() if "complaint" in label]


def counter_total(kind: str, start: date | None = None, end: date | None = None, unit_id=None) -> int:
    qs = UnitDayCounter.objects.filter(kind=kind)
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lt=end)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs.aggregate(n=Coalesce(Sum("count"), 0))["n"]


def _figure_rows(today: date, complaints: Iterable[str]) -> dict:
    """The headline figures' three one-row aggregates over the rollups: the live stock (UnitNow,
    with when it was refreshed; `complaints`: the item types counted as complaints), today's
    cards (UnitDay of today), the event counters (UnitDayCounter of the kinds shown, through its
    (kind, date) index)."""
    month = month_of(today)

    def counted(kind, since=None, before=None):
        q = Q(kind=kind) & (Q(date__gte=since) if since else Q()) & (Q(date__lt=before) if before else Q())
        return Coalesce(Sum("count", filter=q), 0)

    return {
        "stock": _one_row(UnitNow.objects).annotate(
            open=Coalesce(Sum("open"), 0), yellow=Coalesce(Sum("yellow_open"), 0),
            red=Coalesce(Sum("red_open"), 0), overdue=Coalesce(Sum("overdue_open"), 0),
            due_week=Coalesce(Sum("due_this_week"), 0),
            complaints_overdue=Coalesce(Sum("overdue_open", filter=Q(item_type__in=list(complaints))), 0),
            refreshed_at=Max("refreshed_at")),
        "cards": _one_row(UnitDay.objects.filter(date=today)).annotate(
            yellow=Coalesce(Sum("yellow_cards"), 0), red=Coalesce(Sum("red_cards"), 0)),
        "counters": _one_row(UnitDayCounter.objects.filter(kind__in=COCKPIT_KINDS)).annotate(
            complaints_today=counted("complaints.filed", today, today + timedelta(days=1)),
            complaints_month=counted("complaints.filed", month),
            deemed_month=counted("approvals.deemed_approved", month),
            cases_opened=counted("cases.opened"), cases_decided=counted("cases.decided")),
    }


def _figures(now: datetime, folded: dict) -> dict:
    today = local_date(now)
    stock, cards, counters = folded["stock"], folded["cards"], folded["counters"]
    del stock["_one"]
    return {
        **stock,
        "refreshed_at": parse_datetime(stock["refreshed_at"]) if stock["refreshed_at"] else None,
        "yellow_today": cards["yellow"], "red_today": cards["red"],
        "complaints_today": counters["complaints_today"], "complaints_month": counters["complaints_month"],
        "deemed_month": counters["deemed_month"],
        "cases_open": max(0, counters["cases_opened"] - counters["cases_decided"]),
        "month": month_of(today), "today": today,
    }


def today_figures(now: datetime) -> dict:
    """The headline figures, one statement over the rollups (`_figure_rows`)."""
    return _figures(now, _fold(_figure_rows(local_date(now), complaint_types()), {}))


COCKPIT_KINDS = ("complaints.filed", "approvals.deemed_approved", "cases.opened", "cases.decided")


def rate(on_time, late):
    closed = (on_time or 0) + (late or 0)
    return round(100 * on_time / closed, 1) if closed else None


def _on_time_by_region(month: date):
    return (UnitMonth.objects.filter(month=month).values(name=F("unit__region__name"))
            .annotate(on_time=Sum("closed_on_time"), late=Sum("closed_late"), red=Sum("red_cards"))
            .order_by("name"))


def _cards_by_unit(field: str, n: int = 15):
    """Units with the most open red (or yellow) items now, for the bar chart and the 红黄牌榜."""
    return (UnitNow.objects.values("unit_id", name=F("unit__name")).annotate(n=Sum(field))
            .filter(n__gt=0).order_by("-n", "name")[:n])


def _trend_lists(months: list[date]) -> dict:
    return {
        "trend_rows": UnitMonth.objects.filter(month__in=months).values("month").annotate(
            opened=Sum("opened"), on_time=Sum("closed_on_time"), late=Sum("closed_late"),
            yellow=Sum("yellow_cards"), red=Sum("red_cards")),
        "trend_complaints": (UnitDayCounter.objects.filter(kind="complaints.filed", date__gte=months[0])
                             .annotate(m=TruncMonth("date")).values("m").annotate(n=Sum("count"))),
    }


def _trend(months: list[date], folded: dict) -> list[dict]:
    rows = {date.fromisoformat(r["month"][:10]): r for r in folded["trend_rows"]}
    complaints = {date.fromisoformat(r["m"][:10]): r["n"] for r in folded["trend_complaints"]}
    out = []
    for m in months:
        r = rows.get(m, {})
        out.append({"month": m.strftime("%Y-%m"), "opened": r.get("opened") or 0, "on_time": r.get("on_time") or 0,
                    "late": r.get("late") or 0, "yellow": r.get("yellow") or 0, "red": r.get("red") or 0,
                    "rate": rate(r.get("on_time") or 0, r.get("late") or 0),
                    "complaints": complaints.get(m, 0)})
    return out


def cockpit(now: datetime | None = None) -> dict:
    """Everything the cockpit shows, from the rollups alone: the figures, the regions, the red and
    yellow bars, the trend and the stored ranking's two ends in ONE statement (`_fold`) — small
    tables keyed by unit and day or month, whatever the number of items (tested)."""
    now = now or timezone.now()
    today = local_date(now)
    months = months_back(month_of(today), 12)
    folded = _run(UnitNow.objects.all().db, *_cockpit_statement(today, tuple(complaint_types())))
    return {
        "f": _figures(now, folded),
        "regions": [{**r, "rate": rate(r["on_time"], r["late"])} for r in folded["regions"]],
        "red_units": folded["red_units"],
        "yellow_units": folded["yellow_units"],
        "trend": _trend(months, folded),
        "top": scoring.ranking_scores(folded["top"]),
        "bottom": scoring.ranking_scores(folded["bottom"][::-1]),
        "unit_count": folded["ranking"]["ranked"],
        "no_data_count": folded["ranking"]["empty"],
    }


@functools.lru_cache(maxsize=4)
def _cockpit_statement(today: date, complaints: tuple[str, ...]) -> tuple[str, tuple]:
    """The cockpit's one statement and its parameters: they depend on the day alone (and the item
    types counted as complaints), so each process builds and compiles it once a day, not on
    every view (Django's compiler took a third of the page's own time)."""
    month = month_of(today)
    # The stored ranking the scorecards, the ledger and the API read (`scoring.month_scores`):
    # how many units it ranks, and its two ends through the (month, rank) index.
    return _fold_sql({**_figure_rows(today, complaints), "ranking": scoring.ranking_counts(month)}, {
        "regions": _on_time_by_region(month), "red_units": _cards_by_unit("red_open"),
        "yellow_units": _cards_by_unit("yellow_open"), **_trend_lists(months_back(month, 12)),
        **scoring.ranking_ends(month)})


def _one_row(qs):
    """An aggregate over the whole of `qs` as a one-row queryset (a constant, not grouped by), so
    that it can be folded with others into one statement (`_fold`)."""
    return qs.values(_one=Value(1))


def _fold(rows: dict, lists: dict) -> dict:
    """Run several querysets as ONE statement: each a subquery of a json_build_object, `rows`
    giving one object (a one-row aggregate), `lists` an array of objects in the queryset's own
    order (PostgreSQL feeds an aggregate over a sorted subquery in that order — its manual says
    "usually": a plain subquery scan with nothing joined after it, as here). At load every statement waits
    for its turn, so the count of statements, not their size, sets the page's time."""
    return _run(next(iter(rows.values())).db, *_fold_sql(rows, lists))


def _fold_sql(rows: dict, lists: dict) -> tuple[str, tuple]:
    """`_fold`'s statement and parameters."""
    parts, params = [], []
    for key, qs in [*rows.items(), *lists.items()]:
        sql, p = qs.query.sql_with_params()
        agg = "row_to_json(t)" if key in rows else "coalesce(json_agg(t), '[]')"
        parts.append(f"'{key}', (SELECT {agg} FROM ({sql}) t)")
        params.extend(p)
    return f"SELECT json_build_object({', '.join(parts)})", tuple(params)


def _run(db: str, sql: str, params: tuple) -> dict:
    """A folded statement's object (on `db`: the router's choice for this request)."""
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        out = cursor.fetchone()[0]
    return json.loads(out) if isinstance(out, str) else out


# --- drill-down lists ---------------------------------------------------------------------------

STATES = {
    "open": gettext_lazy("在办事项"), "yellow": gettext_lazy("黄牌事项"), "red": gettext_lazy("红牌事项"),
    "overdue": gettext_lazy("超期在办"), "due_week": gettext_lazy("本周到期"),
    "closed_late": gettext_lazy("本月超期办结"), "closed": gettext_lazy("本月办结"),
}


@dataclass
class Row:
    label: str
    type_name: str
    item: object


def _state_filter(state: str, now: datetime) -> Q:
    month_start = day_start(month_of(local_date(now)))
    return {
        "open": ClockQuerySet.q_open(),
        "yellow": ClockQuerySet.q_open() & ClockQuerySet.q_at_rung(Rung.YELLOW),
        "red": ClockQuerySet.q_open() & ClockQuerySet.q_at_rung(Rung.RED, or_above=True),
        "overdue": ClockQuerySet.q_overdue(now),
        "due_week": ClockQuerySet.q_due_before(week_end(now), now),
        "closed_late": Q(closed_at__gte=month_start, clock_state="done_late"),
        "closed": Q(closed_at__gte=month_start),
    }[state]


def item_list(user, *, state: str, unit_id=None, unit_ids=None, types=None, now=None) -> list[Row]:
    """The live items of one figure, earliest due first, capped: for one unit (`unit_id`) or a
    few (`unit_ids`), read through the unit FK index. The apps' clock tables have no index on
    the state columns, so a list for the whole province goes through `unit_breakdown` first."""
    now = now or timezone.now()
    rows: list[Row] = []
    for entry in clock_models():
        if types and entry.label not in types:
            continue
        model = entry.model
        qs = permissions.scope(user, model._default_manager.filter(clock_start__isnull=False),
                               unit_field=model.clock_unit_field)
        qs = qs.filter(_state_filter(state, now))
        if unit_id:
            qs = qs.filter(**{f"{model.clock_unit_field}_id": unit_id})
        elif unit_ids is not None:
            qs = qs.filter(**{f"{model.clock_unit_field}_id__in": list(unit_ids)})
        qs = qs.select_related(model.clock_unit_field).order_by("due_at", "pk")[:LIST_LIMIT]
        rows += [Row(entry.label, str(model._meta.verbose_name), obj) for obj in qs]
    rows.sort(key=lambda r: (r.item.due_at is None, r.item.due_at or now))
    return rows[:LIST_LIMIT]


# The rollup column that counts each list's items per unit: the live stock in UnitNow, the
# month's closes in UnitMonth.
NOW_FIELDS = {"open": "open", "yellow": "yellow_open", "red": "red_open", "overdue": "overdue_open",
              "due_week": "due_this_week"}
# A list without a unit reads the items themselves only when the rollups put them in at most
# this many units (through the unit FK index); otherwise it shows the units to choose from.
DIRECT_UNITS = 20


@dataclass
class Breakdown:
    units: list[dict]  # {"unit_id", "name", "n"}, most first, at most LIST_LIMIT
    unit_count: int
    total: int

    @property
    def unit_ids(self) -> list[int]:
        return [u["unit_id"] for u in self.units]


def unit_breakdown(state: str, *, types=None, now: datetime | None = None) -> Breakdown:
    """How many items of a list each unit has, from the rollups (no scan of the item tables):
    the province-wide drill-down starts here."""
    now = now or timezone.now()
    if state in NOW_FIELDS:
        qs, n = UnitNow.objects.all(), Sum(NOW_FIELDS[state])
    else:
        qs = UnitMonth.objects.filter(month=month_of(local_date(now)))
        n = Sum("closed_late") if state == "closed_late" else Sum(F("closed_on_time") + F("closed_late"))
    if types:
        qs = qs.filter(item_type__in=types)
    per_unit = qs.values("unit_id").annotate(n=n).filter(n__gt=0)
    units = list(per_unit.annotate(name=F("unit__name")).order_by("-n", "name")[:LIST_LIMIT])
    if len(units) < LIST_LIMIT:
        return Breakdown(units=units, unit_count=len(units), total=sum(u["n"] for u in units))
    return Breakdown(units=units, unit_count=per_unit.count(), total=qs.aggregate(t=Coalesce(n, 0))["t"])


def event_list(user, *, kind: str, month: date | None, unit_id=None) -> list[Event]:
    """A kind's events, newest first, without those of items the user stands aside from (回避)."""
    qs = permissions.scope_events(user, Event.objects.filter(kind=kind).select_related("unit"))
    if month:
        qs = qs.filter(at__gte=day_start(month), at__lt=day_start(month_after(month)))
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return list(qs.order_by("-at")[:LIST_LIMIT])


def item_get(user, label: str, pk):
    entry = clock_model(label)
    if entry is None:
        raise Http404
    model = entry.model
    return permissions.access(user, model._default_manager.all(), pk, unit_field=model.clock_unit_field)


# --- public portal ------------------------------------------------------------------------------

def publication_list(month: date | None = None):
    """Every publication of the months' scorecards, newest first (standing and re-opened)."""
    qs = ScorecardPublication.objects.select_related("published_by", "reopened_by")
    if month is not None:
        qs = qs.filter(month=month)
    return qs.order_by("-month", "-published_at")


def public_months(now: datetime | None = None) -> list[date]:
    """The months the portal shows: the published ones among the twelve before the current
    month (R38: only what the office has published is made public)."""
    now = now or timezone.now()
    window = months_back(month_of(local_date(now)), 13)[:-1]
    published = set(ScorecardPublication.objects.filter(reopened_at__isnull=True, month__in=window)
                    .values_list("month", flat=True))
    return [m for m in window if m in published]


def published_rankings(*, month: date | None = None) -> tuple[list[date], date | None, list[dict]]:
    """The published months (standing publications, newest first) and one month's frozen
    ranking — the latest unless `month` is given (R68, rule: R68 enforced); units and scores only."""
    months = list(ScorecardPublication.objects.filter(reopened_at__isnull=True).order_by("-month")
                  .values_list("month", flat=True))
    shown = month if month in months else (months[0] if months and month is None else None)
    if shown is None:
        return months, None, []
    rows = [{"rank": s.rank, "unit": s.unit, "score": s.score, "on_time_rate": s.on_time_rate}
            for s in UnitMonthScore.objects.filter(month=shown).exclude(unit__kind=Unit.Kind.OFFICE)
            .select_related("unit").order_by("rank", "unit__code")]
    return months, shown, rows


def public_unit_table(now: datetime | None = None, *, unit_id: int | None = None) -> tuple[list[date], list[dict]]:
    """Each unit's on-time rate and satisfaction over the published months of the last twelve
    (figures only, no names of people: R38), read from the frozen scores of those months, so
    the portal says what the published scorecards say; with `unit_id`, that unit alone with its
    month-by-month rates."""
    months = public_months(now)
    units = Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.OFFICE).order_by("code")
    stored = UnitMonthScore.objects.filter(month__in=months)
    if unit_id is not None:
        units, stored = units.filter(pk=unit_id), stored.filter(unit_id=unit_id)
    totals = {r["unit_id"]: r for r in stored.values("unit_id").annotate(
        a=Sum("closed_on_time"), b=Sum("closed_late"), n=Sum("ratings"), v=Sum("rating_sum"))}
    monthly = {}
    if unit_id is not None:
        monthly = {r["month"]: (r["closed_on_time"], r["closed_late"])
                   for r in stored.values("month", "closed_on_time", "closed_late")}
    rows = []
    for unit in units.only("pk", "code", "name"):
        t = totals.get(unit.pk, {})
        a, b, n, v = t.get("a") or 0, t.get("b") or 0, t.get("n") or 0, t.get("v") or 0
        rows.append({"unit": unit, "closed": a + b, "rate": rate(a, b),
                     "satisfaction": round(v / n, 1) if n else None, "ratings": n,
                     "monthly": [rate(*monthly.get(m, (0, 0))) for m in months] if unit_id is not None else []})
    return months, rows


def annual_list(year: int):
    """年度考核 of a year, best total first, then the units without one (R47, R48)."""
    return (AnnualAssessment.objects.filter(year=year).select_related("unit")
            .order_by(F("total").desc(nulls_last=True), F("efficiency").desc(nulls_last=True), "unit__code"))
