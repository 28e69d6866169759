"""Benchmark: the office's complaint list and application list as the table grows (issue 17, point 6:
"flat in table size, < 150 ms at 1M"), each against a plain Django page of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/lists.py --sizes 10000,100000,1000000 --db bench_lists

DATABASE_URL names the server; the benchmark creates its own scratch database (--db), migrates it
with DJANGO_SETTINGS_MODULE=tests.settings and drops it at the end (--keep keeps it).

Seed: one complaint and one application made by the services (filed, accepted, assigned; received
and accepted), then copied in SQL (`INSERT … SELECT … generate_series`) up to each of --sizes rows
per table, the same tables growing step by step, `ANALYZE` after each step. Of the copies 70 % are
closed (complaints 已办结; applications decided, each with one rating, `UnitSatisfaction` refreshed
as `rating_submit` keeps it), the rest open, due from 5 days ago to 55 days ahead, over --units units.

Figures, at each size (--rounds rounds after one warm-up, ours and the baseline alternating, every
round printed; with --calls N a round times N calls of each side, printed per call):
  - ours: the page the office opens, through the Django test client logged in as an office user
    (the whole view: middleware, session, FilterSet, `listing.list_context`, the template) —
    `/accountability/complaints/` (default: the open ones) and `?status=assigned`;
    `/approvals/applications/` and `?status=accepted`;
  - baseline: what a good engineer would write for the same rows: `Paginator(qs.order_by("due_at",
    "pk"), 50).page(1)` and its 50 rows, with the index a DBA would add for that order
    (`(due_at, id)`, partial on the open rows for the open list); no template, no session.
Ends with `RATIO complaint_list …`, `RATIO complaint_list_filtered …`, `RATIO application_list …`,
`RATIO application_list_filtered …` (median of the per-round ratios ours ÷ baseline at the largest
size) and `complaint_list_ms_<size> <median ms>` (and the other three) at every size, so flatness
is visible. No assertions on time.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from scratch import alternate, in_scratch_database  # puts the project on sys.path

PAGE = 50

# The indexes a DBA would add for the baseline's order (they serve our pages too where they can).
BASELINE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS bench_complaint_open_due ON accountability_complaint (due_at, id) "
    "WHERE status NOT IN ('closed', 'declined')",
    "CREATE INDEX IF NOT EXISTS bench_complaint_status_due_id ON accountability_complaint (status, due_at, id)",
    "CREATE INDEX IF NOT EXISTS bench_application_due ON approvals_application (due_at, id)",
    "CREATE INDEX IF NOT EXISTS bench_application_status_due ON approvals_application (status, due_at, id)",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="rows per table, growing step by step")
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=1, help="calls of each side per round")
    parser.add_argument("--db", default="eff_bench_lists")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each page's statements")
    args = parser.parse_args()
    in_scratch_database(run, args)


def columns(cur, table: str) -> list[str]:
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id' "
                "AND is_generated = 'NEVER' ORDER BY ordinal_position", [table])  # PostgreSQL computes the rest
    return [r[0] for r in cur.fetchall()]


def clone(cur, table: str, template_id: int, start: int, stop: int, overrides: dict[str, str], params=None) -> None:
    """Copies g = start … stop of row `template_id`, each column as the template's or
    `overrides[column]` (an SQL expression in g and the template's columns, t.*)."""
    cols = columns(cur, table)
    select = ", ".join(overrides.get(c, f"t.{c}") for c in cols)
    cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {table} t, "
                "generate_series(%(start)s, %(stop)s) g WHERE t.id = %(template)s",
                {**(params or {}), "start": start, "stop": stop, "template": template_id})


