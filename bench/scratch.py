"""What every benchmark here shares: a scratch database on the PostgreSQL server DATABASE_URL
names, created empty, migrated by the benchmark itself with DJANGO_SETTINGS_MODULE=tests.settings
(the test clock model lives there), and dropped at the end unless --keep."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def admin(url: str, sql: str) -> None:
    """One statement on the server's `postgres` database, outside a transaction."""
    import psycopg2

    conn = psycopg2.connect(with_db(url, "postgres"))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def in_scratch_database(run, args) -> None:
    """Call `run(args)` with Django pointed at a new database `args.db`; drop it afterwards
    unless `args.keep`. No broker is needed (memory transport)."""
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        sys.exit("DATABASE_URL must point to a PostgreSQL server")
    admin(server, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    # BENCH_TEMPLATE_DB: a database migrated earlier, copied instead of migrating again (no rows timed).
    template = os.environ.get("BENCH_TEMPLATE_DB")
    admin(server, f'CREATE DATABASE "{args.db}"' + (f' TEMPLATE "{template}"' if template else ""))
    os.environ["DATABASE_URL"] = with_db(server, args.db)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    started = time.perf_counter()
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin(server, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    print(f"total run {time.perf_counter() - started:.0f} s")


def alternate(label: str, ours, baseline, rounds: int) -> tuple[float, float, float]:
    """Time `ours` and `baseline` alternately, `rounds` rounds after one warm-up of each (which
    goes first alternates too, so neither always runs on a warm cache or a quiet minute), print
    every round, and return (median ms of ours, median ms of the baseline, median of the
    per-round ratios ours ÷ baseline)."""
    import statistics

    ours(), baseline()
    mine, base, ratios = [], [], []
    for r in range(rounds):
        pair = [("ours", ours), ("baseline", baseline)]
        took = {}
        for name, fn in (pair if r % 2 == 0 else pair[::-1]):
            t = time.perf_counter()
            fn()
            took[name] = (time.perf_counter() - t) * 1000
        mine.append(took["ours"])
        base.append(took["baseline"])
        ratios.append(took["ours"] / took["baseline"])
        print(f"  {label}: round {r + 1}: ours {took['ours']:9.2f} ms, baseline {took['baseline']:9.2f} ms, "
              f"ratio {ratios[-1]:.3f}", flush=True)
    return statistics.median(mine), statistics.median(base), statistics.median(ratios)
