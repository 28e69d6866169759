"""Benchmark: what row-level security (issue #18, docs/rls.md) costs the list pages and the cockpit.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres nice -n 5 python bench/rls.py --size 100000 --db bench_rls

DATABASE_URL names the server (a superuser: it makes the bench's roles); the benchmark creates its
own scratch database (--db), migrates it with DJANGO_SETTINGS_MODULE=tests.settings and drops it
at the end (--keep keeps it).

Seed: bench/lists.py's complaints and applications (--size rows each over --units units, 70 %
closed) with 2 % of them shared with unit 1's group (a co-unit grant, guardian's direct table),
and bench/dashboard.py's org chart, timed items and events at --scale, rolled up.

Each figure alternates, in the same run and the same connection, the same page through the Django
test client (the whole view) with row-level security on — every statement as a role like the
app's (no BYPASSRLS, `set_config('role', …)` and the user's scope sent with the request's first
statement, as the worker does with DATABASE_RLS_ROLE; the web logs in as that role instead) — and
off: the login superuser (RLS bypassed) with DATABASE_RLS off (no scope sent). The switch
happens once per side and round, before its --calls calls: the first call sends the scope and
the role with its first statements, the others nothing (a connection serving the same user
again); --calls 1 pays the switch on every call. Pages: the office's and unit 1's clerk's complaint list and application list
(the clerk's goes through the co-unit arm of the policy) and the leader's cockpit.

Every round is printed; ends with `RATIO rls_lists <…>` (the median over the list figures of
their per-round median ratio on ÷ off), one `RATIO rls_<figure> <…>` per figure and
`RATIO rls_cockpit <…>`. No assertions on time. --explain prints each list page's statements'
plans on and off.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from scratch import alternate, in_scratch_database  # puts the project on sys.path

APP_ROLE = "bench_rls_app"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="complaints and applications each")
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--scale", type=float, default=0.005, help="bench/dashboard.py's scale for the cockpit")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--calls", type=int, default=3, help="calls of each side per round")
    parser.add_argument("--db", default="eff_bench_rls")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    in_scratch_database(run, args)


def run(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone, translation

    import efficiency.events as events
    from dashboard import other_model, seed as dashboard_seed
    from dashboards import rollups
    from efficiency import rls
    from efficiency.models import Role, Unit
    from efficiency.registry import register_clock_model
    from efficiency.workdays import local_date
    from lists import seed as lists_seed
    from tests.factories import make_user

    events.request_fan_out = lambda: None  # no broker needed
    translation.activate(settings.LANGUAGE_CODE)
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated scratch database {args.db} in {time.perf_counter() - t:.1f} s", flush=True)

    office, _head, clerk, units, grow = lists_seed(args.units)
    t = time.perf_counter()
    grow(2, args.size)
    with connection.cursor() as cur:
        for table, model in (("accountability_complaint", "complaint"), ("approvals_application", "application")):
            cur.execute(f"""INSERT INTO {table}groupobjectpermission (content_object_id, group_id, permission_id)
                SELECT t.id, %s, (SELECT ap.id FROM auth_permission ap JOIN django_content_type ct
                    ON ct.id = ap.content_type_id WHERE ct.model = %s AND ap.codename = 'view_' || %s)
                FROM {table} t WHERE t.id %% 50 = 7 AND t.unit_id <> %s""",
                        [units[0].group_id, model, model, units[0].pk])
            cur.execute(f"ANALYZE {table}groupobjectpermission")
        now = timezone.now()
        today = local_date(now)
        cur.execute("UPDATE efficiency_region SET code = '429999' WHERE code = '420700'")  # dashboard's cities use it
        register_clock_model(other_model())
        cur.execute("CREATE TABLE bench_otheritem (LIKE clocktest_timeditem INCLUDING ALL)")
        dashboard_seed(cur, args.scale, now, args.units)
    rollups.rollup_days(today - timedelta(days=366), today)
    rollups.refresh_now(now=now)
    print(f"seeded in {time.perf_counter() - t:.1f} s", flush=True)
    with connection.cursor() as cur:
        cur.execute(f"""DO $$ BEGIN CREATE ROLE {APP_ROLE} NOLOGIN NOBYPASSRLS;
                        EXCEPTION WHEN duplicate_object THEN NULL; END $$""")
        cur.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
        cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
        cur.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")

    leader = make_user(Role.LEADER, unit=Unit.objects.order_by("id").first(), username="bench_rls_leader")
    clients = {}
    for name, user in (("office", office), ("clerk", clerk), ("leader", leader)):
        clients[name] = Client()
        clients[name].force_login(user)

    def rls_on():
        settings.DATABASE_RLS, settings.DATABASE_RLS_ROLE = True, APP_ROLE
        rls.forget(connection)

    def rls_off():
        settings.DATABASE_RLS, settings.DATABASE_RLS_ROLE = False, ""
        with connection.cursor() as cur:
            cur.execute("RESET ROLE")
        rls.forget(connection)

    def page(who, url, mode):
        def go():
            mode()  # once per side and round: the connection then serves the same user `calls` times
            for _ in range(args.calls):
                response = clients[who].get(url)
                assert response.status_code == 200, (url, response.status_code)
        return go

    figures = (
        ("office_complaints", "office", "/accountability/complaints/"),
        ("office_applications", "office", "/approvals/applications/"),
        ("clerk_complaints", "clerk", "/accountability/complaints/"),
        ("clerk_applications", "clerk", "/approvals/applications/"),
        ("clerk_applications_all", "clerk", "/approvals/applications/?status=approved"),
    )
    for figure, who, url in figures:
        for label, mode in (("on", rls_on), ("off", rls_off)):
            mode()
            clients[who].get(url)  # the process's first-use caches (content types, calendar) out of the count
            mode()
            with CaptureQueriesContext(connection) as q:
                body = clients[who].get(url).content.decode()
            rows = body.count("<tr") - 1
            print(f"  {figure} ({label}): {url}: {len(q.captured_queries)} queries, ~{rows} rows", flush=True)
            if args.explain:
                for s in q.captured_queries:
                    print(f"    {s['sql'][:150]}")
            if args.explain:
                for s in q.captured_queries:
                    if ("_complaint" in s["sql"] or "_application" in s["sql"]) and "EXPLAIN" not in s["sql"]:
                        with connection.cursor() as cur:
                            cur.execute("EXPLAIN " + rls.without_scope(s["sql"]))
                            print(f"    {s['sql'][:160]}\n      " + "\n      ".join(r[0] for r in cur.fetchall()))
    results = {}
    for figure, who, url in figures:
        results[figure] = alternate(figure, page(who, url, rls_on), page(who, url, rls_off), args.rounds)
    results["cockpit"] = alternate("cockpit", page("leader", "/dashboards/", rls_on),
                                   page("leader", "/dashboards/", rls_off), args.rounds)
    rls_off()

    print()
    print(f"{'figure':<26} {'on ms':>9} {'off ms':>9} {'ratio':>7}   ({args.calls} calls per side per round)")
    for figure, (on, off, ratio) in results.items():
        print(f"{figure:<26} {on / args.calls:9.2f} {off / args.calls:9.2f} {ratio:6.3f}x")
    for figure, (_on, _off, ratio) in results.items():
        print(f"RATIO rls_{figure} {ratio:.3f}")
    lists = statistics.median(results[f][2] for f, _w, _u in figures)
    print(f"RATIO rls_lists {lists:.3f}")
    print(f"RATIO rls_cockpit {results['cockpit'][2]:.3f}")


if __name__ == "__main__":
    main()
