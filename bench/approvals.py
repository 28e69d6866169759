"""Benchmark: 超时默认 — the sweep deeming N applications approved, against the sweep of N plain clocks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eff_clock python bench/approvals.py [--n 2000]

DATABASE_URL names the server (and a database to connect to for administration); the
benchmark creates its own scratch database (`eff_bench_approvals`, or --db), migrates it with
DJANGO_SETTINGS_MODULE=tests.settings (the test clock model `clocktest.TimedItem` lives there),
and drops it at the end.

Seeded: one service item with 超时默认, one application accepted through the services, then
N - 1 copies of it by bulk insert (so N accepted applications due at the same moment), and N
plain clocks (`clocktest.TimedItem`) due the same way. At one moment past that due time:

- baseline: the sweep of the N clocks (`sweep_model(TimedItem)`) — the core's own transition
  and one `clock.breach` event per row, set-based, no handler with work to do;
- approvals: the sweep of the N applications (`sweep_model(Application)`) — the same
  transition, then `application_on_breach`: the claim, the clock close, the notices
  (`approvals.deemed_approved`, `approvals.decided`), the audit row and the
  `accountability.propose` event, whose subscriber opens the case.

The two alternate for --rounds rounds (each rolled back but the last approvals sweep), because
the load of a shared machine changes from minute to minute; it prints every time, the best of
each side, the ratio (approvals / baseline: the per-application overhead of the handlers) and
the queries per application. `--solo` switches other apps' event subscribers off (accountability's
case proposal, the dashboards' counters) to show the approvals app's share; `--profile` prints
the cProfile of one approvals sweep. Then a second sweep must find nothing: one notice and one
proposal per application (exactly once). No assertions on time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from scratch import in_scratch_database  # puts the project on sys.path


# N plain clocks due like the applications: due two hours before the sweep, red three days after.
CLOCKS = """
INSERT INTO clocktest_timeditem
    (title, unit_id, owner_id, clock_start, limit_value, limit_unit, legal_limit_unit, due_at, warn_at, red_at,
     notice_at, escalate_at, next_at, breach_level, clock_state, pause_reason, pauses, extension_unit,
     extension_reason, is_provisional)
SELECT 'bench ' || g, %(unit)s, %(owner)s, %(due)s - interval '14 days', 10, 'wd', 'wd', %(due)s,
       %(due)s - interval '1 day', %(due)s + interval '3 days', %(due)s + interval '5 days',
       %(due)s + interval '8 days', %(due)s - interval '1 day', 0, 'on_track', '', '[]'::jsonb, 'wd', '', false
FROM generate_series(1, %(n)s) AS g
"""


# The floor: what the same writes cost in one statement per sweep batch — the claim closing the
# clocks too, the four events per application (clock.closed, deemed_approved, decided,
# accountability.propose) and the audit rows by INSERT … SELECT; no subscriber runs (no case is
# opened), so it is a bound, not a design. The handler itself is set-based (a constant number
# of statements per batch through the core's bulk forms: events_emit with batch subscribers,
# clocks_close, audit_records).
FLOOR = """
WITH claimed AS (
    UPDATE approvals_application
    SET status = 'deemed', decided_at = %(now)s, decision_reason = %(reason)s, closed_at = %(now)s,
        clock_state = CASE WHEN due_at < %(now)s THEN 'done_late' ELSE 'done' END, next_at = NULL
    WHERE id = ANY(%(ids)s) AND status = 'accepted'
    RETURNING id, unit_id, owner_id, receipt_number),
ev AS (
    INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, owner_id, message, payload,
                                  recipients, fanned_out)
    SELECT %(now)s, k.kind, 'approvals.application', c.id, c.unit_id, c.owner_id, %(reason)s || c.receipt_number,
           '{}'::jsonb, k.recipients::jsonb, k.recipients = '[]'
    FROM claimed AS c CROSS JOIN (VALUES ('clock.closed', '[]'), ('approvals.decided', '[]'),
        ('approvals.deemed_approved', '["phone:13800000000", "owner", "head", "office"]'),
        ('accountability.propose', '[]')) AS k(kind, recipients)
    RETURNING 1)
