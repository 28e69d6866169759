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
  transition, then `application_on_breach`: the claim closing the clock, one
  `approvals.deemed_approved` event each (also the decision, the close and the proposal: the
  kind implies `approvals.decided`, `clock.closed`, `accountability.propose`), the audit row;
  its subscribers open the case (with its `cases.opened` event and audit row) and move the
  dashboards' counters;
- floor: the same rows in one statement (FLOOR below), no subscriber;
- bare: the applications' transition alone (no handler): what the wider table with its
  fifteen indexes costs the core's own sweep, before any handler.

The four alternate for --rounds rounds (each rolled back but the last approvals sweep), because
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


# The floor: the rows the approvals sweep writes, in one statement per sweep batch — the claim
# closing the clocks too, the one `approvals.deemed_approved` event per application (which is
# also the decision, the close and the proposal: efficiency/event_kinds.py `implies`), its audit
# row, the accountability case (the unit's head as R46's leader, numbered in the statement), its
# `cases.opened` event and its audit row, by INSERT … SELECT; no subscriber runs and no counter
# moves, so it is a bound, not a design. Until issue 17 the sweep wrote four events per
# application (clock.closed, deemed_approved, decided, accountability.propose); the floor then
# was those four and the audit row, without the case (3–8× the plain clocks at N = 200).
FLOOR = """
WITH claimed AS (
    UPDATE approvals_application
    SET status = 'deemed', decided_at = %s, decision_reason = %s, closed_at = %s,
        clock_state = CASE WHEN due_at < %s THEN 'done_late' ELSE 'done' END, next_at = NULL
    WHERE id = ANY(%s) AND status = 'accepted'
    RETURNING id, unit_id, owner_id, receipt_number, applicant_phone),
ev AS (
    INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, owner_id, message, payload,
                                  recipients, fanned_out)
    SELECT %s, 'approvals.deemed_approved', 'approvals.application', c.id, c.unit_id, c.owner_id,
           %s || c.receipt_number,
           jsonb_build_object('receipt_number', c.receipt_number, 'outcome', 'deemed', 'late', true,
                              'person_id', c.owner_id, 'unit_id', c.unit_id, 'source', 'deemed_approval'),
           jsonb_build_array('phone:' || c.applicant_phone, 'owner', 'head', 'office'), false
    FROM claimed AS c RETURNING 1),
au AS (
    INSERT INTO efficiency_auditlog (at, actor_name, action, object_type, object_id, summary)
    SELECT %s, 'sweep', 'appr.deemed', 'approvals.application', c.id::text, '视为同意 ' || c.receipt_number
    FROM claimed AS c RETURNING 1),
cs AS (<case insert>),
ce AS (
    INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, message, payload, recipients,
                                  fanned_out)
    SELECT %s, 'cases.opened', 'accountability.accountabilitycase', cs.id, cs.unit_id, cs.reason,
           jsonb_build_object('source', 'deemed_approval'), '["office", "leader"]'::jsonb, false
    FROM cs RETURNING 1)
INSERT INTO efficiency_auditlog (at, actor_name, action, object_type, object_id, summary)
SELECT %s, '', 'create', 'accountability.accountabilitycase', cs.id::text, '问责建议 ' || cs.number FROM cs
"""


def floor_statement(now, ids: list[int], reason: str) -> tuple[str, list]:
    from accountability.models import AccountabilityCase
    from efficiency.bulk import insert_select_sql

    case, case_params = insert_select_sql(AccountabilityCase, {
        "source": "'deemed_approval'", "unit_id": "c.unit_id", "person_id": "c.owner_id",
        "reason": "%s || c.receipt_number", "subject_type": "'approvals.application'", "subject_id": "c.id",
        "leader_id": """(SELECT h.id FROM efficiency_user AS h WHERE h.unit_id = c.unit_id AND h.role = 'head'
                         AND h.is_active ORDER BY h.id LIMIT 1)"""}, "FROM claimed AS c", [reason],
        computed={"number": "'WZ2026' || lpad(id::text, 6, '0')"}, returning=("unit_id", "number", "reason"))
    return (FLOOR.replace("<case insert>", case),
            [now, reason, now, now, ids, now, reason, now, *case_params, now, now])


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
    from efficiency.event_kinds import event_kinds
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
            cur.execute(*floor_statement(moment, ids, "超过承诺期限未作出决定，视为同意。"))

    def floor_sweep(*, keep: bool, handler=floor_handler):
        entry.on_breach[:] = [handler] if handler else []
        try:
            return timed(Application, keep=keep)
        finally:
            entry.on_breach[:] = handlers

    clocks, apps, floors, bares = [], [], [], []
    for r in range(args.rounds):
        last = r == args.rounds - 1
        order = [("clocks", TimedItem), ("approvals", Application), ("floor", None), ("bare", None)]
        # Alternate the order; the last round ends with the approvals sweep that is kept.
        order = order if r % 2 == 0 else order[::-1]
        if last:
            order = [o for o in order if o[0] != "approvals"] + [("approvals", Application)]
        for name, model in order:
            if name == "floor":
                rows, elapsed, n_queries = floor_sweep(keep=False)
            elif name == "bare":
                rows, elapsed, n_queries = floor_sweep(keep=False, handler=None)
            else:
                rows, elapsed, n_queries = timed(model, keep=last and name == "approvals")
            {"clocks": clocks, "approvals": apps, "floor": floors, "bare": bares}[name].append(elapsed)
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
    print(f"floor: the same rows in one statement, no subscribers (best of {len(floors)}): {floor:7.2f} s  "
          f"(ratio to plain clocks {floor / base:.1f}x; approvals / floor {deemed / floor:.1f}x)")
    print(f"floor / plain clocks per round: {', '.join(f'{f / c:.1f}' for f, c in zip(floors, clocks))}; "
          f"median {statistics.median(f / c for f, c in zip(floors, clocks)):.2f}")
    print(f"bare (the applications' transition, no handler) / plain clocks per round: "
          f"{', '.join(f'{b / c:.1f}' for b, c in zip(bares, clocks))}; "
          f"median {statistics.median(b / c for b, c in zip(bares, clocks)):.2f}")

    # Exactly once: the committed sweep deemed every application once; a second finds nothing.
    t = time.perf_counter()
    again = sweep_model(Application, now=moment + timedelta(minutes=1))
    second = (time.perf_counter() - t) * 1000
    approved = Application.objects.filter(status=Status.DEEMED_APPROVED).count()
    notices = Event.objects.filter(kind="approvals.deemed_approved").count()
    # A proposal is an `accountability.propose` event or one of a kind that implies it.
    proposing = [k.code for k in event_kinds() if "accountability.propose" in (k.code, *k.implies)]
    proposals = Event.objects.filter(kind__in=proposing, payload__source="deemed_approval").count()
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