def seed(n_units: int):
    """The org chart, one complaint and one application made by the services, and `grow(start,
    stop)`, which copies them in SQL (see the module's docstring). Returns (office, head, clerk,
    units, grow); the head and the clerk are of units[0]. Also used by bench/rls.py."""
    from django.db import connection
    from django.utils import timezone

    from accountability import services as acc
    from accountability.models import Category
    from approvals import services as appr
    from approvals.models import SATISFIED_SCORES, Material
    from efficiency.models import Role, Unit
    from tests.factories import RegionFactory, make_unit, make_user

    region = RegionFactory(code="420700", name="鄂州市")
    units = [make_unit(f"第{i + 1}号单位", code=f"LU{i + 1:04d}", region=region) for i in range(n_units)]
    office_unit = make_unit("鄂州市效能办", region=region, code="OFFICE", kind=Unit.Kind.OFFICE)
    office = make_user(Role.OFFICE, unit=office_unit, username="bench_office")
    head = make_user(Role.HEAD, unit=units[0], username="bench_head")
    clerk = make_user(Role.CLERK, unit=units[0], username="bench_clerk")
    units[0].principal = units[0].deputy = head
    units[0].save(update_fields=["principal", "deputy"])

    filed = acc.complaint_file(category=Category.SLOW, subject_unit=units[0], description="窗口办理营业执照拖了一个月还没办好",
                               is_anonymous=True, place="市政务服务中心 3 号窗口")
    c = acc.complaint_accept(complaint=filed.complaint, actor=office)
    c = acc.complaint_assign(complaint=c, actor=office, unit=units[0])
    item = appr.item_save(actor=head, unit=units[0], code="ZRZY-001", name="建设工程规划许可证核发",
                          legal_basis="《中华人民共和国城乡规划法》第四十条", conditions="", procedure="", fee="",
                          legal_limit=20, committed_limit=10, deemed_approval=False, is_published=True,
                          materials=["申请书"], joint_units=[])
    a = appr.application_receive(actor=clerk, item=item, applicant_kind="enterprise", applicant_name="鄂州市某某置业有限公司",
                                 applicant_id_number="91350100M000100Y43", applicant_phone="13800000000",
                                 project="滨湖商业综合体", materials=list(Material.objects.filter(item=item)))[0]
    unit_ids = [u.pk for u in units]
    now = timezone.now()
    closed = "(g %% 10 < 7)"
    when = "(%(now)s::timestamptz - (g %% 400) * interval '1 day' - (g %% 1440) * interval '1 minute')"
    due_open = "(%(now)s::timestamptz + ((g %% 60) - 5) * interval '1 day' + (g %% 1440) * interval '1 minute')"

    def grow(start: int, stop: int) -> None:
        with connection.cursor() as cur:
            cur.execute("SELECT max(id) FROM approvals_application")
            mark = cur.fetchone()[0]
            unit_of = f"(%(units)s::int[])[1 + g %% {len(unit_ids)}]"
            clone(cur, "accountability_complaint", c.pk, start, stop, {
                "tracking_number": "'TB' || lpad(g::text, 12, '0')",
                "link_token_hash": "lpad(to_hex(g), 64, '0')",
                "filed_at": when,
                "unit_id": unit_of, "subject_unit_id": unit_of,
                "status": f"CASE WHEN {closed} THEN 'closed' WHEN g %% 10 = 7 THEN 'accepted' ELSE t.status END",
                "closed_at": f"CASE WHEN {closed} THEN {when} + interval '9 days' END",
                "clock_state": f"CASE WHEN {closed} THEN 'done' ELSE t.clock_state END",
                "due_at": f"CASE WHEN {closed} THEN {when} + interval '10 days' "
                          f"ELSE {due_open} END",
                "next_at": f"CASE WHEN {closed} THEN NULL ELSE {due_open} - interval '1 day' END",
            }, {"now": now, "units": unit_ids})
            clone(cur, "approvals_application", a.pk, start, stop, {
                "receipt_number": "'SLB' || lpad(g::text, 12, '0')",
                "received_at": when,
                "status": f"CASE WHEN {closed} THEN (ARRAY['approved','rejected','deemed'])[1 + g %% 3] ELSE t.status END",
                "closed_at": f"CASE WHEN {closed} THEN {when} + interval '9 days' END",
                "clock_state": f"CASE WHEN {closed} THEN 'done' ELSE t.clock_state END",
                "due_at": f"CASE WHEN {closed} THEN {when} + interval '10 days' "
                          f"ELSE {due_open} END",
                "next_at": f"CASE WHEN {closed} THEN NULL ELSE {due_open} - interval '1 day' END",
            }, {"now": now})
            # One rating per decided copy; then the rollup as rating_submit keeps it (latest rating each).
            cur.execute("""INSERT INTO approvals_rating (application_id, unit_id, score, comment, round, created_at,
                                                         phone_hash, device_hash)
                           SELECT id, unit_id, 1 + id %% 5, '', 1, closed_at, '', '' FROM approvals_application
                           WHERE closed_at IS NOT NULL AND id > %s""", [mark])
            cur.execute("""INSERT INTO approvals_unitsatisfaction (unit_id, total, satisfied)
                           SELECT r.unit_id, count(*), count(*) FILTER (WHERE r.score = ANY(%s))
                           FROM approvals_rating r WHERE r.round = (SELECT max(round) FROM approvals_rating x
                                                                    WHERE x.application_id = r.application_id)
                           GROUP BY r.unit_id
                           ON CONFLICT (unit_id) DO UPDATE SET total = EXCLUDED.total, satisfied = EXCLUDED.satisfied""",
                        [list(SATISFIED_SCORES)])
            for table in ("accountability_complaint", "approvals_application", "approvals_rating"):
                cur.execute(f"ANALYZE {table}")

    return office, head, clerk, units, grow


