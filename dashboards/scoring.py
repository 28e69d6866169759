"""绩效考评 (R37): a unit's monthly score from its rollups, with the administrator's weights.

Each component is on a 0–100 scale, then weighted:

- 按期办结率: items closed on time / items closed in the month (100 when none closed);
- 红牌: 100 less `penalty` per red card of the month;
- 查实投诉: 100 less `penalty` per substantiated complaint;
- 满意度 (好差评, R35: citizens' and third parties' evaluation counts): the mean rating, 满意 100,
  基本满意 60, 不满意 0, stars ×20 (100 when nobody rated);
- 整改完成率: rectifications verified / inspection findings of the month (100 when none);
- 督办催办: 100 less `penalty` per urging the unit received;
- 规避时限 (issue 18): a deduction from the weighted score, `penalty` points (本地默认 5, 种子未规定)
  per finding of gaming a clock the office confirmed in the month (`gaming.confirmed`); open and
  dismissed findings never count. Not a weighted part (its weight is 0), so a unit without
  confirmed findings scores as before.

A person: 德、能、勤、廉 entered by the assessor, 绩 the on-time rate of the items the person owns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.db.models import Count, F, Q, Subquery, Sum, Value

from efficiency import process_cache
from efficiency.models import Unit
from efficiency.registry import clock_models
from efficiency.replica import read_connection

from .models import ScorecardPublication, ScoreWeight, UnitDayCounter, UnitMonth, UnitMonthScore
from .periods import day_start, month_after

C = ScoreWeight.Component
UNIT_COMPONENTS = [C.ON_TIME, C.RED_CARDS, C.COMPLAINTS, C.SATISFACTION, C.RECTIFICATION, C.URGING]
PERSON_COMPONENTS = [C.PERSON_DE, C.PERSON_NENG, C.PERSON_QIN, C.PERSON_JI, C.PERSON_LIAN]
DEFAULT_WEIGHTS = {
    C.ON_TIME: 30, C.RED_CARDS: 15, C.COMPLAINTS: 15, C.SATISFACTION: 20, C.RECTIFICATION: 10, C.URGING: 10,
    C.PERSON_DE: 20, C.PERSON_NENG: 20, C.PERSON_QIN: 20, C.PERSON_JI: 30, C.PERSON_LIAN: 10,
    C.GAMING: 0,  # a deduction (its penalty), not a weighted part
}
DEFAULT_PENALTY = {C.RED_CARDS: 10, C.COMPLAINTS: 20, C.URGING: 10, C.GAMING: 5}
# pg_advisory_xact_lock key: the rollup (`rollups.rollup_days`) and every writer of the stored
# scores, one at a time.
SCORES_LOCK = 0x0DA5_B0A2D


_weights: dict = {}
_weights_staleness = process_cache.Staleness(drop=_weights.clear)


def weights() -> dict[str, tuple[int, int]]:
    """component -> (weight, penalty); the administrator's rows over the defaults. From this
    process's copy (`efficiency.process_cache`: a change saved here is read at once, one saved
    in another process within a second), so a ranking read is not one statement more."""
    if _weights_staleness.due():
        _weights.clear()
        _weights_staleness.checked()
    if not _weights:
        out = {c: (w, DEFAULT_PENALTY.get(c, 10)) for c, w in DEFAULT_WEIGHTS.items()}
        for row in ScoreWeight.objects.all():
            out[row.component] = (row.weight, row.penalty)
        _weights.update(out)
    return dict(_weights)


def weights_changed(**_signal) -> None:
    """A ScoreWeight row saved or deleted in this process (a model signal)."""
    _weights.clear()
    _weights_staleness.changed_here()


@dataclass
class UnitScore:
    unit_id: int
    unit_name: str = ""
    region_name: str = ""
    closed_on_time: int = 0
    closed_late: int = 0
    red_cards: int = 0
    yellow_cards: int = 0
    complaints: int = 0
    ratings: int = 0
    rating_sum: int = 0
    findings: int = 0
    verified: int = 0
    urgings: int = 0
    gaming: int = 0
    parts: dict = field(default_factory=dict)
    score: float | None = None
    rank: int | None = None  # None: no data in the month, not ranked

    @property
    def has_data(self) -> bool:
        """Anything to score in the month: a close, a card, a complaint, a rating, a finding or
        an urging. A unit without any shows 无数据 and is not ranked (it would otherwise score
        100 on every component by default and rank first)."""
        return any(getattr(self, f) for f in STORED_FIGURES)

    @property
    def on_time_rate(self) -> float | None:
        closed = self.closed_on_time + self.closed_late
        return round(100 * self.closed_on_time / closed, 1) if closed else None

    @property
    def satisfaction(self) -> float | None:
        return round(self.rating_sum / self.ratings, 1) if self.ratings else None

    @property
    def rectification_rate(self) -> float | None:
        return round(min(100.0, 100 * self.verified / self.findings), 1) if self.findings else None


def _score(s: UnitScore, w: dict) -> None:
    def less(n, comp):
        return max(0.0, 100.0 - w[comp][1] * n)

    s.parts = {
        C.ON_TIME: s.on_time_rate if s.on_time_rate is not None else 100.0,
        C.RED_CARDS: less(s.red_cards, C.RED_CARDS),
        C.COMPLAINTS: less(s.complaints, C.COMPLAINTS),
        C.SATISFACTION: s.satisfaction if s.satisfaction is not None else 100.0,
        C.RECTIFICATION: s.rectification_rate if s.rectification_rate is not None else 100.0,
        C.URGING: less(s.urgings, C.URGING),
    }
    total = sum(w[c][0] for c in UNIT_COMPONENTS) or 1
    s.score = round(sum(s.parts[c] * w[c][0] for c in UNIT_COMPONENTS) / total, 2)
    if s.gaming:
        penalty = w.get(C.GAMING, (0, DEFAULT_PENALTY[C.GAMING]))[1]
        s.parts[C.GAMING] = -float(penalty * s.gaming)
        s.score = round(max(0.0, s.score - penalty * s.gaming), 2)


RATING_KINDS = ("complaints.rated", "approvals.rated")
COUNTER_FIELDS = {
    "complaints.substantiated": "complaints", "inspection.finding": "findings",
    "rectification.verified": "verified", "assignment.urged": "urgings", "keytask.urged": "urgings",
    "gaming.confirmed": "gaming",
}


def unit_scores(month: date, *, unit_ids=None) -> list[UnitScore]:
    """Every active unit's score for the month, ranked (1 = best); read from the rollups only."""
    units = Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.OFFICE)
    if unit_ids is not None:
        units = units.filter(pk__in=unit_ids)
    scores = {u["pk"]: UnitScore(u["pk"], u["name"], u["region__name"])
              for u in units.values("pk", "name", "region__name")}
    months = UnitMonth.objects.filter(month=month)
    if unit_ids is not None:
        months = months.filter(unit_id__in=unit_ids)
    for row in months.values("unit_id").annotate(
            on_time=Sum("closed_on_time"), late=Sum("closed_late"), red=Sum("red_cards"), yellow=Sum("yellow_cards")):
        s = scores.get(row["unit_id"])
        if s:
            s.closed_on_time, s.closed_late, s.red_cards, s.yellow_cards = (
                row["on_time"], row["late"], row["red"], row["yellow"])
    end = month_after(month)
    counters = UnitDayCounter.objects.filter(kind__in=[*RATING_KINDS, *COUNTER_FIELDS], date__gte=month,
                                             date__lt=end, unit_id__isnull=False)
    if unit_ids is not None:
        counters = counters.filter(unit_id__in=unit_ids)
    rated = Q(kind__in=RATING_KINDS)
    sums = {name: Sum("count", filter=Q(kind__in=[k for k, n in COUNTER_FIELDS.items() if n == name]))
            for name in set(COUNTER_FIELDS.values())}
    for row in counters.values("unit_id").annotate(
            ratings=Sum("count", filter=rated), rating_sum=Sum("value_sum", filter=rated), **sums):
        s = scores.get(row["unit_id"])
        if s is None:
            continue
        s.ratings, s.rating_sum = row["ratings"] or 0, row["rating_sum"] or 0
        for name in COUNTER_FIELDS.values():
            setattr(s, name, row[name] or 0)
    return ranked_scores(scores.values(), weights())


