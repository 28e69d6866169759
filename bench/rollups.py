"""Benchmark: the rollups (issue 17, point 5) — the year's rollup, and the periodic job's cost
against the number of changes since its last run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/rollups.py \\
        [--scale 0.1] [--rounds 5] [--changes 1,10,100,1000] [--db eff_bench_rollups]

The scratch database (`--db`, created, migrated and dropped) is seeded as `bench/dashboard.py`
seeds it (`dashboard.seed`: at --scale 1, 5,000 units, 10,000,000 applications and 1,000,000
other items in two clock tables over the last 365 days, their `clock.breach` events and the
other parts' events; --scale 0.1 is a tenth of the items and units).

1. The year's rollup: `rollup_days(today − 365 days, today)` + `refresh_now` — every UnitDay,
   UnitDayCounter, UnitMonth and stored score of the year recomputed from the raw tables, and the
   live stock (what `manage.py rollup_rebuild` does for a year). Timed --year-rounds times,
   every run printed (seconds).
2. The periodic job. Before each round, K open applications are closed through the clock
   (`clocks.clocks_close`: one `clock.closed` event each, as a real close writes), in K
   randomly drawn items — so about K units touched (fewer once K nears the number of units).
   Then, alternating which goes first:
   - ours: `rollup_changes` — the beat task: the new events into the dirty table, only the
     touched units re-rolled from their first dirty day (today), their months' scores and
     their live stock;
   - baseline: the job it replaced, every five minutes: yesterday and today re-rolled for every
     unit (`rollup_days(yesterday, today)`) and every unit's live stock (`refresh_now`) — a full
     recompute of the window the job keeps up to date.
   Both see the same K changes (the baseline does not clear the dirty table; ours does not
   change what the baseline reads). Every round is printed.

The last lines, lower is better:

    RATIO rollup_incremental <median of ours ÷ baseline per round, at --k changes>
    RATIO rollup_incremental_k<K> <the same at each K of --changes>
    RATIO rollup_year_s <median seconds of the year's rollup>

No assertions on time; the incremental rows are checked against a rebuild of today at the end.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from scratch import in_scratch_database  # puts the project on sys.path

OPEN_SAMPLE = """
SELECT id FROM clocktest_timeditem
WHERE clock_start IS NOT NULL AND closed_at IS NULL AND clock_start < %(now)s
ORDER BY random() LIMIT %(k)s
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1, help="1 = 5,000 units, 10M applications, 1M other")
    parser.add_argument("--units", type=int, default=None, help="units (default 5,000 × scale, at least 50)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per number of changes")
    parser.add_argument("--changes", default="1,10,100,1000", help="numbers of changes K, comma-separated")
    parser.add_argument("--k", type=int, default=10, help="the K of the headline RATIO rollup_incremental")
    parser.add_argument("--year-rounds", type=int, default=2, help="runs of the year's rollup")
    parser.add_argument("--db", default="eff_bench_rollups")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    args.changes = [int(k) for k in args.changes.split(",")]
    if args.k not in args.changes:
        args.changes.append(args.k)
    in_scratch_database(run, args)