def run(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    import efficiency.events as events
    from accountability.models import Complaint
    from approvals.models import Application

    events.request_fan_out = lambda: None  # no broker needed
    translation.activate(settings.LANGUAGE_CODE)
    sizes = [int(s) for s in args.sizes.split(",")]

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated scratch database {args.db} in {time.perf_counter() - t:.1f} s", flush=True)

    office, _head, _clerk, _units, grow = seed(args.units)

    with connection.cursor() as cur:
        for sql in BASELINE_INDEXES:
            cur.execute(sql)

    client = Client()  # no setup_test_environment(): no instrumented rendering, as a server
    client.force_login(office)

    def page(url):
        def go():
            r = client.get(url)
            assert r.status_code == 200, r.status_code
            return r
        return go

    def plain(qs):
        def go():
            return [row.pk for row in Paginator(qs.order_by("due_at", "pk"), PAGE).page(1).object_list]
        return go

    open_c = Complaint.objects.exclude(status__in=[Complaint.Status.CLOSED, Complaint.Status.DECLINED])
    figures = (
        ("complaint_list", "/accountability/complaints/", open_c),
        ("complaint_list_filtered", "/accountability/complaints/?status=assigned",
         Complaint.objects.filter(status=Complaint.Status.ASSIGNED)),
        ("application_list", "/approvals/applications/", Application.objects.all()),
        ("application_list_filtered", "/approvals/applications/?status=accepted",
         Application.objects.filter(status="accepted")),
    )
    calls = max(1, args.calls)

    def batch(fn):
        def go():
            for _ in range(calls):
                fn()
        return go

    results: dict[tuple[str, int], tuple[float, float, float]] = {}
    done = 1  # the template rows
    for size in sizes:
        t = time.perf_counter()
        grow(done + 1, size)
        done = size
        print(f"\n== {Complaint.objects.count():,} complaints, {Application.objects.count():,} applications "
              f"(seeded in {time.perf_counter() - t:.1f} s)", flush=True)
        for figure, url, qs in figures:
            with CaptureQueriesContext(connection) as q:
                html = page(url)().content.decode()
            print(f"  {figure}: {url}: {len(q.captured_queries)} queries, {len(html):,} bytes", flush=True)
            if args.explain:
                from efficiency.rls import without_scope

                for s in q.captured_queries:
                    if s["sql"].startswith("SELECT") and float(s["time"]) > 0.005:
                        with connection.cursor() as cur:
                            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + without_scope(s["sql"]))
                            print(f"    {s['time']} s: {s['sql'][:300]}\n      "
                                  + "\n      ".join(r[0] for r in cur.fetchall()))
            ours, base, ratio = alternate(f"{figure} @{size}", batch(page(url)), batch(plain(qs)), args.rounds)
            results[(figure, size)] = (ours / calls, base / calls, ratio)

    print()
    print(f"{'figure':<28} {'rows':>9} {'ours ms':>9} {'baseline ms':>12} {'ratio':>7}")
    for (figure, size), (ours, base, ratio) in results.items():
        print(f"{figure:<28} {size:>9,} {ours:9.2f} {base:12.2f} {ratio:6.2f}x")
    print("baseline: Paginator(qs.order_by('due_at', 'pk'), 50).page(1) over the same rows, with "
          + "; ".join(BASELINE_INDEXES))
    print("ratio: the median of the per-round ratios ours ÷ baseline (lower is better)")
    for (figure, size), (ours, _base, _ratio) in results.items():
        print(f"{figure}_ms_{size} {ours:.1f}")
    for figure, _url, _qs in figures:
        print(f"RATIO {figure} {results[(figure, sizes[-1])][2]:.2f}")


if __name__ == "__main__":
    main()
