"""Benchmark: the leader cockpit and the unit ranking on a province-size data set, against the
raw aggregate SQL over the unrolled tables.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eff_dash python bench/dashboard.py [--scale 0.01]

DATABASE_URL names the server; the benchmark creates its own scratch database (`eff_bench_dash`,
or --db), migrates it with DJANGO_SETTINGS_MODULE=tests.settings and drops it at the end.

At --scale 1: 5,000 units in 1 province / 17 cities / 120 counties; 10,000,000 applications
over the last 365 days as rows of the test clock table (clocktest.TimedItem, shaped like every
clock table) and 1,000,000 other timed items in a second clock table (`bench_otheritem`,
created LIKE it and registered as a clock model for the run, so the rollups see two item
types); `clock.breach` events for every yellow and red card those items earned, and about
650,000 events of the other parts (complaints, ratings, deemed approvals, cases, urgings,
findings, rectifications). Everything is seeded with INSERT … SELECT generate_series.

Then: the rollups for the whole year (`dashboards.rollups.rollup_days` + `refresh_now`), the
cockpit page (Django test client, server time, median of 5 after one warm-up), the unit ranking
(the stored rows every page reads, `scoring.month_scores`, beside computing it again,
`scoring.unit_scores`, and the scorecards page), last month published (frozen) and its
scorecards page, the public portal, the drill-down lists without a unit (from the rollups) beside
the same lists read by a scan of the item tables as before, and the same figures computed by raw
aggregate SQL over the item and event tables. Then the baseline gets the indexes a DBA would add
(`DBA_INDEXES`) and the cockpit page and the unit ranking alternate with their raw aggregate for
--rounds rounds, every round printed, ending with `RATIO cockpit <…>` (the page, server time) and
`RATIO unit_ranking <…>` (`scoring.month_scores`)
(the median of the per-round ratios ours ÷ baseline). No assertions on time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from scratch import alternate, in_scratch_database  # puts the project on sys.path

ITEM_COLUMNS = """(title, unit_id, clock_start, limit_value, limit_unit, legal_limit_unit, due_at, breach_level,
    clock_state, pause_reason, pauses, extension_unit, extension_reason, is_provisional, closed_at)"""
# One row per item: start in the last year, a limit of 1–20 days; 90% close in about the limit
# (9% of those late), the rest stay open if recent, else close late; open items past due carry
# their card (2 黄牌, 3 红牌 three days after).
ITEM_SELECT = """
SELECT %(title)s || g, 1 + (g::bigint * 7919) %% %(units)s + %(unit0)s - 1, s, lim, 'd', 'd', due,
       CASE WHEN closed IS NOT NULL THEN 0 WHEN due < %(now)s - interval '3 days' THEN 3
            WHEN due < %(now)s THEN 2 ELSE 0 END,
       CASE WHEN closed IS NOT NULL THEN (CASE WHEN closed > due THEN 'done_late' ELSE 'done' END)
            WHEN due < %(now)s THEN 'overdue' ELSE 'on_track' END,
       '', '[]'::jsonb, 'wd', '', false, closed
FROM (
    SELECT g, s, lim, s + lim * interval '1 day' AS due,
           CASE WHEN r1 < 0.9 AND s + lim * r2 * 1.1 * interval '1 day' <= %(now)s
                    THEN s + lim * r2 * 1.1 * interval '1 day'
                WHEN r1 >= 0.9 AND s < %(now)s - interval '60 days'
                    THEN s + lim * interval '1 day' + r2 * interval '10 days' END AS closed
    FROM (SELECT g, %(now)s - random() * interval '365 days' AS s, 1 + floor(random() * 20)::int AS lim,
                 random() AS r1, random() AS r2
          FROM generate_series(1, %(n)s) AS g) AS x
) AS y
"""
BREACH_EVENTS = """
INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, level_from, level_to, message, payload,
                              recipients, fanned_out)
SELECT due_at, 'clock.breach', %(label)s, id, unit_id, 0, 2, '', '{{}}'::jsonb, '[]'::jsonb, true FROM {table}
 WHERE clock_state = 'done_late' OR breach_level >= 2
UNION ALL
SELECT due_at + interval '3 days', 'clock.breach', %(label)s, id, unit_id, 2, 3, '', '{{}}'::jsonb, '[]'::jsonb, true FROM {table}
 WHERE (closed_at IS NULL AND breach_level >= 3) OR closed_at > due_at + interval '3 days'
