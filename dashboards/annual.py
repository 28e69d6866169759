"""年终考核 (R47) and 年度目标责任制考核 (R48) of units, computed from the records that exist.

R47 (2008b 三(三)3 "将平时考核结果作为年终考核的主要依据"; 2010 三(八) "建立机关内部日常业绩与重大
责任事故登记制度"): the everyday record of a unit is its monthly scorecards (`scoring.month_scores`:
the stored monthly rollup, a published month as it was published), and its liability incidents
are the 问责 decisions taken against it (the event `cases.decided` with decision "measure",
emitted by accountability — read from the event log, apps meet only through events). The
year-end result is the mean of the scored months less a deduction per incident; a major
incident also bars 优秀.

R48 (2008b 三(三)1, 四(三)1; 2010 四 5): the annual grade weighs that result with the
office's 行政执法评议考核 and the public questionnaire (`AnnualReview`; without a questionnaire,
the year's 好差评 ratings of the monthly scorecards).

Every number here — weights, deductions, what makes an incident major, grade thresholds — is a
本地默认 (种子未规定): the seeds name the components, not the arithmetic. `DEFAULTS` holds them,
an `AnnualParameter` row replaces one, and the rules page lists them (`local_defaults`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from efficiency.models import Event, Unit, User
from efficiency.workdays import local_date

from .models import AnnualParameter, AnnualReview, Grade, PersonAssessment
from .periods import day_start, month_after
from .scoring import month_scores, people_ji, person_total

P = AnnualParameter.Code
# 本地默认 (种子未规定): the seeds set none of these numbers.
DEFAULTS = {
    P.WEIGHT_EFFICIENCY: 60, P.WEIGHT_LAW_REVIEW: 20, P.WEIGHT_PUBLIC: 20,
    P.INCIDENT_DEDUCTION: 2, P.MAJOR_DEDUCTION: 5,
    P.GRADE_EXCELLENT: 90, P.GRADE_GOOD: 80, P.GRADE_PASS: 60,
}
# 本地默认 (种子未规定): a 问责 decision with one of these measures (accountability's codes, the
# payload of `cases.decided`) is a major liability incident (重大责任事故); the lighter ones
# (批评教育, 书面检查, 诫勉谈话) are incidents on the record.
MAJOR_MEASURES = ("public_criticism", "transfer", "suspension", "dismissal")
INCIDENT_KIND = "cases.decided"


def parameters() -> dict[str, int]:
    """code -> value: the administrator's rows over the local defaults."""
    out = {code: value for code, value in DEFAULTS.items()}
    out.update(AnnualParameter.objects.values_list("code", "value"))
    return out


def local_defaults() -> list[dict]:
    """The rules page's rows (R47, R48): each parameter, its current value and whether the
    administrator changed it; all are local defaults, none is cited to a seed."""
    current = parameters()
    rows = [{"code": code, "name": str(P(code).label), "value": current[code], "default": DEFAULTS[code],
             "rule_ids": "R47 R48"} for code in P.values]
    rows.append({"code": "major_measures", "name": str(_("重大责任事故：问责方式包括")),
                 "value": "、".join(MAJOR_MEASURES), "default": "、".join(MAJOR_MEASURES), "rule_ids": "R47"})
    return rows


def grade_of(score: float | None, p: dict, *, major: bool = False) -> str:
    """The grade for a score; a major liability incident bars 优秀 (R47)."""
    if score is None:
        return ""
    if score >= p[P.GRADE_EXCELLENT] and not major:
        return Grade.EXCELLENT
    if score >= p[P.GRADE_GOOD]:
        return Grade.GOOD
    return Grade.PASS if score >= p[P.GRADE_PASS] else Grade.FAIL


@dataclass
class YearRecord:
    unit_id: int
    unit_name: str
    months: dict = field(default_factory=dict)
    ratings: int = 0
    rating_sum: int = 0
    incidents: list = field(default_factory=list)
    reviews: dict = field(default_factory=dict)  # kind -> AnnualReview
    values: dict = field(default_factory=dict)  # the AnnualAssessment fields computed

    def compute(self, p: dict, provisional: bool) -> dict:
        scored = [s for s in self.months.values() if s is not None]
        mean = round(sum(scored) / len(scored), 2) if scored else None
        major = sum(1 for i in self.incidents if i["major"])
        deduction = (len(self.incidents) - major) * p[P.INCIDENT_DEDUCTION] + major * p[P.MAJOR_DEDUCTION]
        efficiency = None if mean is None else round(max(0.0, mean - deduction), 2)
        law = self.reviews.get(AnnualReview.Kind.LAW_ENFORCEMENT)
        questionnaire = self.reviews.get(AnnualReview.Kind.QUESTIONNAIRE)
        if questionnaire is not None:
            public, source = questionnaire.score, "questionnaire"
        elif self.ratings:
            public, source = round(self.rating_sum / self.ratings, 1), "ratings"
        else:
            public, source = None, ""
        parts = {"efficiency": (efficiency, p[P.WEIGHT_EFFICIENCY]),
                 "law_review": (law.score if law else None, p[P.WEIGHT_LAW_REVIEW]),
                 "public": (public, p[P.WEIGHT_PUBLIC])}
        present = {k: v for k, v in parts.items() if v[0] is not None and v[1] > 0}
        weight = sum(w for _v, w in present.values())
        total = round(sum(v * w for v, w in present.values()) / weight, 2) if weight and efficiency is not None \
            else None
        self.values = {
            "months": self.months, "months_scored": len(scored), "monthly_mean": mean,
            "incidents": self.incidents, "incident_count": len(self.incidents), "major_count": major,
            "deduction": deduction, "efficiency": efficiency,
            "efficiency_grade": grade_of(efficiency, p, major=major > 0),
            "law_review": law.score if law else None, "public": public, "public_source": source,
            "ratings": self.ratings, "missing": [k for k in parts if k not in present],
            "total": total, "grade": grade_of(total, p, major=major > 0),
            "parameters": {**p, "major_measures": list(MAJOR_MEASURES)}, "provisional": provisional,
        }
        return self.values


