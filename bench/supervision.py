"""Benchmark: the task clearinghouse (交办督办) at a city's scale, each figure against a baseline run
in the same process on the same data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eff_sv python bench/supervision.py [--units 200] [--items 100000]

DATABASE_URL names the server; the benchmark creates its own scratch database (`eff_bench_sv`, or
--db), migrates it with DJANGO_SETTINGS_MODULE=tests.settings and drops it at the end (--keep
keeps it).

Seed (bulk): --units units (each with a clerk), --items assignment targets over them — two per
assignment, lead and co-unit, units spread evenly; 70 % closed (a tenth of those late), the rest
open: most due in the next 60 days, about 4 % of all targets overdue with a yellow or red card;
three events per target and each receiving unit's guardian share, as the services leave them.

Figures (--repeats rounds after one warm-up, ours and the baseline alternating, every round printed;
medians in milliseconds, and the median of the per-round ratios; with --calls N each round times N
calls of each side, for less timer noise; the language is activated as LocaleMiddleware does):
  - the work list of one unit (the page's read as `views.work_list` does it: the FilterSet over
    `queries.target_list`, the first page of 50 rows by `listing.ledger_page` with the assignment's
    and owner's values annotated onto the row (`queries.work_list_rows`), the unit names and kind
    labels filled in once per page (`queries.work_list_labels`, unit names from the process's
    copy), the count bounded or estimated, and every value the template reads) against a plain
    Django page of the same rows,
    `Paginator(AssignmentTarget.objects.filter(unit_id=…).order_by("due_at", "pk"), 50).page(1)`
    (count(*) and the slice, no joins; the raw SQL `SELECT * … WHERE unit_id = … ORDER BY due_at
    LIMIT 50` is printed beside it); `…_rows`: the same without the count on either side; the same
    with the 未办结 filter, and the office's lists over every unit (all, 未办结); --before drops the
    indexes the list reads (migration supervision 0004) to show the figures without them;
  - the office overview (`queries.overview`) against its aggregate written as raw SQL;
  - the hand-out (`services.assignment_create` to a lead and two co-units: clocks, shares, events,
    audit, in one transaction) against a bulk_create of the same rows (assignment, targets with
    their clock fields, guardian shares, events, audit), with the query count of each.
Ends with `RATIO <figure> <median of ours ÷ baseline per round>` per figure (supervision_work_list,
…_open, supervision_office_list, …_open, each also `…_rows`, supervision_overview,
supervision_hand_out). No assertions on time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from scratch import alternate, in_scratch_database  # puts the project on sys.path

PAGE = 50  # the work list page shows 50 rows (efficiency.listing.PER_PAGE)
WORK_LIST_INDEXES = ("sv_target_unit_due", "sv_target_due", "sv_target_open_due")  # supervision 0004


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--items", type=int, default=100_000, help="assignment targets (two per assignment)")
    parser.add_argument("--repeats", type=int, default=9, help="timed runs per figure (median)")
    parser.add_argument("--db", default="eff_bench_sv")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--calls", type=int, default=1,
                        help="calls of each side per round for the list and overview figures (the round's time is "
                             "their sum; printed times are per call); more calls, less timer noise on a loaded machine")
    parser.add_argument("--before", action="store_true",
                        help="drop the work list's indexes (migration supervision 0004) to see the figures before them")
    args = parser.parse_args()
    in_scratch_database(run, args)


def timed(fn, runs: int) -> float:
    """Median milliseconds of `runs` calls after one warm-up."""
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def seed(args, now):
    """Units with a clerk each, an office user, --items targets (bulk), events and shares (SQL)."""
    from django.db import connection
    from django.contrib.auth.models import Permission

    from efficiency.models import Role, Rung, Unit
    from supervision.models import Assignment, AssignmentKind, AssignmentTarget
    from tests.factories import RegionFactory, make_unit, make_user

    t = time.perf_counter()
    region = RegionFactory()
    units = [make_unit(f"第{i + 1}号单位", code=f"SV{i + 1:04d}", region=region) for i in range(args.units)]
    office_unit = units[0]
    office = make_user(Role.OFFICE, unit=office_unit, username="bench_office")
    clerks = {u.pk: make_user(Role.CLERK, unit=u, username=f"bench_clerk_{u.pk}") for u in units}
    print(f"  {len(units)} units with a clerk each in {time.perf_counter() - t:.1f} s", flush=True)

    t = time.perf_counter()
    kinds = [k for k, _ in AssignmentKind.choices]
    n_items = max(1, args.items // 2)
    year = now.year
    assignments = [
        Assignment(number=f"JB{year - 1 - i % 3}-{i:06d}" if i % 4 else f"JB{year}-{i:04d}",
                   kind=kinds[i % len(kinds)], title=f"交办事项 {i}", source_text="基准测试",
                   unit=office_unit, owner=office, status=Assignment.Status.IN_PROGRESS,
                   created_at=now - timedelta(days=i % 365))
        for i in range(n_items)]
    Assignment.objects.bulk_create(assignments, batch_size=5000)
    targets = []
    n_units = len(units)
    for i, item in enumerate(assignments):
        for j in range(2):
            k = 2 * i + j
            unit = units[(i + j * (1 + i % (n_units - 1))) % n_units] if n_units > 1 else units[0]
            start = now - timedelta(days=5 + k % 300)
            bucket = k % 100
            target = AssignmentTarget(assignment=item, unit=unit, is_lead=j == 0, assigned_at=start, step="deadline",
                                      clock_start=start, limit_value=20, limit_unit="d", legal_limit_unit="d",
                                      owner=clerks[unit.pk] if k % 3 == 0 else None)
            if bucket < 70:  # closed, a tenth of them late
                late = bucket < 7
                target.due_at = start + timedelta(days=20)
                target.closed_at = target.due_at + (timedelta(days=2) if late else -timedelta(days=3))
                target.clock_state = "done_late" if late else "done"
                target.status = AssignmentTarget.Status.CLOSED
            elif bucket < 74:  # overdue: 黄牌, or 红牌 three days later
                target.due_at = now - timedelta(days=1 + k % 10)
                target.breach_level = Rung.RED if now - target.due_at > timedelta(days=3) else Rung.YELLOW
                target.clock_state = "overdue"
                target.status = AssignmentTarget.Status.HANDLING
                target.next_at = target.due_at + timedelta(days=12)
            else:  # open, on track
                target.due_at = now + timedelta(days=1 + k % 60, minutes=k % 1440)
                target.status = (AssignmentTarget.Status.ASSIGNED, AssignmentTarget.Status.HANDLING,
                                 AssignmentTarget.Status.DEPLOYED, AssignmentTarget.Status.FED_BACK)[k % 4]
                target.next_at = target.due_at - timedelta(days=1)
            if target.due_at is not None:
                target.warn_at = target.due_at - timedelta(days=1)
                target.red_at = target.due_at + timedelta(days=3)
            targets.append(target)
    if n_units > 1:  # lead and co-unit must differ (assignment_target_once_per_unit)
        for a, b in zip(targets[::2], targets[1::2]):
            if a.unit_id == b.unit_id:
                b.unit = units[(units.index(a.unit) + 1) % n_units]
                b.owner = None
    AssignmentTarget.objects.bulk_create(targets, batch_size=5000)
    view = Permission.objects.get(codename="view_assignment", content_type__app_label="supervision")
    with connection.cursor() as cur:
        cur.execute("""INSERT INTO supervision_assignmentgroupobjectpermission (permission_id, group_id, content_object_id)
                       SELECT %s, u.group_id, t.assignment_id FROM supervision_assignmenttarget t
                       JOIN efficiency_unit u ON u.id = t.unit_id""", [view.pk])
        for kind, cond in (("assignment.dispatched", "true"), ("clock.started", "true"),
                           ("clock.closed", "t.closed_at IS NOT NULL"), ("clock.breach", "t.breach_level >= 2")):
            cur.execute(f"""INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, actor_id, message,
                               payload, recipients, fanned_out)
                            SELECT coalesce(t.closed_at, t.assigned_at), %s, 'supervision.assignmenttarget', t.id,
                                   t.unit_id, %s, '', '{{}}'::jsonb, '[]'::jsonb, true
                            FROM supervision_assignmenttarget t WHERE {cond}""", [kind, office.pk])
        for table in ("supervision_assignment", "supervision_assignmenttarget", "efficiency_event",
                      "supervision_assignmentgroupobjectpermission", "efficiency_unit"):
            cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute("SELECT count(*) FROM efficiency_event")
        n_events = cur.fetchone()[0]
    overdue = AssignmentTarget.objects.filter(closed_at__isnull=True, due_at__lt=now).count()
    print(f"  {n_items:,} assignments, {len(targets):,} targets ({overdue:,} overdue, "
          f"{overdue / len(targets):.1%}), {n_events:,} events in {time.perf_counter() - t:.1f} s", flush=True)
    return units, office, clerks


def run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.db import connection, transaction
    from django.db.models import Count
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    import efficiency.events as events
    from efficiency import listing
    from efficiency.models import AuditLog, Event
    from supervision import filters, queries, services
    from supervision.models import Assignment, AssignmentGroupObjectPermission, AssignmentKind, AssignmentTarget

    events.request_fan_out = lambda: None  # no broker needed for the benchmark
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)  # as LocaleMiddleware does for every request

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated scratch database {args.db} in {time.perf_counter() - t:.1f} s", flush=True)
    if args.before:
        with connection.cursor() as cur:
            for name in WORK_LIST_INDEXES:
                cur.execute(f'DROP INDEX "{name}"')
        print(f"  --before: dropped {', '.join(WORK_LIST_INDEXES)}")
    now = timezone.now()
    units, office, clerks = seed(args, now)
    # The unit with the most targets (ties: the first): the worst work list.
    busiest = (AssignmentTarget.objects.values("unit_id").annotate(n=Count("id")).order_by("-n", "unit_id")[0])
    unit_id, unit_rows = busiest["unit_id"], busiest["n"]
    clerk = clerks[unit_id]
    print(f"  work list of unit {unit_id}: {unit_rows:,} targets", flush=True)
    rows = []

    def page_of(user, query="", total=True):
        """The work list page's read, as `views.work_list` does it (the FilterSet over the scoped
        list, the page's rows by keyset with the related values annotated, the bounded or
        estimated count, the unit names and kind labels once per page), then every value the
        template reads of each row."""
        def go():
            params = QueryDict(query)
            f = filters.TargetFilter(params, queryset=queries.target_list(user))
            page = listing.ledger_page(queries.work_list_rows(f.qs), params, count_qs=f.qs, total=total)
            n = 0
            for t in queries.work_list_labels(page.object_list):
                n += (bool(t.number) + bool(t.title) + bool(t.kind_label) + bool(t.unit_name)
                      + bool(t.owner_name) + bool(t.get_status_display()) + bool(t.get_clock_state_display())
                      + bool(t.colour) + bool(t.card))
            return n, page.total
        return go

    def plain_page(qs, total=True):
        """A plain Django page of the same rows: Paginator (count(*) + the slice), no joins."""
        def go():
            if total:
                return list(Paginator(qs.order_by("due_at", "pk"), listing.PER_PAGE).page(1).object_list)
            return list(qs.order_by("due_at", "pk")[:listing.PER_PAGE])
        return go

    def raw(sql, params):
        def go():
            with connection.cursor() as cur:
                cur.execute(sql, params)
                return len(cur.fetchall())
        return go

    by_unit = ("SELECT * FROM supervision_assignmenttarget WHERE unit_id = %s {extra} "
               "ORDER BY due_at LIMIT %s")
    open_only = "AND status NOT IN ('closed', 'transferred')"
    ended = AssignmentTarget.ENDED
    everything = AssignmentTarget.objects.all()
    of_unit = AssignmentTarget.objects.filter(unit_id=unit_id)
    repeats = args.repeats
    calls = max(1, args.calls)

    def batch(fn):
        """`calls` calls of `fn` (one round's sample)."""
        if calls == 1:
            return fn

        def go():
            for _ in range(calls):
                fn()
        return go

    if calls > 1:
        print(f"  each round below times {calls} calls of each side (the sum); the summary is per call", flush=True)

    def per_call(figure, ours_fn, base_fn):
        ours, baseline, ratio = alternate(figure, batch(ours_fn), batch(base_fn), repeats)
        return ours / calls, baseline / calls, ratio
    for figure, label, user, query, orm, base in (
        ("supervision_work_list", "work list, one unit (all)", clerk, "",
         of_unit, raw(by_unit.format(extra=""), [unit_id, PAGE])),
        ("supervision_work_list_open", "work list, one unit, 未办结", clerk, "status=open",
         of_unit.exclude(status__in=ended), raw(by_unit.format(extra=open_only), [unit_id, PAGE])),
        ("supervision_office_list", "work list, office, all units", office, "", everything,
         raw(f"SELECT * FROM supervision_assignmenttarget ORDER BY due_at LIMIT %s", [PAGE])),
        ("supervision_office_list_open", "work list, office, 未办结, all units", office, "status=open",
         everything.exclude(status__in=ended),
         raw(f"SELECT * FROM supervision_assignmenttarget WHERE true {open_only} ORDER BY due_at LIMIT %s", [PAGE])),
    ):
        fn = page_of(user, query)
        connection.queries_log.clear()  # a full log (9,000, after the seed) would count nothing
        with CaptureQueriesContext(connection) as q:
            _n, shown = fn()
        ours, baseline, ratio = per_call(figure, fn, plain_page(orm))
        rows.append((figure, label, ours, baseline, ratio,
                     f"{len(q.captured_queries)} queries, total shown {'约 ' if shown.estimated else ''}{shown.n:,}; "
                     f"raw SQL {timed(base, repeats):.2f} ms"))
        ours, baseline, ratio = per_call(figure + "_rows", page_of(user, query, total=False),
                                         plain_page(orm, total=False))
        rows.append((figure + "_rows", label + ", rows only", ours, baseline, ratio, "no count on either side"))

    raw_overview = """
        SELECT t.unit_id, u.name, count(*) AS total,
               count(*) FILTER (WHERE t.closed_at IS NULL) AS open,
               count(*) FILTER (WHERE t.closed_at IS NULL AND t.breach_level = 2) AS yellow,
               count(*) FILTER (WHERE t.closed_at IS NULL AND t.breach_level >= 3) AS red,
               count(*) FILTER (WHERE t.clock_state = 'done' AND t.status = 'closed') AS done,
               count(*) FILTER (WHERE t.clock_state = 'done_late' AND t.status = 'closed') AS done_late,
               count(*) FILTER (WHERE t.return_count > 0) AS returned,
               count(*) FILTER (WHERE t.urge_count > 0) AS urged
        FROM supervision_assignmenttarget t JOIN efficiency_unit u ON u.id = t.unit_id
        GROUP BY t.unit_id, u.name ORDER BY red DESC, yellow DESC, u.name"""
    rows.append(("supervision_overview", "office overview (all units)",
                 *per_call("supervision_overview", queries.overview, raw(raw_overview, [])),
                 f"{len(queries.overview())} units"))

    # --- the hand-out, against a bulk_create of the rows it writes ---------------------------------
    lead, co = units[1 % len(units)], [units[2 % len(units)], units[3 % len(units)]]
    counter = iter(range(10**6))

    def hand_out():
        return services.assignment_create(actor=office, kind=AssignmentKind.INSTRUCTION,
                                          issuing_leader="基准领导", title=f"基准交办 {next(counter)}",
                                          source_text="基准测试", lead_unit=lead, co_units=co)

    marks = (Event.objects.order_by("-id").values_list("id", flat=True).first() or 0,
             AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as q:
        sample = hand_out()
    service_queries = len(q.captured_queries)
    # The rows the service wrote, as templates for the baseline.
    s_targets = list(sample.targets.order_by("id"))
    s_perms = list(AssignmentGroupObjectPermission.objects.filter(content_object=sample))
    s_events = list(Event.objects.filter(id__gt=marks[0]).order_by("id"))
    s_audit = list(AuditLog.objects.filter(id__gt=marks[1]).order_by("id"))
    print(f"  one hand-out writes 1 assignment, {len(s_targets)} targets, {len(s_perms)} shares, "
          f"{len(s_events)} events, {len(s_audit)} audit rows", flush=True)

    def copy(obj, **changes):
        clone = type(obj)(**{f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields})
        clone.pk = None
        for k, v in changes.items():
            setattr(clone, k, v)
        return clone

    def bulk():
        n = next(counter)
        with transaction.atomic():
            item = Assignment.objects.bulk_create([copy(sample, number=f"BULK-{n:06d}", title=f"基准交办 {n}")])[0]
            targets = AssignmentTarget.objects.bulk_create([copy(t, assignment_id=item.pk) for t in s_targets])
            ids = {old.pk: new.pk for old, new in zip(s_targets, targets)}
            AssignmentGroupObjectPermission.objects.bulk_create([copy(p, content_object_id=item.pk) for p in s_perms])
            Event.objects.bulk_create([copy(e, subject_id=item.pk if e.subject_type == "supervision.assignment"
                                            else ids.get(e.subject_id, e.subject_id)) for e in s_events])
            AuditLog.objects.bulk_create([copy(a, object_id=str(item.pk)) for a in s_audit])

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as q:
        bulk()
    bulk_queries = len(q.captured_queries)
    rows.append(("supervision_hand_out", "hand-out to 3 units (assignment_create)",
                 *alternate("supervision_hand_out", hand_out, bulk, repeats),
                 f"{service_queries} vs {bulk_queries} queries"))

    print()
    print(f"{'figure (median of ' + str(repeats) + ' alternating rounds)':<42} {'ms':>9} {'baseline ms':>12} "
          f"{'ratio':>7}  note")
    for _figure, label, ms, base, ratio, note in rows:
        print(f"{label:<42} {ms:9.2f} {base:12.2f} {ratio:6.2f}x  {note}")
    print("baselines: work lists — a plain Django page of the same rows, Paginator(AssignmentTarget.objects"
          ".filter(unit_id=…).order_by('due_at', 'pk'), 50).page(1): count(*) and the slice, no joins (`_rows`: the "
          "slice alone against our rows without the count); overview — its aggregate as raw SQL; hand-out — "
          "bulk_create of the rows it writes")
    print("ratio: the median of the per-round ratios ours ÷ baseline (lower is better)")
    for figure, _label, _ms, _base, ratio, _note in rows:
        print(f"RATIO {figure} {ratio:.2f}")


if __name__ == "__main__":
    main()
