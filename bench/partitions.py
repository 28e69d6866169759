"""Benchmark: the events table partitioned by month, against the same table unpartitioned
(docs/partitioning.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/partitions.py \\
        [--items 200000 --rounds 5 --db eff_bench_partitions --keep]

A scratch database (`--db`, created and dropped; no migrations: the two tables are made here,
with the columns and the three indexes of `efficiency.Event`) gets a year of synthetic events:
`--items` items (the province plans 10,000,000 a year; `--items 10000000` is the full
simulation, ~23M events and ~6.5 GB — 2.27M events and 656 MB per 1,000,000 items measured —, about an hour), each with a `clock.started` event, a
`clock.closed` one for nine in ten, a `clock.warning` for three in ten and a `clock.breach`
for one in ten, spread over 5,000 units and the year's months (Asia/Shanghai); events of the
last day are still pending fan-out. The same rows go into

- baseline: `ev_plain`, one table, `PRIMARY KEY (id)`, as `efficiency_event` is today;
- ours: `ev_part`, `PARTITION BY RANGE (at)`, one partition per month, `PRIMARY KEY (id, at)`,
  the same indexes as partitioned indexes (the fan-out's partial index included).

Each round runs every query on both tables, alternating which goes first, and prints the
times; the last lines are the per-round medians of partitioned ÷ plain (lower is better):

    RATIO partition_timeline <ratio>          an item's timeline (events_for: subject, ordered)
    RATIO partition_timeline_bounded <ratio>  the same between the item's start and its closing (prunes months)
    RATIO partition_pending_fan_out <ratio>   notifications_fan_out's batch (pending, by id, FOR UPDATE SKIP LOCKED)
    RATIO partition_month_rollup <ratio>      a month's rollup input (breaches of a kind in the month)
    RATIO partition_insert <ratio>            the sweep writing 1,000 events in one INSERT
    RATIO partition_drop_month <ratio>        removing the oldest month: DETACH + DROP against DELETE

The writes (insert, drop) run in a transaction that is rolled back, so every round sees the
same table. The DELETE's figure leaves out the VACUUM it also owes; DROP owes none.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scratch import admin, with_db

YEAR = 2025
TZ = "Asia/Shanghai"
FIRST = datetime(YEAR, 1, 1, tzinfo=ZoneInfo(TZ))
COLUMNS = """
    at timestamptz NOT NULL, kind varchar(64) NOT NULL, subject_type varchar(64) NOT NULL,
    subject_id bigint NOT NULL, unit_id bigint, actor_id bigint, owner_id bigint,
    level_from smallint, level_to smallint, message text NOT NULL, payload jsonb NOT NULL,
    recipients jsonb NOT NULL, fanned_out boolean NOT NULL"""
INDEXES = """
    CREATE INDEX {t}_subject ON {t} (subject_type, subject_id, at);
    CREATE INDEX {t}_kind_at ON {t} (kind, at);
    CREATE INDEX {t}_pending_fan_out ON {t} (id) WHERE NOT fanned_out;"""


def months(year: int) -> list[tuple[date, date]]:
    firsts = [date(year, m, 1) for m in range(1, 13)] + [date(year + 1, 1, 1)]
    return list(zip(firsts, firsts[1:]))


def schema(cur) -> None:
    cur.execute(f"SET TIME ZONE '{TZ}'")
    cur.execute(f"CREATE TABLE ev_plain (id bigserial PRIMARY KEY, {COLUMNS})")
    cur.execute(INDEXES.format(t="ev_plain"))
    cur.execute(f"CREATE TABLE ev_part (id bigint NOT NULL, {COLUMNS}, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)")
    for start, end in months(YEAR):
        cur.execute(f"CREATE TABLE ev_part_{start:%Y_%m} PARTITION OF ev_part FOR VALUES FROM ('{start}') TO ('{end}')")
    cur.execute(INDEXES.format(t="ev_part"))


def fill(cur, items: int) -> None:
    """A year of events for `items` items, pseudo-random but the same on every run."""
    cur.execute(f"""
        INSERT INTO ev_plain (at, kind, subject_type, subject_id, unit_id, owner_id, level_from, level_to,
                              message, payload, recipients, fanned_out)
        SELECT e.at, e.kind, 'approvals.application', i, 1 + (i * 7919) %% 5000, 1 + (i * 104729) %% 200000,
               e.lf, e.lt, '', '{{}}', '["owner"]', e.at < timestamptz '{YEAR}-12-31'
        FROM generate_series(1::bigint, %(items)s) AS i
        CROSS JOIN LATERAL (SELECT timestamptz '{YEAR}-01-01'
                                   + ((i::bigint * 2654435761) %% 4294967296) / 4294967296.0 * interval '365 days'
                                   AS t0) s
        CROSS JOIN LATERAL (VALUES
            ('clock.started', s.t0, NULL::smallint, NULL::smallint, true),
            ('clock.warning', s.t0 + interval '3 days', 0, 1, i %% 10 < 3),
            ('clock.breach', s.t0 + interval '6 days', 1, 3, i %% 10 = 3),
            ('clock.closed', s.t0 + (1 + i %% 19) * interval '1 day', NULL, NULL, i %% 10 <> 9)
        ) AS e(kind, at, lf, lt, keep)
        WHERE e.keep AND e.at < timestamptz '{YEAR + 1}-01-01'
        ORDER BY e.at""", {"items": items})
    cur.execute("INSERT INTO ev_part SELECT * FROM ev_plain")
    cur.execute("VACUUM ANALYZE ev_plain")
    cur.execute("VACUUM ANALYZE ev_part")


def queries(cur, picks: list[int]):
    """Each figure: a function of the table name that runs its statements once; the timelines
    read the items in `picks` (drawn again each round, the same for both tables)."""
    def timeline(t, bounded=False):
        for i in picks:
            bound = ""
            if bounded:  # the item's start and its closing (or now), which the page has in hand;
                # the same expression `fill` spread the items with
                start = FIRST + (i * 2654435761) % 4294967296 / 4294967296.0 * timedelta(days=365)
                bound = cur.mogrify(" AND at >= %s AND at <= %s", [start, start + timedelta(days=20)]).decode()
            cur.execute(f"SELECT id, at, kind FROM {t} WHERE subject_type = 'approvals.application' "
                        f"AND subject_id = %s{bound} ORDER BY at, id", [i])
            cur.fetchall()

    def pending(t):
        cur.execute("BEGIN")
        cur.execute(f"SELECT id FROM {t} WHERE NOT fanned_out ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED")
        cur.fetchall()
        cur.execute("ROLLBACK")

    def rollup(t):
        start, end = months(YEAR)[6]
        cur.execute(f"""SELECT unit_id, (at AT TIME ZONE '{TZ}')::date, count(*) FROM {t}
                        WHERE kind = 'clock.breach' AND subject_type = 'approvals.application'
                          AND at >= %s AND at < %s GROUP BY 1, 2""", [start, end])
        cur.fetchall()

    def insert(t):
        cur.execute("BEGIN")
        cur.execute(f"""INSERT INTO {t} (id, at, kind, subject_type, subject_id, unit_id, message, payload,
                                         recipients, fanned_out)
                        SELECT -g, timestamptz '{YEAR}-12-30' + g * interval '1 second', 'clock.breach',
                               'approvals.application', g, g % 5000, '', '{{}}', '["owner"]', false
                        FROM generate_series(1, 1000) g""")
        cur.execute("ROLLBACK")

    def drop_month(t):
        start, end = months(YEAR)[0]
        cur.execute("BEGIN")
        if t == "ev_part":
            cur.execute(f"ALTER TABLE ev_part DETACH PARTITION ev_part_{start:%Y_%m}")
            cur.execute(f"DROP TABLE ev_part_{start:%Y_%m}")
        else:
            cur.execute("DELETE FROM ev_plain WHERE at >= %s AND at < %s", [start, end])
        cur.execute("ROLLBACK")

    return {
        "partition_timeline": timeline,
        "partition_timeline_bounded": lambda t: timeline(t, bounded=True),
        "partition_pending_fan_out": pending,
        "partition_month_rollup": rollup,
        "partition_insert": insert,
        "partition_drop_month": drop_month,
    }


def main() -> None:
    import os

    import psycopg2

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000, help="items in the year (the province: 10,000,000)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", default="eff_bench_partitions")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        raise SystemExit("DATABASE_URL must point to a PostgreSQL server")
    admin(server, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    admin(server, f'CREATE DATABASE "{args.db}"')
    conn = psycopg2.connect(with_db(server, args.db))
    conn.autocommit = True
    try:
        cur = conn.cursor()
        t = time.perf_counter()
        schema(cur)
        fill(cur, args.items)
        cur.execute("SELECT count(*), pg_size_pretty(pg_total_relation_size('ev_plain')) FROM ev_plain")
        n, size = cur.fetchone()
        cur.execute("SELECT count(*) FROM ev_plain WHERE NOT fanned_out")
        print(f"{args.items:,} items: {n:,} events ({size} with indexes), {cur.fetchone()[0]:,} pending; "
              f"12 monthly partitions; built in {time.perf_counter() - t:.0f} s", flush=True)
        rng, picks = random.Random(17), []
        figures = queries(cur, picks)
        picks[:] = [rng.randint(1, args.items) for _ in range(200)]
        for run in figures.values():  # warm both tables' caches and plans
            run("ev_part"), run("ev_plain")
        ratios: dict[str, list[float]] = {name: [] for name in figures}
        for r in range(args.rounds):
            picks[:] = [rng.randint(1, args.items) for _ in range(200)]
            for name, run in figures.items():
                took = {}
                for table in (("ev_part", "ev_plain") if r % 2 == 0 else ("ev_plain", "ev_part")):
                    t = time.perf_counter()
                    run(table)
                    took[table] = (time.perf_counter() - t) * 1000
                ratios[name].append(took["ev_part"] / took["ev_plain"])
                print(f"round {r + 1} {name}: partitioned {took['ev_part']:8.2f} ms  plain {took['ev_plain']:8.2f} ms"
                      f"  ratio {ratios[name][-1]:.2f}", flush=True)
        for name, values in ratios.items():
            print(f"RATIO {name} {statistics.median(values):.2f}")
    finally:
        conn.close()
        if not args.keep:
            admin(server, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