def year_months(year: int, today: date) -> list[date]:
    last = 12 if year < today.year else today.month
    return [date(year, m, 1) for m in range(1, last + 1)]


def incidents_of(year: int, unit_ids=None) -> dict[int, list]:
    """The year's liability incidents per unit: every 问责 decision (decision "measure") the
    event log holds for the unit, dated by its decision (Asia/Shanghai year)."""
    events = Event.objects.filter(kind=INCIDENT_KIND, at__gte=day_start(date(year, 1, 1)),
                                  at__lt=day_start(date(year + 1, 1, 1)), unit_id__isnull=False,
                                  payload__decision="measure")
    if unit_ids is not None:
        events = events.filter(unit_id__in=unit_ids)
    out: dict[int, list] = {}
    for e in events.order_by("at", "pk").values("unit_id", "subject_type", "subject_id", "at", "payload"):
        payload = e["payload"] if isinstance(e["payload"], dict) else {}
        measures = [m for m in (*(payload.get("person_measures") or ()), *(payload.get("head_measures") or ()))
                    if isinstance(m, str)]
        out.setdefault(e["unit_id"], []).append({
            "case_type": e["subject_type"], "case_id": e["subject_id"], "at": e["at"].isoformat(), "measures": measures,
            "labels": [str(x) for x in payload.get("measure_labels") or measures],
            "person_id": payload.get("person_id") if isinstance(payload.get("person_id"), int) else None,
            "major": any(m in MAJOR_MEASURES for m in measures)})
    return out


def year_records(year: int, *, today: date, unit_ids=None) -> list[YearRecord]:
    """Every active unit's (but the efficiency office's) year, from the monthly scorecards, the
    incidents and the entered reviews — the inputs only; `YearRecord.compute` weighs them."""
    units = Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.OFFICE)
    if unit_ids is not None:
        units = units.filter(pk__in=unit_ids)
    months = year_months(year, today)
    records = {u.pk: YearRecord(u.pk, u.name, months={f"{m:%Y-%m}": None for m in months})
               for u in units.only("pk", "name")}
    for month in months:
        for s in month_scores(month, unit_ids=unit_ids)[0]:
            r = records.get(s.unit_id)
            if r is not None:
                r.months[f"{month:%Y-%m}"] = s.score if s.rank is not None else None
                r.ratings += s.ratings
                r.rating_sum += s.rating_sum
    for unit_id, incidents in incidents_of(year, unit_ids).items():
        if unit_id in records:
            records[unit_id].incidents = incidents
    reviews = AnnualReview.objects.filter(year=year)
    if unit_ids is not None:
        reviews = reviews.filter(unit_id__in=unit_ids)
    for review in reviews:
        if review.unit_id in records:
            records[review.unit_id].reviews[review.kind] = review
    return list(records.values())


def is_provisional(year: int, now: datetime) -> bool:
    return year >= local_date(now).year


def people_year(unit_id: int, year: int, *, today: date, incidents: list) -> list[dict]:
    """The year-end of a unit's people (R47: 平时考核 is the main basis of the 年终考核 of persons too):
    each month the assessor marked (德能勤廉, `PersonAssessment`) scored with that month's 绩
    (`scoring.person_total`), their mean, less the deductions for the 问责 decisions naming the
    person as the one at fault. Computed on read, not stored: a month's marks can still be
    changed by the assessor (docs/dashboards.md), so a stored person year would go stale."""
    months = year_months(year, today)
    people = list(User.objects.filter(unit_id=unit_id, is_active=True).order_by("username"))
    marks = {(a.user_id, a.month): a for a in PersonAssessment.objects.filter(
        user__in=people, month__gte=months[0], month__lte=months[-1])}
    ji = people_ji([p.pk for p in people], months[0], month_after(months[-1])) if people else {}
    p = parameters()
    rows = []
    for person in people:
        scored = [person_total(marks[(person.pk, m)], ji.get((person.pk, m))) for m in months if (person.pk, m) in marks]
        mine = [i for i in incidents if i.get("person_id") == person.pk]
        major = sum(1 for i in mine if i["major"])
        deduction = (len(mine) - major) * p[P.INCIDENT_DEDUCTION] + major * p[P.MAJOR_DEDUCTION]
        mean = round(sum(scored) / len(scored), 2) if scored else None
        result = None if mean is None else round(max(0.0, mean - deduction), 2)
        rows.append({"person": person, "months": len(scored), "mean": mean, "incidents": len(mine), "major": major,
                     "deduction": deduction, "result": result, "grade": grade_of(result, p, major=major > 0)})
    return rows
