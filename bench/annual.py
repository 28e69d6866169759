"""Benchmark: 年度考核 (R47, R48) — computing and storing every unit's year, against one SQL statement.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/annual.py [--units 500] [--rounds 5]

Creates the scratch database `eff_bench_annual` (or --db), migrates it, seeds --units units with
twelve stored monthly scores each (`UnitMonthScore`, as the rollup leaves them; one unit in ten
without data in a month), one 问责 decision (`cases.decided`, measure) for every fifth unit and a
major one for every tenth, and a law-enforcement review for every other unit. Then alternates:

- ours: `services.annual_assess` — twelve reads through `scoring.month_scores` (the one read of a
  month's scores), the incidents from the event log, the reviews, the components in Python, one
  upsert per 1,000 units;
- baseline: one INSERT … SELECT … ON CONFLICT DO UPDATE computing the same mean, deduction,
  year-end score and total in the database (a floor: no grade, no component lists, no audit row).

Prints every round and `RATIO annual_assess <median of ours / baseline per round>`; the last
round's rows of both sides are compared (same year-end score per unit).
"""

from __future__ import annotations

import argparse
from datetime import datetime

from scratch import alternate, in_scratch_database  # puts the project on sys.path

YEAR = 2025

SEED_MONTHS = """
INSERT INTO dashboards_unitmonthscore (month, unit_id, rank, score, on_time_rate, closed_on_time, closed_late,
    red_cards, yellow_cards, complaints, ratings, rating_sum, findings, verified, urgings)
SELECT make_date(%(year)s, m, 1), u.id,
       CASE WHEN (u.id + m) %% 10 = 0 THEN NULL ELSE 1 END,
       CASE WHEN (u.id + m) %% 10 = 0 THEN NULL ELSE 60 + ((u.id * 7 + m * 13) %% 40) END,
       NULL, 10, 1, 0, 0, 0, 2, 160, 0, 0, 0
FROM efficiency_unit u CROSS JOIN generate_series(1, 12) AS m
WHERE u.kind <> 'office'
"""

SEED_INCIDENTS = """
INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, message, payload, recipients, fanned_out)
SELECT make_timestamptz(%(year)s, 6, 1, 10, 0, 0, 'Asia/Shanghai'), 'cases.decided',
       'accountability.accountabilitycase', u.id, u.id, '',
       jsonb_build_object('decision', 'measure', 'person_measures',
           CASE WHEN u.id %% 10 = 0 THEN '["transfer"]'::jsonb ELSE '["criticism_education"]'::jsonb END,
           'head_measures', '[]'::jsonb),
       '[]'::jsonb, true
FROM efficiency_unit u WHERE u.kind <> 'office' AND u.id %% 5 = 0
"""

SEED_REVIEWS = """
INSERT INTO dashboards_annualreview (unit_id, year, kind, score, evidence, entered_by_id, entered_at)
SELECT u.id, %(year)s, 'law', 70 + u.id %% 30, '执法评议报告', %(actor)s, now()
FROM efficiency_unit u WHERE u.kind <> 'office' AND u.id %% 2 = 0
"""