def ranked_scores(scores, w) -> list[UnitScore]:
    """Score every unit with data and rank them (1 = best, ties by name); the units without data
    follow, unscored and unranked, by name."""
    scored, empty = [], []
    for s in scores:
        if s.has_data:
            _score(s, w)
            scored.append(s)
        else:
            s.parts, s.score, s.rank = {}, None, None
            empty.append(s)
    scored.sort(key=lambda s: (-s.score, s.unit_name))
    for i, s in enumerate(scored, 1):
        s.rank = i
    return scored + sorted(empty, key=lambda s: s.unit_name)


def person_ji(user, month: date) -> float | None:
    """绩: the on-time rate of the items the person owns that closed in the month (raw, by owner FK)."""
    return people_ji([user.pk], month, month_after(month)).get((user.pk, month))


def person_total(assessment, ji: float | None) -> float:
    w = weights()
    parts = {C.PERSON_DE: assessment.de if assessment else 0, C.PERSON_NENG: assessment.neng if assessment else 0,
             C.PERSON_QIN: assessment.qin if assessment else 0, C.PERSON_LIAN: assessment.lian if assessment else 0,
             C.PERSON_JI: ji if ji is not None else 100.0}
    total = sum(w[c][0] for c in PERSON_COMPONENTS) or 1
    return round(sum(parts[c] * w[c][0] for c in PERSON_COMPONENTS) / total, 2)