"""
OTHER_EVENTS = [  # kind, how many at scale 1, payload SQL
    ("complaints.filed", 50_000, "'{}'"), ("complaints.accepted", 45_000, "'{}'"),
    ("complaints.substantiated", 10_000, "'{}'"),
    ("complaints.rated", 100_000, """jsonb_build_object('rating', (ARRAY['满意','满意','满意','基本满意','不满意'])[1 + g %% 5])"""),
    ("approvals.rated", 300_000, "jsonb_build_object('score', 1 + g %% 5)"),
    ("approvals.deemed_approved", 2_000, "'{}'"), ("cases.opened", 5_000, "'{}'"), ("cases.decided", 4_000, "'{}'"),
    ("assignment.urged", 20_000, "'{}'"), ("inspection.finding", 30_000, "'{}'"),
    ("rectification.verified", 25_000, "'{}'"),
]
OTHER_EVENT_SQL = """
INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, message, payload, recipients, fanned_out)
SELECT %(now)s - random() * interval '365 days', %(kind)s, 'bench.other', g, 1 + (g::bigint * 104729) %% %(units)s + %(unit0)s - 1,
       '', {payload}, '[]', true
FROM generate_series(1, %(n)s) AS g
"""

# The baseline: what the cockpit shows, computed from the raw tables every time.
RAW_QUERIES = {
    "today's stock": """SELECT count(*), count(*) FILTER (WHERE breach_level = 2), count(*) FILTER (WHERE breach_level >= 3),
        count(*) FILTER (WHERE due_at < %(now)s), count(*) FILTER (WHERE due_at >= %(now)s AND due_at < %(week)s)
        FROM {table} WHERE clock_start IS NOT NULL AND closed_at IS NULL""",
    "cards today": """SELECT count(*) FILTER (WHERE level_to >= 3) FROM efficiency_event
        WHERE kind = 'clock.breach' AND at >= %(today)s""",
    "event figures": """SELECT kind, count(*) FROM efficiency_event WHERE kind IN
        ('complaints.filed', 'approvals.deemed_approved', 'cases.opened', 'cases.decided') GROUP BY kind""",
    "red by unit": """SELECT unit_id, count(*) FROM {table} WHERE closed_at IS NULL AND breach_level >= 3
        GROUP BY unit_id ORDER BY 2 DESC LIMIT 15""",
    "on-time by region": """SELECT u.region_id, count(*) FILTER (WHERE clock_state = 'done'), count(*) FILTER
        (WHERE clock_state = 'done_late') FROM {table} t JOIN efficiency_unit u ON u.id = t.unit_id
        WHERE closed_at >= %(month)s GROUP BY 1""",
    "12-month trend": """SELECT date_trunc('month', clock_start AT TIME ZONE 'Asia/Shanghai'), count(*)
        FROM {table} WHERE clock_start >= %(year)s GROUP BY 1""",
    "12-month closes": """SELECT date_trunc('month', closed_at AT TIME ZONE 'Asia/Shanghai'),
        count(*) FILTER (WHERE clock_state = 'done'), count(*) FILTER (WHERE clock_state = 'done_late')
        FROM {table} WHERE closed_at >= %(year)s GROUP BY 1""",
    "unit ranking (on-time, month)": """SELECT unit_id, count(*) FILTER (WHERE clock_state = 'done'),
        count(*) FILTER (WHERE clock_state = 'done_late') FROM {table} WHERE closed_at >= %(month)s GROUP BY 1""",
    "unit ranking (events, month)": """SELECT unit_id, kind, count(*) FROM efficiency_event
        WHERE at >= %(month)s AND kind <> 'clock.breach' GROUP BY 1, 2""",
}


# The indexes a DBA would add for the raw aggregate (baseline side only, created by the bench
# after our figures, so they never help ours): the open stock by rung and due time, closes by
# time with the state and unit carried (index-only), starts by time, events by time with kind
# and unit carried.
DBA_INDEXES = [
    "CREATE INDEX bench_dba_{table}_open ON {table} (breach_level, due_at) INCLUDE (unit_id)"
    " WHERE clock_start IS NOT NULL AND closed_at IS NULL",
    "CREATE INDEX bench_dba_{table}_closed ON {table} (closed_at) INCLUDE (clock_state, unit_id)",
    "CREATE INDEX bench_dba_{table}_start ON {table} (clock_start)",
]
DBA_EVENT_INDEX = "CREATE INDEX bench_dba_event_at ON efficiency_event (at) INCLUDE (kind, unit_id, level_to)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 5,000 units, 10M applications, 1M other")
    parser.add_argument("--units", type=int, default=None, help="units (default 5,000 × scale, at least 50)")
    parser.add_argument("--db", default="eff_bench_dash")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds of the cockpit against the raw SQL")
    args = parser.parse_args()
    in_scratch_database(run, args)


def _step(label: str):
    class Step:
        def __enter__(self):
            self.t = time.perf_counter()
            return self

        def __exit__(self, *exc):
            self.s = time.perf_counter() - self.t
            print(f"  {label:<44} {self.s:8.1f} s", flush=True)

    return Step()


def other_model():
    """A second clock table for the run, shaped like the first (1M 'other items')."""
    from django.conf import settings
    from django.db import models

    from efficiency.models import Clock

    class OtherItem(Clock):
        title = models.CharField(max_length=100, default="item")
        unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+")
        owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")

        class Meta(Clock.Meta):
            app_label = "clocktest"
            db_table = "bench_otheritem"
            managed = False
            verbose_name = "其他事项"

        def __str__(self):
            return self.title

    return OtherItem


def drop_indexes(cur, table: str) -> list[str]:
    """Drop the table's secondary indexes (built once after the load, not row by row); returns
    their definitions."""
    cur.execute("""SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s
                   AND indexname NOT LIKE '%%_pkey'""", [table])
    rows = cur.fetchall()
    for name, _definition in rows:
        cur.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in rows]


def seed(cur, scale: float, now, units: int | None = None) -> tuple[int, int]:
    n_units = units or max(50, int(5000 * scale))
    n_apps, n_other = int(10_000_000 * scale), int(1_000_000 * scale)
    cur.execute("SET synchronous_commit = off")
    with _step(f"org chart: {n_units:,} units"):
        cur.execute("INSERT INTO efficiency_region (code, name, level) VALUES ('420000', '湖北省', 'province') RETURNING id")
        province = cur.fetchone()[0]
        cur.execute("""INSERT INTO efficiency_region (code, name, level, parent_id)
            SELECT '42' || lpad(g::text, 2, '0') || '00', '第' || g || '市', 'city', %s FROM generate_series(1, 17) g""",
                    [province])
        cur.execute("""INSERT INTO efficiency_region (code, name, level, parent_id)
            SELECT '43' || lpad(g::text, 4, '0'), '第' || g || '县区', 'county',
                   (SELECT id FROM efficiency_region WHERE level = 'city' ORDER BY id OFFSET g % 17 LIMIT 1)
            FROM generate_series(1, 120) g""")
        cur.execute("INSERT INTO auth_group (name) SELECT 'bench-unit-' || g FROM generate_series(1, %s) g", [n_units])
        cur.execute("""INSERT INTO efficiency_unit (code, name, short_name, kind, region_id, group_id, is_active)
            SELECT 'B' || lpad(g::text, 5, '0'), '第' || g || '号单位', '', 'department',
                   r.ids[1 + g % array_length(r.ids, 1)], ag.id, true
            FROM (SELECT id, substr(name, 12)::int AS g FROM auth_group WHERE name LIKE 'bench-unit-%') ag,
                 (SELECT array_agg(id ORDER BY id) AS ids FROM efficiency_region WHERE level <> 'province') r""")
        cur.execute("SELECT min(id) FROM efficiency_unit WHERE code LIKE 'B%'")
        unit0 = cur.fetchone()[0]
    event_indexes = drop_indexes(cur, "efficiency_event")
    for table, title, n in (("clocktest_timeditem", "办件", n_apps), ("bench_otheritem", "事项", n_other)):
        cur.execute(f"""SELECT conname FROM pg_constraint WHERE conrelid = '{table}'::regclass AND contype = 'f'""")
        fks = [r[0] for r in cur.fetchall()]
        for fk in fks:  # checked once below, not per row
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{fk}"')
        indexes = drop_indexes(cur, table)
        with _step(f"{table}: {n:,} items"):
            cur.execute(f"INSERT INTO {table} {ITEM_COLUMNS} {ITEM_SELECT}",
                        {"title": title, "units": n_units, "unit0": unit0, "now": now, "n": n})
        with _step(f"{table}: {len(indexes)} indexes rebuilt"):
            for definition in indexes:
                cur.execute(definition)
        with _step(f"{table}: breach events"):
            cur.execute(BREACH_EVENTS.format(table=table),
                        {"label": "clocktest.timeditem" if table == "clocktest_timeditem" else "clocktest.otheritem"})
        cur.execute(f"""ALTER TABLE {table} ADD CONSTRAINT {table}_unit_bench_fk FOREIGN KEY (unit_id)
                        REFERENCES efficiency_unit (id) NOT VALID""")
    with _step("other parts' events"):
        for kind, count, payload in OTHER_EVENTS:
            cur.execute(OTHER_EVENT_SQL.format(payload=payload),
                        {"now": now, "kind": kind, "units": n_units, "unit0": unit0, "n": max(1, int(count * scale))})
    with _step(f"efficiency_event: {len(event_indexes)} indexes rebuilt"):
        for definition in event_indexes:
            cur.execute(definition)
    with _step("VACUUM ANALYZE"):
        for table in ("clocktest_timeditem", "bench_otheritem", "efficiency_event", "efficiency_unit"):
            cur.execute(f"VACUUM ANALYZE {table}")
    cur.execute("SELECT count(*) FROM efficiency_event")
    print(f"  seeded {n_units:,} units, {n_apps:,} applications, {n_other:,} other items, "
          f"{cur.fetchone()[0]:,} events")
    return n_units, n_apps + n_other


def timed(fn, runs=5) -> tuple[float, float]:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), min(times)


def run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from dashboards import queries, rollups, scoring, services
    from dashboards.periods import day_start, week_end
    from dashboards.models import UnitNow
    from dashboards.queries import month_of
    from efficiency.models import Role, Unit
    from efficiency.registry import register_clock_model
    from efficiency.workdays import local_date
    from tests.factories import make_user

    with _step("migrate scratch database"):
        call_command("migrate", verbosity=0)
    model = other_model()
    register_clock_model(model)
    now = timezone.now()
    today = local_date(now)
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_otheritem (LIKE clocktest_timeditem INCLUDING ALL)")
        seed(cur, args.scale, now, args.units)
    with _step("rollups for the year (rollup_days + refresh_now)"):
        rollups.rollup_days(today - timedelta(days=366), today)
        rollups.refresh_now(now=now)
    with _step("beat task once (yesterday + today + live stock)"):
        rollups.rollup_recent(now=now)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE dashboards_unitday")
        cur.execute("VACUUM ANALYZE dashboards_unitmonth")
        cur.execute("SELECT count(*) FROM dashboards_unitday")
        print(f"  {cur.fetchone()[0]:,} UnitDay rows")

    # No setup_test_environment(): its instrumented rendering copies every template's context for
    # the test client (about 40 % of the cockpit page's time), which no server pays.
    leader = make_user(Role.LEADER, unit=Unit.objects.order_by("id").first(), username="bench_leader")
    client = Client()
    client.force_login(leader)

    def cockpit():
        response = client.get("/dashboards/")
        assert response.status_code == 200, response.status_code

    def scorecards_page():
        assert client.get("/dashboards/scorecards/").status_code == 200

    def public_units():
        assert Client().get("/public/units/").status_code == 200

    month = month_of(today)
    last_month = month_of(month - timedelta(days=1))
    office = make_user(Role.OFFICE, unit=Unit.objects.order_by("id").first(), username="bench_office")
    with _step(f"publish {last_month:%Y-%m} (re-roll its last day, score, freeze)"):
        services.month_publish(actor=office, month=last_month, now=now)
    red_unit = UnitNow.objects.filter(red_open__gt=0).order_by("-red_open").values_list("unit_id", flat=True)[0]

    def page(url):
        def go():
            assert client.get(url).status_code == 200
        return go

    results = {
        "cockpit page /dashboards/": timed(cockpit),
        "unit ranking read (scoring.month_scores)": timed(lambda: scoring.month_scores(month)),
        "unit ranking computed (scoring.unit_scores)": timed(lambda: scoring.unit_scores(month)),
        "scorecards page (ranking, 100 per page)": timed(scorecards_page, runs=3),
        "scorecards page, published month": timed(page(f"/dashboards/scorecards/?month={last_month:%Y-%m}"), runs=3),
        "public portal /public/units/ (no login)": timed(public_units, runs=3),
    }
    for state in ("open", "red", "overdue", "due_week", "closed_late"):
        results[f"list ?state={state}, no unit"] = timed(page(f"/dashboards/items/?state={state}"), runs=3)
    results["list ?state=red, one unit"] = timed(page(f"/dashboards/items/?state=red&unit={red_unit}"), runs=3)
    twenty = list(UnitNow.objects.filter(red_open__gt=0).order_by("-red_open").values_list("unit_id", flat=True)[:20])
    results["red items of 20 units (unit IN, FK index)"] = timed(
        lambda: queries.item_list(leader, state="red", unit_ids=twenty, now=now), runs=3)

    def old_list(state):  # the list before: the state filter over every row, ordered by due
        return lambda: queries.item_list(leader, state=state, unit_ids=None, now=now)

    for state in ("open", "red", "closed_late"):
        results[f"items ?state={state} by scan (before)"] = timed(old_list(state), runs=3)
    params = {"now": now, "week": week_end(now), "today": day_start(today),
              "month": day_start(month), "year": day_start(today - timedelta(days=365))}

    def raw(names):
        def go():
            with connection.cursor() as cur:
                for name in names:
                    for table in ("clocktest_timeditem", "bench_otheritem"):
                        cur.execute(RAW_QUERIES[name].format(table=table), params)
                        cur.fetchall()
                        if "{table}" not in RAW_QUERIES[name]:
                            break
        return go

    raw_cockpit = timed(raw([k for k in RAW_QUERIES if not k.startswith("unit ranking")]), runs=3)
    raw_ranking = timed(raw([k for k in RAW_QUERIES if k.startswith("unit ranking")]), runs=3)
    print(f"  raw SQL without the DBA's indexes: cockpit figures {raw_cockpit[0]:.1f} ms, ranking {raw_ranking[0]:.1f} ms")

    # The honest comparison: the raw aggregate with the indexes a DBA would add, alternating with
    # ours round by round.
    with _step("baseline's indexes (a DBA's), VACUUM ANALYZE"), connection.cursor() as cur:
        for table in ("clocktest_timeditem", "bench_otheritem"):
            for definition in DBA_INDEXES:
                cur.execute(definition.format(table=table))
            cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute(DBA_EVENT_INDEX)
        cur.execute("VACUUM ANALYZE efficiency_event")
    raw_cockpit = timed(raw([k for k in RAW_QUERIES if not k.startswith("unit ranking")]), runs=3)
    raw_ranking = timed(raw([k for k in RAW_QUERIES if k.startswith("unit ranking")]), runs=3)
    figures = {
        "cockpit": alternate("cockpit", cockpit, raw([k for k in RAW_QUERIES if not k.startswith("unit ranking")]),
                             args.rounds),
        # The ranking as every page reads it: the month's stored rows (`scoring.month_scores`).
        "unit_ranking": alternate("unit_ranking", lambda: scoring.month_scores(month),
                                  raw([k for k in RAW_QUERIES if k.startswith("unit ranking")]), args.rounds),
    }
    print()
    print(f"{'figure':<40} {'median ms':>10} {'best ms':>10}")
    for name, (med, best) in results.items():
        print(f"{name:<40} {med:10.1f} {best:10.1f}")
    print(f"{'raw SQL, cockpit figures':<40} {raw_cockpit[0]:10.1f} {raw_cockpit[1]:10.1f}")
    print(f"{'raw SQL, unit ranking':<40} {raw_ranking[0]:10.1f} {raw_ranking[1]:10.1f}")
    cockpit_ms, ranking_ms = results["cockpit page /dashboards/"][0], results["unit ranking read (scoring.month_scores)"][0]
    print(f"raw (indexed) / cockpit page: {raw_cockpit[0] / cockpit_ms:.1f}x;  raw / ranking: "
          f"{raw_ranking[0] / ranking_ms:.1f}x;  cockpit target < 50 ms: "
          f"{'met' if cockpit_ms < 50 else 'NOT met'}")
    print("ratio: the median of the per-round ratios, ours ÷ the raw aggregate with a DBA's indexes (lower is better)")
    for figure, (ours_ms, base_ms, ratio) in figures.items():
        print(f"  {figure}: ours {ours_ms:.1f} ms, baseline {base_ms:.1f} ms (medians)")
    for figure, (_ours, _base, ratio) in figures.items():
        print(f"RATIO {figure} {ratio:.3f}")


if __name__ == "__main__":
    main()
