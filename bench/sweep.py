"""Benchmark: the sweep against a raw UPDATE — the wave, the normal minute, the steady state.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eff_clock python bench/sweep.py [--n 1000000]

DATABASE_URL names the server (and a database to connect to for administration); the
benchmark creates its own scratch database (`eff_bench`, or --db), migrates it with
DJANGO_SETTINGS_MODULE=tests.settings (the test clock model `clocktest.TimedItem` lives there),
and drops it at the end.

N open clocks: half of them past due (warning and due both passed, so each goes 0 → 黄牌 2 in
one step), the other half due over the next days, their warnings spread over a day by the
second. A copy of the table (CREATE TABLE … (LIKE … INCLUDING ALL): the same partial index on
`next_at`) is the baseline's: what a good engineer would write, one raw UPDATE of the rows due
through that index, no event, no handler. Ours is the real transition path: `sweep(now=…)`
(one `clock.breach` event per transition, every app's breach handlers, all clock models of the
tree registered) and then `notifications_fan_out()` (the events become notifications: to every
clock's owner, the unit's head, office and leader per the rung, inbox and e-mail; `--no-people`
leaves them out, as the bench did before 2026-12-05 06:00, so that the fan-out writes nothing).
Since 2026-12-05 10:00 the sweep writes its cards' deliveries in its own statement (docs/clock.md,
"The cards delivered in the claim's statement"): the fan-out call after it finds nothing, and
"sweep alone" includes the deliveries.

A second baseline, the hand-written one (`HAND`), does the same work as ours in one raw SQL
statement over a third copy of the clocks: UPDATE the due clocks RETURNING them, INSERT one
event per row, INSERT the inbox and e-mail deliveries of the people the rung names (the owner;
from 黄牌 on the unit's heads too), into copies of the event and delivery tables with ours'
columns, indexes and foreign keys — so the reader sees the cost of the framework (ours /
hand-written) apart from the cost of the work (hand-written / raw).

1. wave: --rounds rounds, ours and the baselines in turn (the load of a shared machine
   changes from minute to minute; which goes first rotates), each rolled back but the last of
   each side;
2. normal minute: --minutes rounds, each a later moment at which clocks become due (their
   warning: about --due at --n 200,000, 432 at --n 20,000, the seed's warnings being one every
   two seconds there), ours and the baselines in turn, committed;
3. steady state: sweeps with nothing due (milliseconds).

A side's time includes its COMMIT (the WAL flush, deferred constraint checks); a rolled-back
round runs its deferred checks (SET CONSTRAINTS ALL IMMEDIATE) inside the timing.

Every round is printed; the last lines are, per figure, the median of the per-round ratios
(lower is better; milliseconds of ours for the steady state):

    RATIO sweep_wave <ours / raw>
    RATIO sweep_wave_sweep_alone <the sweep without the fan-out call after it / raw>
    RATIO sweep_wave_vs_handwritten <ours / hand-written>
    RATIO sweep_normal_minute <ours / raw>
    RATIO sweep_normal_minute_sweep_alone <…>
    RATIO sweep_normal_minute_vs_handwritten <ours / hand-written>
    RATIO sweep_steady_ms <ms>

No assertions on time.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta, timezone

from scratch import in_scratch_database  # puts the project on sys.path


SEED = """
INSERT INTO clocktest_timeditem
    (title, unit_id, owner_id, clock_start, limit_value, limit_unit, legal_limit_unit, due_at, warn_at, red_at,
     notice_at, escalate_at, next_at, breach_level, clock_state, pause_reason, pauses, extension_unit,
     extension_reason, is_provisional)
SELECT 'bench ' || g, %(unit)s, %(owner)s, d.due - interval '28 days', 20, 'wd', 'wd', d.due, d.due - interval '1 day',
       d.due + interval '3 days', d.due + interval '5 days', d.due + interval '8 days',
       d.due - interval '1 day', 0, 'on_track', '', '[]'::jsonb, 'wd', '', false
FROM generate_series(1, %(n)s) AS g,
     LATERAL (SELECT CASE WHEN g %% 2 = 0
                          THEN %(now)s - interval '2 hours' - (g %% 1440) * interval '1 minute'
                          ELSE %(now)s + interval '1 day' + (g %% 86400) * interval '1 second' END AS due) AS d