INSERT INTO efficiency_auditlog (at, actor_name, action, object_type, object_id, summary)
SELECT %(now)s, 'sweep', 'appr.deemed', 'approvals.application', c.id::text, '视为同意 ' || c.receipt_number
FROM claimed AS c
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--db", default="eff_bench_approvals")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (best time of each side)")
    parser.add_argument("--solo", action="store_true", help="other apps' event subscribers off")
    parser.add_argument("--profile", action="store_true", help="cProfile of one approvals sweep")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    in_scratch_database(run, args)


def _seed(args):
    from django.db import connection

    from approvals import services
    from approvals.models import Application, Material
    from tests.clocktest.models import TimedItem
    from efficiency.models import Role
    from tests.factories import make_unit, make_user

    unit = make_unit("基准测试单位", code="BENCH")
    head = make_user(Role.HEAD, unit=unit)
    clerk = make_user(Role.CLERK, unit=unit)
    item = services.item_save(
        actor=head, unit=unit, code="BENCH-001", name="建设工程规划许可证核发", legal_basis="《中华人民共和国城乡规划法》第四十条",
        conditions="依法取得建设用地使用权", procedure="申请—受理—审查—决定", fee="", legal_limit=20,
        committed_limit=10, deemed_approval=True, is_published=True, materials=["建设工程规划许可证申请表"])
    app, _code = services.application_receive(
        actor=clerk, item=item, applicant_kind="enterprise", applicant_name="鄂州市某某置业有限公司",
        applicant_id_number="91350100M000100Y43", applicant_phone="13800000000", project="滨湖商业综合体",
        materials=list(Material.objects.filter(item=item)))
    fields = {f.attname: getattr(app, f.attname) for f in Application._meta.concrete_fields if not f.primary_key}
    Application.objects.bulk_create(
        [Application(**{**fields, "receipt_number": f"B{i:08d}"}) for i in range(args.n - 1)], batch_size=1000)
    with connection.cursor() as cur:
        cur.execute(CLOCKS, {"unit": unit.pk, "owner": clerk.pk, "due": app.due_at, "n": args.n})
        for model in (Application, TimedItem):
            cur.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        cur.execute("ANALYZE")
    return app.due_at + timedelta(minutes=1)


