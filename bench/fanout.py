"""Benchmark: 80,000 notices — events fanned out into deliveries and sent through batch backends.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eff_clock python bench/fanout.py [--notices 80000] [--rounds 2]

DATABASE_URL names the server; the benchmark creates its own scratch database (`eff_bench_fanout`,
or --db), migrates it with DJANGO_SETTINGS_MODULE=tests.settings and drops it at the end.

Seeded: --units units with a clerk each (with an e-mail address), one open clock item per event
(`clocktest.TimedItem`), and --notices / 2 pending events (`test.notice`), each to the item's
owner and to a phone number: per event one inbox row, one e-mail and one SMS — --notices e-mails
and SMS in all. E-mail goes through Django's locmem backend and SMS through
`efficiency.notifications.LocmemSmsBackend` (both batch-capable, no network), at a rate per
channel (`NOTIFY_RATE`) high enough not to hold them back (--rate, per minute).

Ours, per round: `notifications_fan_out()` (every pending event, batch after batch) and then
`notifications_send()` until nothing is due — the whole path from an event to a sent notice.
Baseline, alternating with it: the same deliveries written by one `INSERT … SELECT` from the
events and the same messages handed to the same backends with no bookkeeping — the floor of
this work. Each round is rolled back, so every round sends the same 80,000. Every round is
printed; the last lines are

    RATIO fanout_80k <median seconds of ours>
    RATIO fanout_80k_vs_floor <median of the per-round ratios ours ÷ baseline>

No assertions on time (but every notice must have been sent once).
"""

from __future__ import annotations

import argparse
import statistics
import time

from scratch import in_scratch_database  # puts the project on sys.path

EVENTS = """
INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, owner_id, message, payload, recipients,
                              fanned_out)
SELECT %(now)s, 'test.notice', 'clocktest.timeditem', t.id, t.unit_id, t.owner_id, '请于期限内办理。', '{}'::jsonb,
       jsonb_build_array('owner', 'phone:138' || lpad((t.id %% 100000000)::text, 8, '0')), false
FROM clocktest_timeditem AS t
"""

ITEMS = """
INSERT INTO clocktest_timeditem
    (title, unit_id, owner_id, clock_start, limit_value, limit_unit, legal_limit_unit, due_at, warn_at, red_at,
     notice_at, escalate_at, next_at, breach_level, clock_state, pause_reason, pauses, extension_unit,
     extension_reason, is_provisional)
SELECT '基准事项 ' || g, u.unit_id, u.id, %(now)s, 10, 'wd', 'wd', %(now)s + interval '14 days',
       %(now)s + interval '13 days', %(now)s + interval '17 days', %(now)s + interval '19 days',
       %(now)s + interval '22 days', %(now)s + interval '13 days', 0, 'on_track', '', '[]'::jsonb, 'wd', '', false
FROM generate_series(1, %(n)s) AS g
JOIN (SELECT id, unit_id, row_number() OVER (ORDER BY id) - 1 AS k FROM efficiency_user WHERE username LIKE 'bench%%')
     AS u ON u.k = g %% %(units)s
"""