"""

RAW = """
UPDATE bench_copy SET breach_level = 2, clock_state = 'overdue', next_at = red_at
WHERE closed_at IS NULL AND paused_at IS NULL AND breach_level < 2 AND due_at <= %(now)s
"""


# The normal minute's baseline: the rows whose warning has come, through the partial index.
RAW_MINUTE = """
UPDATE bench_copy SET breach_level = 1, clock_state = 'warning', next_at = due_at
WHERE closed_at IS NULL AND paused_at IS NULL AND next_at IS NOT NULL AND next_at <= %(now)s
  AND breach_level < 1
"""


# What a good engineer would hand-write doing the same work as ours in raw SQL, in one statement:
# UPDATE the due clocks RETURNING them, INSERT one event per row, INSERT the deliveries (inbox,
# and e-mail for those with an address) for the people of the rung — the owner; from 黄牌 on
# the unit's heads too (the bench's two transitions: 0 → 1 in the normal minute, 0 → 2 in the
# wave) — into copies of the event and delivery tables (same columns, indexes and foreign keys as
# ours). No text in the deliveries, as ours. `{set}` and `{where}`: the rung's update.
HAND = """
WITH moved AS (
    UPDATE bench_hand AS t SET {set}
    WHERE t.closed_at IS NULL AND t.paused_at IS NULL AND t.next_at IS NOT NULL AND {where}
    RETURNING t.id, t.unit_id, t.owner_id, t.due_at, t.breach_level),
ev AS (
    INSERT INTO bench_event (at, kind, subject_type, subject_id, unit_id, owner_id, level_from, level_to, message,
                             payload, recipients, fanned_out)
    SELECT %(now)s, 'clock.breach', 'clocktest.timeditem', m.id, m.unit_id, m.owner_id, 0, m.breach_level, '',
           jsonb_build_object('due_at', m.due_at),
           CASE WHEN m.breach_level >= 2 THEN '["owner", "head"]'::jsonb ELSE '["owner"]'::jsonb END, true
    FROM moved AS m
    RETURNING id, unit_id, owner_id, level_to),