# The floor: the same year-end and total, computed and stored by the database in one statement.
BASELINE = """
WITH months AS (
    SELECT unit_id, count(score) AS n, round(avg(score)::numeric, 2)::float AS mean,
           sum(ratings) AS ratings, sum(rating_sum) AS rating_sum
    FROM dashboards_unitmonthscore WHERE month >= make_date(%(year)s, 1, 1) AND month < make_date(%(year)s + 1, 1, 1)
    GROUP BY unit_id),
inc AS (
    SELECT unit_id, count(*) AS n,
           count(*) FILTER (WHERE payload->'person_measures' ?| array['public_criticism', 'transfer',
                                                                    'suspension', 'dismissal']) AS major
    FROM efficiency_event
    WHERE kind = 'cases.decided' AND at >= make_timestamptz(%(year)s, 1, 1, 0, 0, 0, 'Asia/Shanghai')
      AND at < make_timestamptz(%(year)s + 1, 1, 1, 0, 0, 0, 'Asia/Shanghai') AND payload->>'decision' = 'measure'
    GROUP BY unit_id),
y AS (
    SELECT u.id AS unit_id, m.n AS months_scored, m.mean, coalesce(i.n, 0) AS incidents, coalesce(i.major, 0) AS major,
           (coalesce(i.n, 0) - coalesce(i.major, 0)) * 2 + coalesce(i.major, 0) * 5 AS deduction,
           r.score AS law, CASE WHEN m.ratings > 0 THEN round((m.rating_sum::numeric / m.ratings), 1)::float END AS public
    FROM efficiency_unit u LEFT JOIN months m ON m.unit_id = u.id LEFT JOIN inc i ON i.unit_id = u.id
    LEFT JOIN dashboards_annualreview r ON r.unit_id = u.id AND r.year = %(year)s AND r.kind = 'law'
    WHERE u.is_active AND u.kind <> 'office'),
s AS (
    SELECT *, CASE WHEN mean IS NULL THEN NULL ELSE round(greatest(0, mean - deduction)::numeric, 2)::float END AS eff
    FROM y)
INSERT INTO dashboards_annualassessment (unit_id, year, months, months_scored, monthly_mean, incidents, incident_count,
    major_count, deduction, efficiency, efficiency_grade, law_review, public, public_source, ratings, missing, total,
    grade, parameters, provisional, computed_at, computed_by_id)
SELECT unit_id, %(year)s, '{}'::jsonb, coalesce(months_scored, 0), mean, '[]'::jsonb, incidents, major, deduction, eff,
       '', law, public, '', 0, '[]'::jsonb,
       round(((eff * 60 + coalesce(law, 0) * CASE WHEN law IS NULL THEN 0 ELSE 20 END
               + coalesce(public, 0) * CASE WHEN public IS NULL THEN 0 ELSE 20 END)
              / (60 + CASE WHEN law IS NULL THEN 0 ELSE 20 END + CASE WHEN public IS NULL THEN 0 ELSE 20 END))::numeric,
             2)::float,
       '', '{}'::jsonb, false, now(), %(actor)s
FROM s
ON CONFLICT (unit_id, year) DO UPDATE SET months_scored = EXCLUDED.months_scored, monthly_mean = EXCLUDED.monthly_mean,
    incident_count = EXCLUDED.incident_count, major_count = EXCLUDED.major_count, deduction = EXCLUDED.deduction,
    efficiency = EXCLUDED.efficiency, law_review = EXCLUDED.law_review, public = EXCLUDED.public,
    total = EXCLUDED.total, computed_at = EXCLUDED.computed_at
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", default="eff_bench_annual")
    parser.add_argument("--keep", action="store_true")
    in_scratch_database(run, parser.parse_args())


def run(args):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from dashboards import services
    from dashboards.models import AnnualAssessment
    from efficiency.models import Role, Unit
    from efficiency.workdays import SHANGHAI
    from tests.factories import make_unit, make_user

    office = make_user(Role.OFFICE, unit=make_unit("效能办", code="OFFICE", kind=Unit.Kind.OFFICE))
    region = Unit.objects.get(code="OFFICE").region
    Unit.objects.bulk_create([Unit(code=f"U{i:05d}", name=f"单位{i:05d}", region=region,
                                   group=_group(i)) for i in range(args.units)], batch_size=1000)
    params = {"year": YEAR, "actor": office.pk}
    with connection.cursor() as cur:
        for sql in (SEED_MONTHS, SEED_INCIDENTS, SEED_REVIEWS):
            cur.execute(sql, params)
        cur.execute("ANALYZE")
    now = datetime(YEAR + 1, 1, 15, 10, 0, tzinfo=SHANGHAI)
    print(f"{args.units} units, 12 months each, year {YEAR}", flush=True)

    def ours():
        services.annual_assess(actor=office, year=YEAR, now=now)

    def baseline():
        with connection.cursor() as cur:
            cur.execute(BASELINE, params)

    mine, base, ratio = alternate("annual_assess", ours, baseline, args.rounds)
    ours()
    got = dict(AnnualAssessment.objects.filter(year=YEAR).values_list("unit_id", "efficiency"))
    baseline()
    floor = dict(AnnualAssessment.objects.filter(year=YEAR).values_list("unit_id", "efficiency"))
    assert got == floor, "ours and the baseline disagree on the year-end scores"
    print(f"annual_assess: ours {mine:.1f} ms, baseline {base:.1f} ms (medians); same year-end scores for "
          f"{len(got)} units")
    print(f"RATIO annual_assess {ratio:.3f}")


def _group(i):
    from django.contrib.auth.models import Group

    return Group.objects.create(name=f"unit-bench-{i}")


if __name__ == "__main__":
    main()