def run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from dashboard import other_model, seed  # bench/dashboard.py: the same data set
    from dashboards import rollups
    from dashboards.models import UnitDay
    from efficiency import clocks, events
    from efficiency.registry import register_clock_model
    from efficiency.workdays import local_date
    from tests.clocktest.models import TimedItem

    events.request_fan_out = lambda: None  # no broker: the closes' events wait, as they would
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated scratch database {args.db} in {time.perf_counter() - t:.1f} s", flush=True)
    register_clock_model(other_model())
    now = timezone.now()
    today = local_date(now)
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_otheritem (LIKE clocktest_timeditem INCLUDING ALL)")
        n_units, n_items = seed(cur, args.scale, now, args.units)

    # 1. The year's rollup.
    year = []
    for r in range(args.year_rounds):
        with connection.cursor() as cur:
            cur.execute("CHECKPOINT")
        t = time.perf_counter()
        rollups.rollup_days(today - timedelta(days=365), today)
        days = time.perf_counter() - t
        rollups.refresh_now(now=now)
        year.append(time.perf_counter() - t)
        rows = UnitDay.objects.count()
        print(f"year round {r + 1}: {year[-1]:7.1f} s  (rollup_days {days:.1f} s, refresh_now {year[-1] - days:.1f} s; "
              f"{rows:,} UnitDay rows, {n_units:,} units, {n_items:,} items)", flush=True)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE dashboards_unitday")
            cur.execute("VACUUM ANALYZE dashboards_unitdaycounter")

    # 2. The periodic job: settle (the first run of the day rolls yesterday and today whole).
    t = time.perf_counter()
    first = rollups.rollup_changes(now=timezone.now())
    print(f"the job's first run of the day (yesterday + today whole): {time.perf_counter() - t:.1f} s, "
          f"full_days {first['full_days']}", flush=True)

    def close(k: int) -> int:
        with connection.cursor() as cur:
            cur.execute(OPEN_SAMPLE, {"now": timezone.now(), "k": k})
            ids = [row[0] for row in cur.fetchall()]
        items = list(TimedItem.objects.filter(pk__in=ids))
        with transaction.atomic():
            clocks.clocks_close(TimedItem, items, actor=None)
        return len({item.unit_id for item in items})

    def ours():
        done = rollups.rollup_changes(now=timezone.now())
        assert done["full_days"] is None, "the day changed during the run: start it again"
        return len(done["units"])

    def baseline():
        at = timezone.now()
        rollups.rollup_days(local_date(at) - timedelta(days=1), local_date(at))
        rollups.refresh_now(now=at)
        return n_units

    ratios: dict[int, list[float]] = {}
    for k in args.changes:
        ratios[k] = []
        for r in range(args.rounds):
            touched = close(k)
            took, units = {}, {}
            pair = [("ours", ours), ("baseline", baseline)]
            for name, fn in pair if r % 2 == 0 else pair[::-1]:
                t = time.perf_counter()
                units[name] = fn()
                took[name] = (time.perf_counter() - t) * 1000
            ratios[k].append(took["ours"] / took["baseline"])
            print(f"K={k:<5} round {r + 1}: ours {took['ours']:9.1f} ms ({units['ours']:,} dirty units; "
                  f"{touched:,} touched)  baseline {took['baseline']:9.1f} ms (all {n_units:,} units)  "
                  f"ratio {ratios[k][-1]:.3f}", flush=True)

    # The incremental rows equal a rebuild of today (the check, not a timing).
    def today_rows():
        return sorted(UnitDay.objects.filter(date=local_date(timezone.now())).values_list(
            "unit_id", "item_type", "opened", "closed_on_time", "closed_late", "open_at_end", "overdue_open_at_end"))

    close(max(args.changes))
    rollups.rollup_changes(now=timezone.now())
    incremental = today_rows()
    rollups.rollup_days(local_date(timezone.now()), local_date(timezone.now()))
    assert today_rows() == incremental, "the incremental rows differ from a rebuild"
    print("check: today's incremental rows equal a rebuild of today")

    print()
    for k in args.changes:
        print(f"K={k}: ratios {', '.join(f'{x:.3f}' for x in ratios[k])}")
    if year:
        print(f"year's rollup: {', '.join(f'{x:.1f}' for x in year)} s; bar < 20 s: "
              f"{'met' if statistics.median(year) < 20 else 'NOT met'} at {n_items:,} items")
    if args.rounds:
        print(f"RATIO rollup_incremental {statistics.median(ratios[args.k]):.3f}")
        for k in args.changes:
            print(f"RATIO rollup_incremental_k{k} {statistics.median(ratios[k]):.3f}")
    if year:
        print(f"RATIO rollup_year_s {statistics.median(year):.1f}")


if __name__ == "__main__":
    main()
