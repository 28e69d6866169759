"""Benchmark: one Open311 GeoReport v2 POST against the channel API's POST, and the public list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/open311.py [--rounds 7 --n 200]

The scratch database (`eff_bench_open311`, or --db) is created, migrated and dropped as in the
other benchmarks (bench/scratch.py). Every side is called in this one process through Django's
WSGI handler with the project's whole middleware stack, DEBUG off, one request after another:

- ours: `POST /open311/v2/requests.json`, form-encoded with `api_key` (a registered channel's
  token), `service_code`, `address_string`, `attribute[subject_unit]`, `description`;
- baseline: `POST /api/v1/public/complaints/` with `X-Channel-Token` and a JSON body — the
  channel API, the same filing service (`services.complaint_file`, one statement);
- the list: `GET /open311/v2/requests.json` (the last 90 days, at most 1000 requests), timed
  as a side of its own and printed with the number of requests it returned, no ratio.

Each round times --n requests of each POST side in an order that alternates from round to round
and prints them; the last line is the per-round median:

    RATIO open311_post <median of Open311 POST ÷ channel API POST>
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from scratch import in_scratch_database  # puts the project on sys.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="requests per side per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--db", default="eff_bench_open311")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    in_scratch_database(run, args)


def run(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from accountability.models import Complaint
    from accountability.services import channel_add
    from tests.factories import make_unit

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated scratch database {args.db} in {time.perf_counter() - t:.1f} s")
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    settings.OPEN311_READS_PER_MINUTE = 10**9  # counted in the cache, never reached
    unit = make_unit("鄂州市自然资源和规划局", code="BENCH")
    _, token = channel_add(name="bench")
    handler = get_wsgi_application()
    factory = RequestFactory()
    text = "窗口办理不动产登记拖了一个月还没办好，多次询问无人答复"

    def environ(side: str) -> dict:
        if side == "open311":
            return factory.post("/open311/v2/requests.json", {
                "api_key": token, "service_code": "slow", "address_string": "市政务服务中心 3 号窗口",
                "attribute[subject_unit]": str(unit.pk), "description": text}).environ
        if side == "channel":
            return factory.post("/api/v1/public/complaints/", json.dumps({
                "category": "slow", "subject_unit": unit.pk, "description": text, "place": "市政务服务中心 3 号窗口",
                "is_anonymous": True}), content_type="application/json", HTTP_X_CHANNEL_TOKEN=token).environ
        return factory.get("/open311/v2/requests.json").environ

    expected = {"open311": "201", "channel": "201", "list": "200"}

    def call(side: str, env: dict) -> bytes:
        status = []
        body = handler(env, lambda s, headers, exc_info=None: status.append(s))
        content = b"".join(body)
        if hasattr(body, "close"):
            body.close()
        if not status[0].startswith(expected[side]):
            raise SystemExit(f"{side}: {status[0]} {content[:300]!r}")
        return content

    def timed(side: str, n: int) -> float:
        batch = [environ(side) for _ in range(n)]
        t = time.perf_counter()
        for env in batch:
            call(side, env)
        return (time.perf_counter() - t) / n

    for side in ("open311", "channel", "list"):  # warm: imports, the calendar index, the rule
        for _ in range(5):
            call(side, environ(side))
    for side in ("open311", "channel", "list"):
        with CaptureQueriesContext(connection) as ctx:
            call(side, environ(side))
        sql = [q["sql"].split()[0] for q in ctx.captured_queries]
        print(f"{side}: {len(sql)} statements per request ({', '.join(sql)})")

    ratios = []
    print(f"{args.rounds} rounds of {args.n} requests per side; ms per request; ratio = open311 / channel")
    for r in range(args.rounds):
        order = ("open311", "channel") if r % 2 == 0 else ("channel", "open311")
        ms = {side: timed(side, args.n) * 1000 for side in order}
        listed = len(json.loads(call("list", environ("list"))))
        ms["list"] = timed("list", 5) * 1000
        ratios.append(ms["open311"] / ms["channel"])
        print(f"round {r + 1} ({' → '.join(order)}): open311 {ms['open311']:.2f} ms  channel {ms['channel']:.2f} ms  "
              f"open311/channel {ratios[-1]:.2f}  list of {listed} {ms['list']:.1f} ms")
    print(f"complaints in the table: {Complaint.objects.count():,}")
    print(f"RATIO open311_post {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