FLOOR = """
INSERT INTO efficiency_notification (event_id, user_id, recipient, channel, title, body, link, status, deliver_after,
                                     attempts, last_error, sent_at, created_at)
SELECT e.id, CASE WHEN c.channel = 'sms' THEN NULL ELSE e.owner_id END,
       CASE WHEN c.channel = 'sms' THEN e.recipients ->> 1 ELSE 'user:' || e.owner_id END, c.channel,
       '【测试通知】' || t.title, e.message, '', CASE WHEN c.channel = 'inbox' THEN 'sent' ELSE 'pending' END,
       %(now)s, 0, '', NULL, %(now)s
FROM efficiency_event AS e JOIN clocktest_timeditem AS t ON t.id = e.subject_id
CROSS JOIN (VALUES ('inbox'), ('email'), ('sms')) AS c(channel)
WHERE NOT e.fanned_out
RETURNING channel, recipient, title, body
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=80_000, help="e-mails + SMS to send (half each)")
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rate", type=int, default=1_000_000, help="NOTIFY_RATE per channel, per minute")
    parser.add_argument("--db", default="eff_bench_fanout")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    in_scratch_database(run, args)


def run(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.core.mail import EmailMessage, get_connection
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from efficiency import events
    from efficiency.models import Notification, Role
    from efficiency.notifications import LocmemSmsBackend, notifications_fan_out, notifications_send, sms_backend
    from tests.factories import make_unit, make_user

    events.request_fan_out = lambda: None  # no broker needed
    setup_test_environment()  # locmem e-mail (mail.outbox)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "efficiency.notifications.LocmemSmsBackend"
    settings.NOTIFY_RATE = {"email": f"{args.rate}/min", "sms": f"{args.rate}/min"}

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated scratch database {args.db} in {time.perf_counter() - t:.1f} s")
    n_events = args.notices // 2
    now = timezone.now()
    t = time.perf_counter()
    for i in range(args.units):
        unit = make_unit(f"基准单位{i}", code=f"BU{i:04d}")
        make_user(Role.CLERK, unit=unit, username=f"bench{i:04d}", email=f"bench{i:04d}@example.org")
    with connection.cursor() as cur:
        cur.execute(ITEMS, {"now": now, "n": n_events, "units": args.units})
        cur.execute(EVENTS, {"now": now})
        cur.execute("VACUUM ANALYZE")
    print(f"seeded {args.units} units and clerks, {n_events:,} items and {n_events:,} pending events "
          f"({args.notices:,} notices: e-mail + SMS) in {time.perf_counter() - t:.1f} s")

    class Rollback(Exception):
        pass

    def reset():
        mail.outbox = []
        LocmemSmsBackend.outbox, LocmemSmsBackend.calls = [], 0

    def ours() -> tuple[float, float, int]:
        reset()
        t0 = time.perf_counter()
        try:
            with transaction.atomic():
                fanned = notifications_fan_out()
                t1 = time.perf_counter()
                sent = 0
                while True:
                    done = notifications_send()
                    sent += done["sent"]
                    if not done["sent"] and not done["failed"]:
                        break
                t2 = time.perf_counter()
                assert fanned == n_events, fanned
                assert sent == 2 * n_events == len(mail.outbox) + len(LocmemSmsBackend.outbox), sent
                assert not Notification.objects.filter(status="pending").exists()
                raise Rollback
        except Rollback:
            pass
        return t2 - t0, t1 - t0, LocmemSmsBackend.calls

    def floor() -> float:
        reset()
        t0 = time.perf_counter()
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(FLOOR, {"now": now})
                rows = cur.fetchall()
                emails = [EmailMessage(title, body, None, ["x@example.org"]) for channel, _r, title, body in rows
                          if channel == "email"]
                with get_connection() as conn:
                    conn.send_messages(emails)
                sms_backend().send_many([(r.partition(":")[2], f"{title} {body}") for channel, r, title, body in rows
                                         if channel == "sms"])
                cur.execute("UPDATE efficiency_notification SET status = 'sent', sent_at = %s "
                            "WHERE status = 'pending'", [now])
                cur.execute("UPDATE efficiency_event SET fanned_out = true WHERE NOT fanned_out")
                elapsed = time.perf_counter() - t0
                assert len(mail.outbox) + len(LocmemSmsBackend.outbox) == 2 * n_events
                raise Rollback
        except Rollback:
            pass
        return elapsed

    totals, floors, ratios = [], [], []
    for r in range(args.rounds):
        order = ["ours", "floor"] if r % 2 == 0 else ["floor", "ours"]
        for side in order:
            with connection.cursor() as cur:
                cur.execute("VACUUM efficiency_notification")
                cur.execute("VACUUM efficiency_event")
            if side == "ours":
                total, fan, calls = ours()
                totals.append(total)
                print(f"round {r + 1}: ours  {total:8.1f} s  (fan-out {fan:.1f} s, sending {total - fan:.1f} s; "
                      f"{2 * n_events / total:,.0f} notices/s; {calls} SMS batch calls)", flush=True)
            else:
                floors.append(floor())
                print(f"round {r + 1}: floor {floors[-1]:8.1f} s  (one INSERT … SELECT, the backends, no bookkeeping)",
                      flush=True)
        ratios.append(totals[-1] / floors[-1])
    print(f"ours: {args.notices:,} notices, median {statistics.median(totals):.1f} s "
          f"(rounds: {', '.join(f'{x:.1f}' for x in totals)}); target < 600 s")
    print(f"RATIO fanout_80k {statistics.median(totals):.1f}")
    print(f"RATIO fanout_80k_vs_floor {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
