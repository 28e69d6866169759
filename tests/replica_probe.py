"""Run by tests/efficiency/test_replica.py as a child process whose DATABASE_URL is the scratch
primary and DATABASE_REPLICA_URL its streaming standby (tests/replica.py). It browses as two
people of the efficiency office, with the standby's replay paused so that a write on the
primary is not on the replica, and prints as JSON which database each request read and what it
showed. (The settings read DATABASE_REPLICA_URL at start-up, so this is a process of its own.)

    python -m tests.replica_probe
"""

import json
import os
import sys
import time


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from dashboards.models import PersonAssessment
    from efficiency.models import Role
    from efficiency.replica import PIN_COOKIE
    from tests.factories import make_unit, make_user
    from tests.replica import wait_until

    primary, replica = connections["default"], connections["replica"]

    def scalar(conn, sql, params=()):
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()[0]

    def catch_up():
        lsn = scalar(primary, "SELECT pg_current_wal_lsn()::text")
        wait_until(lambda: scalar(replica, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]),
                   what="the replica replays the primary's WAL")

    def browse(client, url, method="get", data=None):
        with CaptureQueriesContext(primary) as on_primary, CaptureQueriesContext(replica) as on_replica:
            response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
        return {"status": response.status_code, "location": response.headers.get("Location"),
                "pin": PIN_COOKIE in response.cookies,
                "shows_73": 'value="73"' in response.content.decode(errors="replace"),
                "primary_sql": [q["sql"] for q in on_primary.captured_queries],
                "replica_sql": [q["sql"] for q in on_replica.captured_queries]}

    unit = make_unit("鄂州市自然资源和规划局")
    office = make_user(Role.OFFICE, username="office_rw", full_name="陈督查")
    clerk = make_user(Role.CLERK, unit=unit, username="clerk_rw", full_name="张经办")
    saver, other = Client(), Client()
    saver.force_login(office)
    other.force_login(office)
    catch_up()
    scalar(replica, "SELECT pg_wal_replay_pause()::text")  # from here on, the primary's writes stay there

    out = {"in_recovery": {"primary": scalar(primary, "SELECT pg_is_in_recovery()"),
                           "replica": scalar(replica, "SELECT pg_is_in_recovery()")}}
    out["cockpit"] = browse(other, reverse("dashboards:cockpit"))
    out["export"] = browse(other, reverse("dashboards:scorecards_export") + "?month=2026-11")
    out["ranking_api"] = browse(other, "/api/v1/dashboards/ranking/?month=2026-11")
    people = reverse("dashboards:people") + f"?unit={unit.pk}&month=2026-11"
    out["save"] = browse(saver, people, "post", {"user": clerk.pk, "de": 73, "neng": 81, "qin": 82, "lian": 84})
    out["saved"] = {alias: PersonAssessment.objects.using(alias).filter(user=clerk, de=73).exists()
                    for alias in ("default", "replica")}
    out["saver_reads"] = browse(saver, out["save"]["location"])
    out["other_reads"] = browse(other, people)
    # The saver's mark, REPLICA_PIN_SECONDS old: the pin is over, the saver reads the replica again.
    saver.cookies[PIN_COOKIE] = f"{time.time() - settings.REPLICA_PIN_SECONDS - 1:.3f}"
    out["saver_after_pin"] = browse(saver, people)
    scalar(replica, "SELECT pg_wal_replay_resume()::text")
    catch_up()
    out["other_after_replay"] = browse(other, people)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
