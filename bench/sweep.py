"""Benchmark: the sweep's transition of 1,000,000 open clocks against a raw UPDATE.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eff_clock python bench/sweep.py [--n 1000000]

DATABASE_URL names the server (and a database to connect to for administration); the
benchmark creates its own scratch database (`eff_bench`, or --db), migrates it with
DJANGO_SETTINGS_MODULE=tests.settings (the test clock model `clocktest.TimedItem` lives there),
and drops it at the end.

In one run: N open clocks, about half of them past due (warning and due both passed, so each
goes 0 → 黄牌 2 in one step). A copy of the table (CREATE TABLE … (LIKE … INCLUDING ALL)) gets
the same transition by one raw `UPDATE … SET breach_level = 2, clock_state = 'overdue',
next_at = red_at WHERE due_at <= now`; the sweep (`efficiency.sweep.sweep(now=…)`) does it
on the real table, with one `clock.breach` event per row. The two alternate for --rounds
rounds (each rolled back but the last sweep, VACUUM between), because the load of a shared
machine changes from minute to minute; it prints every time, the best of each side and the
ratio, then the steady-state sweep with nothing due (milliseconds). No assertions on time.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta, timezone

from scratch import in_scratch_database  # puts the project on sys.path


SEED = """
INSERT INTO clocktest_timeditem
    (title, unit_id, clock_start, limit_value, limit_unit, legal_limit_unit, due_at, warn_at, red_at,
     notice_at, escalate_at, next_at, breach_level, clock_state, pause_reason, pauses, extension_unit,
     extension_reason, is_provisional)
SELECT 'bench ' || g, %(unit)s, d.due - interval '28 days', 20, 'wd', 'wd', d.due, d.due - interval '1 day',
       d.due + interval '3 days', d.due + interval '5 days', d.due + interval '8 days',
       d.due - interval '1 day', 0, 'on_track', '', '[]'::jsonb, 'wd', '', false
FROM generate_series(1, %(n)s) AS g,
     LATERAL (SELECT CASE WHEN g %% 2 = 0
                          THEN %(now)s - interval '2 hours' - (g %% 1440) * interval '1 minute'
                          ELSE %(now)s + interval '10 days' + (g %% 1440) * interval '1 minute' END AS due) AS d
"""

RAW = """
UPDATE bench_copy SET breach_level = 2, clock_state = 'overdue', next_at = red_at
WHERE closed_at IS NULL AND paused_at IS NULL AND breach_level < 2 AND due_at <= %(now)s
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", default="eff_bench")
    parser.add_argument("--batch", type=int, default=None, help="sweep batch size (default: settings)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (best time of each side)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    in_scratch_database(run, args)


def run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from efficiency import events
    from efficiency.models import Event, Unit
    from efficiency.sweep import sweep

    events.request_fan_out = lambda: None  # no broker needed for the benchmark
    import efficiency.sweep as sweep_module

    sweep_module.request_fan_out = lambda: None

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated scratch database {args.db} in {time.perf_counter() - t:.1f} s")
    from tests.factories import make_unit

    unit = Unit.objects.first() or make_unit("基准测试单位", code="BENCH")
    now = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    with connection.cursor() as cur:
        t = time.perf_counter()
        cur.execute(SEED, {"unit": unit.pk, "n": args.n, "now": now})
        cur.execute("CREATE TABLE bench_copy (LIKE clocktest_timeditem INCLUDING ALL)")
        cur.execute("INSERT INTO bench_copy SELECT * FROM clocktest_timeditem")
        for table in ("clocktest_timeditem", "bench_copy", "efficiency_event"):
            # No autovacuum halfway through one side's run: both sides run on a quiet table.
            cur.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
            cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute("CHECKPOINT")
        print(f"seeded {args.n:,} clocks (+ copy) in {time.perf_counter() - t:.1f} s")

    class Rollback(Exception):
        pass

    def timed(fn, *, keep: bool) -> tuple[int, float]:
        """Run `fn` in a transaction; roll it back unless `keep`, so a round can be repeated."""
        with connection.cursor() as cur:
            cur.execute("CHECKPOINT")
        t = time.perf_counter()
        try:
            with transaction.atomic():
                rows = fn()
                elapsed = time.perf_counter() - t
                if not keep:
                    raise Rollback
        except Rollback:
            pass
        if not keep:
            with connection.cursor() as cur:
                for table in ("clocktest_timeditem", "bench_copy", "efficiency_event"):
                    cur.execute(f"VACUUM {table}")
        return rows, elapsed

    def raw_update() -> int:
        with connection.cursor() as cur:
            cur.execute(RAW, {"now": now})
            return cur.rowcount

    def sweep_all() -> int:
        return sum(sweep(now=now, batch=args.batch).values())

    # On a shared machine the load changes from one minute to the next: the raw UPDATE and
    # the sweep alternate for a few rounds (each rolled back), and the best time of each side
    # is compared; the last sweep is committed.
    raws, sweeps = [], []
    for r in range(args.rounds):
        last = r == args.rounds - 1
        order = [("raw", raw_update), ("sweep", sweep_all)]
        for name, fn in order if r % 2 == 0 else order[::-1]:
            rows, elapsed = timed(fn, keep=last and name == "sweep")
            (raws if name == "raw" else sweeps).append(elapsed)
            print(f"round {r + 1}: {name:<5} {rows:>9,} transitions in {elapsed:8.2f} s")
    raw, swept = min(raws), min(sweeps)
    print(f"raw UPDATE (best of {len(raws)}):   {raw:8.2f} s")
    print(f"sweep      (best of {len(sweeps)}):   {swept:8.2f} s  "
          f"({Event.objects.filter(kind='clock.breach').count():,} events written by the committed one)")
    print(f"ratio sweep / raw UPDATE: {swept / raw:.2f}x  "
          f"(per round: {', '.join(f'{s / r:.2f}' for s, r in zip(sweeps, raws))})")

    runs = []
    for i in range(5):
        t = time.perf_counter()
        again = sweep(now=now + timedelta(seconds=i + 1), batch=args.batch)
        runs.append((time.perf_counter() - t) * 1000)
        assert sum(again.values()) == 0, again
    print(f"steady-state sweep (nothing due): best {min(runs):.1f} ms, median {sorted(runs)[2]:.1f} ms")


if __name__ == "__main__":
    main()