def run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    import efficiency.sweep as sweep_module
    from approvals.models import Application, Status
    from tests.clocktest.models import TimedItem
    from efficiency import events, registry
    from efficiency.models import Event, Rung
    from efficiency.sweep import sweep_model

    events.request_fan_out = lambda: None  # no broker needed for the benchmark
    sweep_module.request_fan_out = lambda: None

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated scratch database {args.db} in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    moment = _seed(args)
    print(f"seeded {args.n:,} accepted applications (超时默认) and {args.n:,} plain clocks "
          f"in {time.perf_counter() - t:.1f} s; sweep at {moment.isoformat()}")
    if args.solo:
        # The approvals app's share only: other apps' subscribers (accountability, dashboards) off.
        for table in (registry._subscribers, registry._batch_subscribers):
            for kind in list(table):
                table[kind] = []
        print("--solo: other apps' event subscribers switched off")

    class Rollback(Exception):
        pass

    queries: list[int] = []

    def count(execute, sql, params, many, context):
        queries.append(1)
        return execute(sql, params, many, context)

    def timed(model, *, keep: bool) -> tuple[int, float, int]:
        """Sweep `model` in a transaction; roll it back unless `keep`, so a round can be repeated."""
        with connection.cursor() as cur:
            cur.execute("CHECKPOINT")
        queries.clear()
        t = time.perf_counter()
        try:
            with transaction.atomic(), connection.execute_wrapper(count):
                rows = sweep_model(model, now=moment)
                elapsed = time.perf_counter() - t
                if not keep:
                    raise Rollback
        except Rollback:
            pass
        n_queries = len(queries)
        if not keep:
            with connection.cursor() as cur:
                for table in (model._meta.db_table, "efficiency_event", "efficiency_auditlog"):
                    cur.execute(f"VACUUM {table}")
        return rows, elapsed, n_queries

    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        try:
            with transaction.atomic():
                profile.enable()
                sweep_model(Application, now=moment)
                profile.disable()
                raise Rollback
        except Rollback:
            pass
        pstats.Stats(profile).sort_stats("cumulative").print_stats(35)

        # The statements of one sweep, by kind (first words), with their total time.
        import re
        from collections import defaultdict

        spent: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

        def by_statement(execute, sql, params, many, context):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                key = re.sub(r'"s\d+_x\d+"', '"s…"', re.sub(r"\s+", " ", sql.strip()))[:70]
                spent[key][0] += 1
                spent[key][1] += time.perf_counter() - t

        try:
            with transaction.atomic(), connection.execute_wrapper(by_statement):
                sweep_model(Application, now=moment)
                raise Rollback
        except Rollback:
            pass
        print(f"{'statements of one approvals sweep':<72} {'count':>7} {'ms':>9}")
        for key, (n, secs) in sorted(spent.items(), key=lambda kv: -kv[1][1])[:25]:
            print(f"{key:<72} {n:>7,} {1000 * secs:>9.0f}")

    entry = registry.clock_model(Application._meta.label_lower)
    handlers = list(entry.on_breach)

    def floor_handler(model, transitions) -> None:
        ids = registry.items_crossing(transitions, Rung.YELLOW)
        with connection.cursor() as cur:
            cur.execute(FLOOR, {"now": moment, "ids": ids, "reason": "超过承诺期限未作出决定，视为同意。"})

    def floor_sweep(*, keep: bool):
        entry.on_breach[:] = [floor_handler]
        try:
            return timed(Application, keep=keep)
        finally:
            entry.on_breach[:] = handlers

    clocks, apps, floors = [], [], []
    for r in range(args.rounds):
        last = r == args.rounds - 1
        order = [("clocks", TimedItem), ("approvals", Application), ("floor", None)]
        # Alternate the order; the last round ends with the approvals sweep that is kept.
        order = order if r % 2 == 0 else order[::-1]
        if last:
            order = [o for o in order if o[0] != "approvals"] + [("approvals", Application)]
        for name, model in order:
            if name == "floor":
                rows, elapsed, n_queries = floor_sweep(keep=False)
            else:
                rows, elapsed, n_queries = timed(model, keep=last and name == "approvals")
            {"clocks": clocks, "approvals": apps, "floor": floors}[name].append(elapsed)
            print(f"round {r + 1}: {name:<9} {rows:>7,} swept in {elapsed:7.2f} s "
                  f"({1000 * elapsed / max(rows, 1):6.2f} ms each, {n_queries:,} queries, "
                  f"{n_queries / max(rows, 1):.2f} per item)")
    base, deemed = min(clocks), min(apps)
    print(f"baseline: sweep of {args.n:,} plain clocks   (best of {len(clocks)}): {base:7.2f} s")
    print(f"approvals: sweep of {args.n:,} applications (best of {len(apps)}): {deemed:7.2f} s  "
          f"({1000 * deemed / args.n:.2f} ms per application)")
    print(f"ratio approvals / plain clocks: {deemed / base:.1f}x  "
          f"(per round: {', '.join(f'{a / c:.1f}' for a, c in zip(apps, clocks))})")
    print(f"RATIO deemed_approval {statistics.median(a / c for a, c in zip(apps, clocks)):.2f}")
    floor = min(floors)
    print(f"floor: the same writes set-based, no subscribers (best of {len(floors)}): {floor:7.2f} s  "
          f"(ratio to plain clocks {floor / base:.1f}x; approvals / floor {deemed / floor:.0f}x)")

    # Exactly once: the committed sweep deemed every application once; a second finds nothing.
    t = time.perf_counter()
    again = sweep_model(Application, now=moment + timedelta(minutes=1))
    second = (time.perf_counter() - t) * 1000
    approved = Application.objects.filter(status=Status.DEEMED_APPROVED).count()
    notices = Event.objects.filter(kind="approvals.deemed_approved").count()
    proposals = Event.objects.filter(kind="accountability.propose", payload__source="deemed_approval").count()
    print(f"deemed approved {approved:,}, notices {notices:,}, proposals {proposals:,}; "
          f"second sweep {second:.0f} ms moved {again}")
    assert approved == notices == proposals == args.n, (approved, notices, proposals)
    if not args.solo:
        from accountability.models import AccountabilityCase

        cases = AccountabilityCase.objects.filter(source="deemed_approval").count()
        print(f"accountability cases proposed: {cases:,}")
        assert cases == args.n, cases


if __name__ == "__main__":
    main()
