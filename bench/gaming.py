"""Benchmark: every registered gaming detector (issue 18) over a year of 1M clocked items.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres nice -n 5 python bench/gaming.py --db bench_gaming

DATABASE_URL names the server; the benchmark creates its own scratch database (--db), migrates it
with DJANGO_SETTINGS_MODULE=tests.settings and drops it at the end (--keep keeps it).

Seed (SQL, `INSERT … SELECT generate_series` from one row made by the services, as bench/lists.py):
--items applications over the last 365 days on --units units (4 catalog items each), 70 % approved,
6 % refused, withdrawn or not accepted, half of the decided rated (one phone per applicant, one
device per rating), with their events (clock.started,
approvals.accepted, approvals.decided, approvals.rated); --complaints complaints, 30 % from a
channel with its receipt time; clean — arrival at most an hour before intake, applicants filing
the same item again only months later. Then planted cases, --plant of each: 体外循环 (14 days),
退回重报 (refused, filed again 3 days later), 拆分 (3 on one day), 集中好评 (6 from one phone in
12 h), 工作人员代评, and for complaints 体外循环, 集中好评, 工作人员代评; complaints half rated.

Figures (--rounds rounds after one warm-up, alternating which goes first, every round printed):
  - ours: every detector of `registry.gaming_detectors()` (the generic ones too once merged),
    each its statement in the runner's wrapper `WITH wd AS (…), found AS (<select>) SELECT …`
    over the whole year [now − 365 d, now + 1 d) — the on-demand run, the nightly one reads a day;
    (JIT off for both sides, as the sweep runs);
  - baseline: the floor any implementation pays — one read of the same evidence rows, each table
    once through the index a DBA would add on its time column (applications by received_at,
    ratings by created_at, channel complaints by filed_at, rated complaints by rated_at, and,
    when the core's detectors are registered, the clock events by (kind, at)), reading the
    columns the detectors read.
Ends with `RATIO gaming_detect_1m <median ours ÷ baseline>`, the absolute medians, and
`planted found N/N` (every planted case's finding key present) with the other findings counted.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import timedelta

from lists import clone  # puts the project on sys.path (through scratch)
from scratch import alternate, in_scratch_database

TZ = "Asia/Shanghai"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000, help="applications (the bulk of the clocked items)")
    parser.add_argument("--complaints", type=int, default=20_000)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--plant", type=int, default=50, help="planted cases of each pattern")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", default="eff_bench_gaming")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    in_scratch_database(run, args)


def seed(args, cur, *, a_id, c_id, items, clerk_ids, now) -> None:
    n, k = args.items, args.plant
    when = (f"(%(now)s::timestamptz - interval '2 hours' - (g %% 365) * interval '1 day' "
            f"- (g * 7 %% 600) * interval '1 minute')")
    decided = "(g %% 10 < 7)"
    item_of = "(%(items)s::int[])[1 + (g / 5) %% cardinality(%(items)s::int[])]"
    unit_of = "(%(units)s::int[])[1 + (g / 5) %% cardinality(%(items)s::int[])]"
    params = {"now": now, "items": [i for i, _u in items], "units": [u for _i, u in items]}
    t = time.perf_counter()
    # Applicants: g %% 333333 — each files three times, 78 days apart, for three different items;
    # 3 %% refused (不予许可), 2 %% withdrawn, 1 %% not accepted, 70 %% approved, the rest open.
    clone(cur, "approvals_application", a_id, 1, n, {
        "receipt_number": "'SB' || lpad(g::text, 12, '0')", "item_id": item_of, "unit_id": unit_of,
        "applicant_id_number": "lpad((g %% 333333)::text, 18, '0')",
        "applicant_phone": "'1' || lpad((g %% 333333)::text, 10, '0')",
        "received_at": when, "submitted_at": f"{when} - (g %% 60) * interval '1 minute'",
        "clock_start": when, "accepted_at": when,
        "status": f"CASE WHEN g %% 100 < 3 THEN 'rejected' WHEN g %% 100 < 5 THEN 'withdrawn' "
                  f"WHEN g %% 100 = 5 THEN 'unaccepted' WHEN {decided} THEN 'approved' ELSE 'accepted' END",
        "decided_at": f"CASE WHEN {decided} OR g %% 100 < 6 THEN {when} + interval '6 days' END",
        "closed_at": f"CASE WHEN {decided} OR g %% 100 < 6 THEN {when} + interval '6 days' END",
        "clock_state": f"CASE WHEN {decided} OR g %% 100 < 6 THEN 'done' ELSE t.clock_state END",
    }, params)
    print(f"  {n} applications in {time.perf_counter() - t:.0f} s", flush=True)
    t = time.perf_counter()
    cur.execute("""INSERT INTO approvals_rating (application_id, unit_id, score, comment, round, created_at,
                                                 phone_hash, device_hash)
                   SELECT id, unit_id, CASE WHEN id %% 10 = 0 THEN 2 ELSE 5 END, '', 1, decided_at + interval '1 hour',
                          md5('p' || applicant_phone) || md5('p2' || applicant_phone),
                          md5('d' || id) || md5('d2' || id)
                   FROM approvals_application WHERE decided_at IS NOT NULL AND id %% 2 = 0""", [])
    clone(cur, "accountability_complaint", c_id, 1, args.complaints, {
        "tracking_number": "'TB' || lpad(g::text, 12, '0')", "link_token_hash": "lpad(to_hex(g), 64, '0')",
        "filed_at": when, "clock_start": when, "subject_unit_id": unit_of, "unit_id": unit_of,
        "channel_id": "CASE WHEN g %% 10 < 3 THEN t.channel_id END",
        "channel_received_at": f"CASE WHEN g %% 10 < 3 THEN {when} - (g %% 50) * interval '1 minute' END",
        # half of them answered and rated, each by its own complainant
        "rated_at": f"CASE WHEN g %% 2 = 0 THEN {when} + interval '10 days' END",
        "rating": "CASE WHEN g %% 2 = 1 THEN '' WHEN g %% 3 = 0 THEN 'dissatisfied' ELSE 'satisfied' END",
        "rating_phone_hash": "CASE WHEN g %% 2 = 0 THEN md5('c' || g) || md5('c2' || g) ELSE '' END",
    }, params)
    print(f"  ratings, {args.complaints} complaints in {time.perf_counter() - t:.0f} s", flush=True)
    plant(cur, args, a_id=a_id, c_id=c_id, clerk_ids=clerk_ids, params=params)
    t = time.perf_counter()
    app = "approvals.application"
    cur.execute(f"""
        INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, message, payload, recipients, fanned_out)
        SELECT x.at, x.kind, '{app}', a.id, a.unit_id, '', x.payload, '[]', TRUE
        FROM approvals_application a CROSS JOIN LATERAL (VALUES
            (a.clock_start, 'clock.started', '{{}}'::jsonb),
            (a.accepted_at, 'approvals.accepted', '{{}}'::jsonb),
            (a.decided_at, 'approvals.' || CASE WHEN a.status = 'unaccepted' THEN 'not_accepted' ELSE 'decided' END,
             '{{}}'::jsonb)) x(at, kind, payload)
        WHERE x.at IS NOT NULL AND a.id <> %s""", [a_id])
    cur.execute(f"""
        INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, message, payload, recipients, fanned_out)
        SELECT r.created_at, 'approvals.rated', '{app}', r.application_id, r.unit_id, '',
               jsonb_build_object('rating_id', r.id, 'score', r.score), '[]', TRUE
        FROM approvals_rating r""")
    cur.execute("""
        INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, message, payload, recipients, fanned_out)
        SELECT c.clock_start, k.kind, 'accountability.complaint', c.id, c.subject_unit_id, '', '{}'::jsonb,
               '[]'::jsonb, TRUE
        FROM accountability_complaint c CROSS JOIN (VALUES ('clock.started'), ('complaints.filed')) k(kind)
        WHERE c.id <> %s
        UNION ALL
        SELECT c.rated_at, 'complaints.rated', 'accountability.complaint', c.id, c.subject_unit_id, '',
               jsonb_build_object('rating', c.rating), '[]'::jsonb, TRUE
        FROM accountability_complaint c WHERE c.rated_at IS NOT NULL""", [c_id])
    print(f"  events in {time.perf_counter() - t:.0f} s", flush=True)
    for table in ("approvals_application", "approvals_rating", "accountability_complaint", "efficiency_event"):
        cur.execute(f"VACUUM ANALYZE {table}")


def plant(cur, args, *, a_id, c_id, clerk_ids, params) -> None:
    """The planted cases, each recognisable by its receipt or tracking number (prefix G…)."""
    n, k = args.items, args.plant
    base = "(%(now)s::timestamptz - interval '30 days' - (g %% 200) * interval '1 day')"
    g_app = f"'G' || lpad(g::text, 12, '0')"
    common = {"item_id": "(%(items)s::int[])[1 + g %% cardinality(%(items)s::int[])]",
              "unit_id": "(%(units)s::int[])[1 + g %% cardinality(%(items)s::int[])]", "receipt_number": g_app}
    # 体外循环: the materials arrived 14 days before the intake (≥ 2 working days in any calendar).
    clone(cur, "approvals_application", a_id, n + 1, n + k, {**common,
          "applicant_id_number": "'GL' || lpad(g::text, 16, '0')", "received_at": base, "clock_start": base,
          "accepted_at": base, "submitted_at": f"{base} - interval '14 days'"}, params)
    # 退回重报: refused (不予受理) the next day, filed again 3 days after.
    clone(cur, "approvals_application", a_id, n + k + 1, n + 2 * k, {**common,
          "applicant_id_number": "'GR' || lpad(g::text, 16, '0')", "received_at": base, "submitted_at": base,
          "clock_start": base, "accepted_at": "NULL", "status": "'unaccepted'", "receipt_number": "NULL",
          "decided_at": f"{base} + interval '1 day'", "closed_at": f"{base} + interval '1 day'",
          "clock_state": "'done'"}, params)
    again = f"({base} + interval '4 days')"
    clone(cur, "approvals_application", a_id, n + k + 1, n + 2 * k, {**common,
          "applicant_id_number": "'GR' || lpad(g::text, 16, '0')", "received_at": again, "submitted_at": again,
          "clock_start": again, "accepted_at": again, "receipt_number": "'GS' || lpad(g::text, 12, '0')"}, params)
    # 拆分: three applications of one applicant for one item on one day.
    for h in range(3):
        at = f"({base} + interval '{h} hours')"
        clone(cur, "approvals_application", a_id, n + 2 * k + 1, n + 3 * k, {**common,
              "applicant_id_number": "'GP' || lpad(g::text, 16, '0')", "received_at": at, "submitted_at": at,
              "clock_start": at, "accepted_at": at, "receipt_number": f"'GP{h}' || lpad(g::text, 12, '0')"}, params)
    # 集中好评: six applications each, rated 非常满意 from one phone within 12 hours.
    for h in range(6):
        rated = f"({base} + interval '{2 * h} hours')"
        clone(cur, "approvals_application", a_id, n + 3 * k + 1, n + 4 * k, {**common,
              "applicant_id_number": f"'GB{h}' || lpad(g::text, 15, '0')", "received_at": base, "submitted_at": base,
              "clock_start": base, "accepted_at": base, "status": "'approved'", "decided_at": base,
              "receipt_number": f"'GB{h}' || lpad(g::text, 12, '0')"}, params)
        cur.execute(f"""INSERT INTO approvals_rating (application_id, unit_id, score, comment, round, created_at,
                                                      phone_hash, device_hash)
                        SELECT a.id, a.unit_id, 5, '', 1, {rated.replace('g %%', 's.g %%')}, md5('burst' || s.g) || md5('x'),
                               md5('dev' || a.id) || md5('y')
                        FROM approvals_application a, LATERAL (SELECT substr(a.receipt_number, 4)::int AS g) s
                        WHERE a.receipt_number LIKE %(prefix)s""", {**params, "prefix": f"GB{h}%"})
    # 工作人员代评: a 好评 entered by a clerk of the rated unit.
    clone(cur, "approvals_application", a_id, n + 4 * k + 1, n + 5 * k, {
          "applicant_id_number": "'GE' || lpad(g::text, 16, '0')", "received_at": base, "submitted_at": base,
          "clock_start": base, "accepted_at": base, "status": "'approved'", "decided_at": base,
          "receipt_number": "'GE' || lpad(g::text, 12, '0')"}, params)  # the clerk's unit: the template's
    cur.execute("""INSERT INTO approvals_rating (application_id, unit_id, score, comment, round, created_at, phone_hash,
                                                 device_hash, entered_by_id)
                   SELECT id, unit_id, 5, '', 1, decided_at + interval '1 hour', md5('e' || id), md5('f' || id), %s
                   FROM approvals_application WHERE receipt_number LIKE 'GE%%'""", [clerk_ids[0]])
    # 投诉体外循环: the hotline took the call 14 days before the complaint was logged.
    clone(cur, "accountability_complaint", c_id, args.complaints + 1, args.complaints + k, {
        "tracking_number": "'GT' || lpad(g::text, 12, '0')", "link_token_hash": "'g' || lpad(to_hex(g), 63, '0')",
        "filed_at": base, "clock_start": base, "channel_received_at": f"{base} - interval '14 days'"}, params)
    # 集中好评（投诉）: six complaints about one unit each rated 满意 from one phone within 12 hours.
    for h in range(6):
        clone(cur, "accountability_complaint", c_id, args.complaints + 1, args.complaints + k, {
            "tracking_number": f"'GC{h}' || lpad(g::text, 12, '0')",
            "link_token_hash": f"'c{h}' || lpad(to_hex(g), 62, '0')", "filed_at": base, "clock_start": base,
            "subject_unit_id": common["unit_id"], "rated_at": f"{base} + interval '{10 * 24 + 2 * h} hours'",
            "rating": "'satisfied'", "rating_phone_hash": "md5('cburst' || g) || md5('x')"}, params)
    # 工作人员代评（投诉）: 满意 entered by a clerk of the unit complained about (the template's).
    clone(cur, "accountability_complaint", c_id, args.complaints + 1, args.complaints + k, {
        "tracking_number": "'GK' || lpad(g::text, 12, '0')", "link_token_hash": "'k' || lpad(to_hex(g), 63, '0')",
        "filed_at": base, "clock_start": base, "rated_at": f"{base} + interval '10 days'", "rating": "'satisfied'",
        "rating_entered_by_id": str(int(clerk_ids[0]))}, params)


def planted_keys(cur) -> set[str]:
    cur.execute("""
        SELECT 'intake_lag:approvals.application:' || id FROM approvals_application WHERE applicant_id_number LIKE 'GL%%'
        UNION ALL
        SELECT 'resubmit_restart:' || a.id || ':' || b.id FROM approvals_application a
          JOIN approvals_application b ON b.applicant_id_number = a.applicant_id_number AND b.receipt_number LIKE 'GS%%'
          WHERE a.applicant_id_number LIKE 'GR%%' AND a.status = 'unaccepted'
        UNION ALL
        SELECT 'split_matter:' || min(id) FROM approvals_application WHERE receipt_number LIKE 'GP%%'
          GROUP BY applicant_id_number
        UNION ALL
        SELECT 'rating_burst:phone:' || left(min(r.phone_hash), 16) || ':' || min(r.id) FROM approvals_rating r
          JOIN approvals_application a ON a.id = r.application_id WHERE a.receipt_number LIKE 'GB%%' GROUP BY r.phone_hash
        UNION ALL
        SELECT 'rating_by_staff:' || r.id FROM approvals_rating r WHERE r.entered_by_id IS NOT NULL
        UNION ALL
        SELECT 'intake_lag:accountability.complaint:' || id FROM accountability_complaint
          WHERE tracking_number LIKE 'GT%%'
        UNION ALL
        SELECT 'rating_burst.complaint:phone:' || left(rating_phone_hash, 16) || ':' || min(id)
          FROM accountability_complaint WHERE tracking_number LIKE 'GC%%' GROUP BY rating_phone_hash
        UNION ALL
        SELECT 'rating_by_staff.complaint:' || id || ':' || extract(epoch FROM rated_at)::bigint
          FROM accountability_complaint WHERE tracking_number LIKE 'GK%%'""", [])
    return {r[0] for r in cur.fetchall()}


def run(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone, translation

    import efficiency.events as events
    from accountability import services as acc
    from accountability.models import Category
    from approvals import services as appr
    from approvals.models import Material, ServiceItem
    from efficiency import gaming, registry
    from efficiency.gaming import FINDING_COLUMNS, found_cte
    from efficiency.models import Role
    from tests.factories import RegionFactory, make_unit, make_user

    events.request_fan_out = lambda: None  # no broker needed
    translation.activate(settings.LANGUAGE_CODE)
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated scratch database {args.db} in {time.perf_counter() - t:.1f} s", flush=True)

    region = RegionFactory(code="420700", name="鄂州市")
    units = [make_unit(f"第{i + 1}号单位", code=f"GU{i + 1:04d}", region=region) for i in range(args.units)]
    head = make_user(Role.HEAD, unit=units[0], username="bench_head")
    clerk = make_user(Role.CLERK, unit=units[0], username="bench_clerk")
    head_of, items = {units[0].pk: head}, []
    for unit in units[1:]:
        head_of[unit.pk] = make_user(Role.HEAD, unit=unit, username=f"head_{unit.code}")
    for i, unit in enumerate(units):
        for j in range(4):
            item = appr.item_save(actor=head_of[unit.pk], unit=unit, code=f"GI{i:03d}{j}", name=f"事项{i}-{j}",
                                  legal_basis="依据", conditions="", procedure="", fee="", legal_limit=20,
                                  committed_limit=10, deemed_approval=False, is_published=True, materials=["申请书"],
                                  joint_units=[])
            items.append((item.pk, unit.pk))
    first = ServiceItem.objects.get(code="GI0000")
    a = appr.application_receive(actor=clerk, item=first, applicant_kind="enterprise", applicant_name="模板",
                                 applicant_id_number="91350100M000100Y43", applicant_phone="13800000000",
                                 materials=list(Material.objects.filter(item=first)))[0]
    channel, _token = acc.channel_add(name="12345 热线")
    c = acc.complaint_file(category=Category.SLOW, subject_unit=units[0], description="模板", is_anonymous=True,
                           channel=channel).complaint
    now = timezone.now()
    t = time.perf_counter()
    with connection.cursor() as cur:
        seed(args, cur, a_id=a.pk, c_id=c.pk, items=items, clerk_ids=[clerk.pk], now=now)
        cur.execute("SELECT (SELECT count(*) FROM approvals_application), (SELECT count(*) FROM approvals_rating), "
                    "(SELECT count(*) FROM accountability_complaint), (SELECT count(*) FROM efficiency_event)")
        print("seeded in %.0f s: applications %d, ratings %d, complaints %d, events %d"
              % (time.perf_counter() - t, *cur.fetchone()), flush=True)
        planted = planted_keys(cur)

    start, end = now - timedelta(days=365), now + timedelta(days=1)
    detectors = registry.gaming_detectors()
    statements = []
    for det in detectors:
        head, params = found_cte(det, gaming.threshold_values(det, {}), start, end)
        statements.append((det.code, f"{head} SELECT {', '.join(FINDING_COLUMNS)} FROM found", params))
    mine = {"intake_lag.application", "intake_lag.complaint", "resubmit_restart", "split_matter", "rating_burst",
            "rating_by_staff", "rating_burst.complaint", "rating_by_staff.complaint"}
    baseline_sql = [
        ("SELECT count(*), max(applicant_id_number), max(item_id), max(submitted_at), max(decided_at), "
         "max(notice_issued_at), max(status), max(intake_unit_id) FROM approvals_application "
         "WHERE received_at >= %s AND received_at < %s", [start, end]),
        ("SELECT count(*), max(phone_hash), max(device_hash), max(entered_by_id), max(score) "
         "FROM approvals_rating WHERE created_at >= %s AND created_at < %s", [start, end]),
        ("SELECT count(*), max(channel_received_at), max(clock_start) FROM accountability_complaint "
         "WHERE channel_received_at IS NOT NULL AND filed_at >= %s AND filed_at < %s", [start, end]),
        ("SELECT count(*), max(rating_phone_hash), max(rating_device_hash), max(rating_entered_by_id), "
         "max(rating) FROM accountability_complaint WHERE rated_at >= %s AND rated_at < %s", [start, end]),
    ]
    if {d.code for d in detectors} - mine:  # the core's detectors read the clocks' events
        baseline_sql.append(("SELECT count(*), max(subject_id) FROM efficiency_event WHERE kind LIKE 'clock.%%' "
                             "AND at >= %s AND at < %s", [start, end]))
    found: dict[str, list] = {}

    def ours():
        with connection.cursor() as cur:
            for code, sql, params in statements:
                cur.execute(sql, params)
                found[code] = cur.fetchall()

    def baseline():
        with connection.cursor() as cur:
            for sql, params in baseline_sql:
                cur.execute(sql, params)
                cur.fetchall()

    with connection.cursor() as cur:
        # As the sweep does for its batches: JIT compiles ~1 s per statement here for nothing
        # (the plans are scans and hash joins); the runner should SET LOCAL jit = off too.
        cur.execute("SET jit = off")
    print(f"detectors: {', '.join(d.code for d in detectors)}", flush=True)
    for code, sql, params in statements:  # one timed pass each, for the per-detector figure
        with connection.cursor() as cur:
            t = time.perf_counter()
            cur.execute(sql, params)
            rows = cur.fetchall()
            print(f"  {code}: {len(rows)} findings in {(time.perf_counter() - t) * 1000:.0f} ms", flush=True)
    ours_ms, base_ms, ratio = alternate("gaming_detect_1m", ours, baseline, args.rounds)
    keys = {row[3] for rows in found.values() for row in rows}
    missing = planted - keys
    print(f"planted found {len(planted) - len(missing)}/{len(planted)}; other findings {len(keys - planted)}")
    if missing:
        print("MISSING " + json.dumps(sorted(missing)[:20]))
    print(f"gaming_detect_1m_ours_s {ours_ms / 1000:.2f}")
    print(f"gaming_detect_1m_baseline_s {base_ms / 1000:.2f}")
    # The runner itself once (the same statements, upserted into the findings), as the office's
    # button and the nightly task run it.
    t = time.perf_counter()
    counts = gaming.detect(start, end, now=now)
    print(f"gaming.detect() once: {time.perf_counter() - t:.2f} s, findings "
          f"{sum(c['found'] for c in counts.values())}", flush=True)
    print(f"RATIO gaming_detect_1m {ratio:.2f}")


if __name__ == "__main__":
    main()