STORED_FIGURES = ("closed_on_time", "closed_late", "red_cards", "yellow_cards", "complaints", "ratings",
                  "rating_sum", "findings", "verified", "urgings", "gaming")


def scores_lock() -> None:
    """Serialise every writer of the stored scores (the rollup task, a weight change, publishing
    and re-opening) on the rollup's advisory lock, in the caller's transaction; a session may
    take it again while it holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCORES_LOCK])


def published_months() -> set[date]:
    return set(ScorecardPublication.objects.filter(reopened_at__isnull=True).values_list("month", flat=True))


def publication_of(month: date) -> ScorecardPublication | None:
    """The month's standing publication, or None while it is open."""
    return (ScorecardPublication.objects.filter(month=month, reopened_at__isnull=True)
            .select_related("published_by").first())


def scores_store(months, *, unit_ids=None) -> list[date]:
    """Store every unit's score for these months and rank them (the cockpit's ranking and every
    scorecard read them); with `unit_ids`, re-score those units only and re-rank the month.

    A published month is frozen: it is left as it was published (R37: the ranking the leaders
    announced does not move afterwards). Returns the months stored."""
    stored = []
    with transaction.atomic():
        scores_lock()
        frozen = published_months()
        for month in months:
            if month in frozen:
                continue
            rows = [UnitMonthScore(month=month, unit_id=s.unit_id, score=s.score, on_time_rate=s.on_time_rate,
                                   **{f: getattr(s, f) for f in STORED_FIGURES})
                    for s in unit_scores(month, unit_ids=unit_ids)]
            old = UnitMonthScore.objects.filter(month=month)
            if unit_ids is not None:
                old = old.filter(unit_id__in=unit_ids)
            old.delete()
            UnitMonthScore.objects.bulk_create(rows, batch_size=2000)
            months_rank([month])
            stored.append(month)
    return stored


def months_rank(months) -> None:
    """Rank the stored scores of these months in one statement: 1 = best, ties by unit name
    (code-point order, as `ranked_scores` sorts); a unit without data has no score and no rank."""
    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE dashboards_unitmonthscore AS s SET rank = r.n
            FROM (SELECT ms.id, CASE WHEN ms.score IS NULL THEN NULL ELSE row_number() OVER (
                      PARTITION BY ms.month, ms.score IS NULL ORDER BY ms.score DESC, u.name COLLATE "C") END AS n
                  FROM dashboards_unitmonthscore ms JOIN efficiency_unit u ON u.id = ms.unit_id
                  WHERE ms.month = ANY(%s)) AS r
            WHERE s.id = r.id AND s.rank IS DISTINCT FROM r.n""", [list(months)])


def stored_scores(month: date, w: dict, *, unit_ids=None) -> list[UnitScore]:
    """The month's stored scores (`UnitMonthScore`, written by the rollup or frozen by
    publishing), ranked first, then the units without data; each score's parts rebuilt from its
    stored figures with the weights it was computed with (rank and score as stored)."""
    return _scores_of(_stored_rows(month, unit_ids), w)


def _stored_rows(month: date, unit_ids=None):
    rows = (UnitMonthScore.objects.filter(month=month)
            .order_by(F("rank").asc(nulls_last=True), "unit__name")
            .values("unit_id", "unit__name", "unit__region__name", "rank", "score", *STORED_FIGURES))
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    return rows


def _scores_of(rows, w: dict) -> list[UnitScore]:
    out = []
    for row in rows:  # plain rows: no three model instances per unit (5,000 of them at a province)
        s = UnitScore(row["unit_id"], row["unit__name"], row["unit__region__name"] or "",
                      **{f: row[f] for f in STORED_FIGURES})
        if row["rank"] is not None:
            _score(s, w)
        # JSON writes 97.0 as 97: the stored score is a float.
        s.score, s.rank = (None if row["score"] is None else float(row["score"])), row["rank"]
        out.append(s)
    return out


def ranking_counts(month: date):
    """How many units the month's stored ranking ranks and how many have no data, as a one-row
    queryset (the cockpit folds it into its one statement)."""
    return UnitMonthScore.objects.filter(month=month).values(_one=Value(1)).annotate(
        ranked=Count("pk", filter=Q(rank__isnull=False)), empty=Count("pk", filter=Q(rank__isnull=True)))


def ranking_ends(month: date, n: int = 10) -> dict:
    """The cockpit's view of the month's stored ranking as querysets of values for its one
    statement (`dashboards.queries._fold`): the first `n` (`top`), the last `n` after them
    (`bottom`, last first) — read through the (month, rank) index, never every unit's row.
    `ranking_scores` makes the rows `UnitScore`s."""
    ranked = UnitMonthScore.objects.filter(month=month, rank__isnull=False).values(
        "unit_id", "rank", "score", *STORED_FIGURES, unit_name=F("unit__name"))
    return {"top": ranked.order_by("rank")[:n], "bottom": ranked.filter(rank__gt=n).order_by("-rank")[:n]}


def ranking_scores(rows: list[dict]) -> list[UnitScore]:
    """`ranking_ends`' rows (read in order) as `UnitScore`s."""
    scores = []
    for row in rows:
        s = UnitScore(row["unit_id"], row["unit_name"], **{f: row[f] for f in STORED_FIGURES})
        # JSON writes 97.0 as 97: the stored score is a float.
        s.score, s.rank = (None if row["score"] is None else float(row["score"])), row["rank"]
        scores.append(s)
    return scores