delivered AS (
INSERT INTO bench_notification (event_id, user_id, recipient, channel, title, body, link, status, deliver_after,
                                sent_at, attempts, last_error, created_at)
SELECT ev.id, u.id, 'user:' || u.id, c.channel, '', '', '', CASE WHEN c.channel = 'inbox' THEN 'sent' ELSE 'pending' END,
       CASE WHEN c.channel = 'inbox' THEN %(now)s ELSE %(later)s END, CASE WHEN c.channel = 'inbox' THEN %(now)s END,
       0, '', %(now)s
FROM ev
JOIN efficiency_user AS u ON u.is_active AND (u.id = ev.owner_id OR (ev.level_to >= 2 AND u.role = 'head'
                                                                        AND u.unit_id = ev.unit_id))
CROSS JOIN LATERAL (VALUES ('inbox'), ('email')) AS c(channel)
WHERE c.channel = 'inbox' OR u.email <> ''
RETURNING 1)
SELECT (SELECT count(*) FROM ev), (SELECT count(*) FROM delivered)
"""
HAND_WAVE = HAND.format(set="breach_level = 2, clock_state = 'overdue', next_at = red_at",
                        where="t.breach_level < 2 AND t.due_at <= %(now)s")
HAND_MINUTE = HAND.format(set="breach_level = 1, clock_state = 'warning', next_at = due_at",
                          where="t.next_at <= %(now)s AND t.breach_level < 1")


def median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", default="eff_bench")
    parser.add_argument("--batch", type=int, default=None, help="sweep batch size (default: settings)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the wave")
    parser.add_argument("--minutes", type=int, default=9, help="alternating rounds of the normal minute")
    parser.add_argument("--due", type=int, default=100, help="clocks due in a normal minute")
    parser.add_argument("--no-fanout", dest="fanout", action="store_false",
                        help="leave notifications_fan_out out of our figure (the sweep alone)")
    parser.add_argument("--no-people", dest="people", action="store_false",
                        help="nobody to notify (the bench before 2026-12-05 06:00: clocks without an owner, a unit "
                             "without a head, no office): the fan-out then writes no delivery")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    in_scratch_database(run, args)


def run(args) -> None:
    import logging

    import django

    django.setup()
    logging.getLogger("efficiency.sweep").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection, transaction

    from efficiency import events, workdays
    from efficiency.models import Event, Unit
    from efficiency.notifications import notifications_fan_out
    from efficiency.sweep import sweep

    events.request_fan_out = lambda: None  # no broker: the fan-out is run here, in the timing
    import efficiency.sweep as sweep_module

    sweep_module.request_fan_out = lambda: None

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated scratch database {args.db} in {time.perf_counter() - t:.1f} s")
    from tests.factories import make_unit

    unit = Unit.objects.first() or make_unit("基准测试单位", code="BENCH")
    owner = None
    if args.people:
        # Somebody to tell, as in a real unit: every clock's owner, the unit's head, an office
        # user and a leader (each with an e-mail address: inbox + e-mail per notice).
        from efficiency.models import Role
        from tests.factories import make_user

        owner = make_user(Role.CLERK, unit=unit)
        for role in (Role.HEAD, Role.OFFICE, Role.LEADER):
            make_user(role, unit=unit)
    now = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    with connection.cursor() as cur:
        t = time.perf_counter()
        cur.execute(SEED, {"unit": unit.pk, "owner": owner.pk if owner else None, "n": args.n, "now": now})
        cur.execute("CREATE TABLE bench_copy (LIKE clocktest_timeditem INCLUDING ALL)")
        cur.execute("INSERT INTO bench_copy SELECT * FROM clocktest_timeditem")
        cur.execute("CREATE TABLE bench_hand (LIKE clocktest_timeditem INCLUDING ALL)")
        cur.execute("INSERT INTO bench_hand SELECT * FROM clocktest_timeditem")
        # The hand-written baseline's event and delivery tables: ours' columns, indexes and
        # foreign keys (LIKE copies no foreign key: they are added from the catalogue).
        for table, copy in (("efficiency_event", "bench_event"), ("efficiency_notification", "bench_notification")):
            cur.execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
            cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conrelid = %s::regclass AND contype = 'f'", [table])
            for name, definition in cur.fetchall():
                cur.execute(f'ALTER TABLE {copy} ADD CONSTRAINT "{name}_copy" {definition}')
        for table in ("clocktest_timeditem", "bench_copy", "bench_hand", "efficiency_event", "bench_event"):
            # No autovacuum halfway through one side's run: both sides run on a quiet table.
            cur.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
            cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute("CHECKPOINT")
        print(f"seeded {args.n:,} clocks (+ copy) in {time.perf_counter() - t:.1f} s")

    class Rollback(Exception):
        pass

    def timed(fn, *, keep: bool, checkpoint: bool = True) -> tuple[int, float]:
        """Run `fn` in a transaction; roll it back unless `keep`, so a round can be repeated."""
        if checkpoint:
            with connection.cursor() as cur:
                cur.execute("CHECKPOINT")
        t = time.perf_counter()
        try:
            with transaction.atomic():
                rows = fn()
                if not keep:
                    # Deferred constraint checks run now, not at a COMMIT that never comes.
                    with connection.cursor() as cur:
                        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    elapsed = time.perf_counter() - t
                    raise Rollback
        except Rollback:
            pass
        else:
            elapsed = time.perf_counter() - t  # with the COMMIT (its deferred checks, its WAL flush)
        if not keep:
            with connection.cursor() as cur:
                for table in ("clocktest_timeditem", "bench_copy", "bench_hand", "efficiency_event",
                              "efficiency_notification", "bench_event", "bench_notification"):
                    cur.execute(f"VACUUM {table}")
        return rows, elapsed

    parts = {}

    def ours(at):
        def fn() -> int:
            t = time.perf_counter()
            moved = sum(sweep(now=at, batch=args.batch).values())
            parts["sweep"] = time.perf_counter() - t
            if args.fanout:
                notifications_fan_out()
            parts["fanout"] = time.perf_counter() - t - parts["sweep"]
            return moved
        return fn

    def raw(sql, at):
        def fn() -> int:
            with connection.cursor() as cur:
                cur.execute(sql, {"now": at})
                return cur.rowcount
        return fn

    def hand(sql, at):
        later = workdays.next_working_moment(at)  # once, as the fan-out does per batch

        def fn() -> int:
            with connection.cursor() as cur:
                cur.execute(sql, {"now": at, "later": later})
                moved, parts["hand_deliveries"] = cur.fetchone()
                return moved
        return fn

    def delivered(at) -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM efficiency_notification AS n JOIN efficiency_event AS e "
                        "ON e.id = n.event_id WHERE e.at = %s", [at])
            return cur.fetchone()[0]

    def alternate(label, rounds, make, *, keep_all, checkpoint):
        """Ours, the raw UPDATE and the hand-written SQL in turn (which goes first rotates); the
        per-round ratios of ours to each. Each round rolled back but the last unless `keep_all`."""
        ratios, alone, vs_hand = [], [], []
        for r in range(rounds):
            at, sql, hand_sql = make(r)
            keep = keep_all or r == rounds - 1
            times = {}
            order = [("raw", raw(sql, at)), ("hand", hand(hand_sql, at)), ("ours", ours(at))]
            order = order[r % 3:] + order[:r % 3]
            for name, fn in order:
                rows, times[name] = timed(fn, keep=keep, checkpoint=checkpoint)
                extra = ""
                if name == "hand":
                    extra = f", {parts['hand_deliveries']:,} deliveries"
                elif name == "ours" and keep:
                    extra = f", {delivered(at):,} deliveries"
                print(f"{label} round {r + 1}: {name:<4} {rows:>9,} transitions in {times[name] * 1000:10.1f} ms"
                      f"{extra}", flush=True)
            ratios.append(times["ours"] / times["raw"])
            alone.append(parts["sweep"] / times["raw"])
            vs_hand.append(times["ours"] / times["hand"])
            print(f"{label} round {r + 1}: ours / raw = {ratios[-1]:.2f}, ours / hand-written = {vs_hand[-1]:.2f} "
                  f"(sweep {parts['sweep'] * 1000:.1f} ms, fan-out {parts['fanout'] * 1000:.1f} ms; "
                  f"sweep alone / raw = {alone[-1]:.2f}; hand-written / raw = {times['hand'] / times['raw']:.2f})",
                  flush=True)
        return ratios, alone, vs_hand

    # 1. The wave; the last round of each side is committed.
    if args.rounds:
        wave, wave_alone, wave_hand = alternate("wave", args.rounds, lambda r: (now, RAW, HAND_WAVE), keep_all=False,
                                                checkpoint=True)
        print(f"wave: {Event.objects.filter(kind='clock.breach').count():,} events committed; "
              f"per round {', '.join(f'{x:.2f}' for x in wave)}")
        with connection.cursor() as cur:
            for table in ("clocktest_timeditem", "bench_copy", "efficiency_event"):
                cur.execute(f"VACUUM ANALYZE {table}")

    # 2. The normal minute: each round a later moment, about --due clocks newly due (their
    # warning: the other half's warnings are spread one a second over the day after `now`),
    # committed. The wave (or, without wave rounds, the sweep at `now` below) is not part of it.
    step = args.due * 86400 / (args.n / 2)
    start = now

    def minute(r):
        return start + timedelta(seconds=step * (r + 1)), RAW_MINUTE, HAND_MINUTE

    sweep(now=start)  # what became due before the first round (nothing, or the wave's rest)
    with connection.cursor() as cur:
        cur.execute(RAW, {"now": start})
        cur.execute(HAND_WAVE, {"now": start, "later": start})
        cur.execute("UPDATE efficiency_event SET fanned_out = true WHERE NOT fanned_out")
        for table in ("clocktest_timeditem", "bench_copy", "bench_hand", "efficiency_event", "bench_event",
                      "efficiency_notification", "bench_notification"):
            cur.execute(f"VACUUM ANALYZE {table}")
    normal, normal_alone, normal_hand = alternate("minute", args.minutes, minute, keep_all=True, checkpoint=False)

    # 3. Steady state: nothing due.
    last = minute(args.minutes - 1)[0]
    runs = []
    for _ in range(9):
        t = time.perf_counter()
        again = sweep(now=last, batch=args.batch)
        runs.append((time.perf_counter() - t) * 1000)
        assert sum(again.values()) == 0, again
    print(f"steady state (nothing due): {', '.join(f'{x:.1f}' for x in runs)} ms")
    with connection.cursor() as cur:  # the sweep's statements prepared on this connection (efficiency/pg/prepared.py)
        cur.execute("SELECT name, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY name")
        print("prepared:", ", ".join(f"{name} (generic plans {g}, custom plans {c})" for name, g, c in cur.fetchall())
              or "none")

    if args.rounds:
        print(f"RATIO sweep_wave {median(wave):.2f}")
        print(f"RATIO sweep_wave_sweep_alone {median(wave_alone):.2f}")
        print(f"RATIO sweep_wave_vs_handwritten {median(wave_hand):.2f}")
    print(f"RATIO sweep_normal_minute {median(normal):.2f}")
    print(f"RATIO sweep_normal_minute_sweep_alone {median(normal_alone):.2f}")
    print(f"RATIO sweep_normal_minute_vs_handwritten {median(normal_hand):.2f}")
    print(f"RATIO sweep_steady_ms {median(runs):.1f}")


if __name__ == "__main__":
    main()