def month_scores(month: date, *, unit_ids=None) -> tuple[list[UnitScore], ScorecardPublication | None]:
    """The one read of a month's unit scores: the cockpit's ranking, the scorecard pages, the
    ledger (Excel) and the API all call it, so they cannot disagree. It reads the stored rollup
    (`UnitMonthScore`): a published month's frozen rows with the weights it was published with,
    otherwise the rows the last rollup stored with today's weights (a weight change re-stores
    them at once). Figures that moved since the last rollup (events counted live, see
    `rollups.counter_bump`) show on every page together at the next rollup, within minutes."""
    # One statement for an open month: the rows carry the id of the month's standing publication
    # (a scalar subquery run once); a published month reads its publication too.
    standing = ScorecardPublication.objects.filter(month=month, reopened_at__isnull=True).values("pk")[:1]
    rows = list(_stored_rows(month, unit_ids).annotate(publication_id=Subquery(standing)))
    if rows:
        pub_id = rows[0]["publication_id"]
        publication = (ScorecardPublication.objects.select_related("published_by").get(pk=pub_id)
                       if pub_id is not None else None)
    else:
        publication = publication_of(month)
    w = weights()
    if publication is not None:
        w = {**w, **{c: tuple(v) for c, v in (publication.weights or {}).items()}}
    return _scores_of(rows, w), publication


def stored_months() -> list[date]:
    return sorted(set(UnitMonthScore.objects.values_list("month", flat=True).distinct()))


def people_ji(user_ids, start: date, end: date) -> dict[tuple[int, date], float]:
    """绩 of several people for every month in [start, end): {(user_id, month): on-time rate} —
    `person_ji` for a year at once, one statement per clock model (by the owner FK index)."""
    counts: dict[tuple[int, date], list[int]] = {}
    with read_connection().cursor() as cursor:
        for entry in clock_models():
            model = entry.model
            try:
                owner_col = model._meta.get_field(model.clock_owner_field).column
            except Exception:  # noqa: BLE001 - a model without an owner field
                continue
            cursor.execute(f"""
                SELECT {connection.ops.quote_name(owner_col)},
                       date_trunc('month', closed_at AT TIME ZONE 'Asia/Shanghai')::date,
                       count(*) FILTER (WHERE clock_state <> 'done_late'), count(*) FILTER (WHERE clock_state = 'done_late')
                FROM {connection.ops.quote_name(model._meta.db_table)}
                WHERE {connection.ops.quote_name(owner_col)} = ANY(%s) AND closed_at >= %s AND closed_at < %s
                GROUP BY 1, 2
            """, [list(user_ids), day_start(start), day_start(end)])
            for user_id, month, on_time, late in cursor.fetchall():
                c = counts.setdefault((user_id, month), [0, 0])
                c[0], c[1] = c[0] + on_time, c[1] + late
    return {k: round(100 * a / (a + b), 1) for k, (a, b) in counts.items() if a + b}
