"""Benchmark: a citizen's complaint POST, against a bare Django view inserting one row into the same table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/intake.py [--rounds 9 --n 200]

The scratch database (`eff_bench_intake`, or --db) is created, migrated and dropped as in the
other benchmarks (bench/scratch.py). Both sides are called in this one process through Django's
WSGI handler with the project's whole middleware stack (sessions, CSRF, CSP, locale, axes…),
DEBUG off, one request after another:

- ours: `POST /api/v1/public/complaints/` (a JSON body, like a 12345 channel app) and
  `POST /accountability/public/complaint/` (the citizen's form, answered 303 to its receipt page:
  Post/Redirect/Get, the receipt in a signed cookie),
  each with a fresh CAPTCHA solved correctly, so the whole path runs: the per-client rate limit
  in the cache, the CAPTCHA's DELETE, the unit, the complaint row with its clock, the
  `clock.started` and `complaints.filed` events and their subscriber (the cockpit's counter),
  the audit row, the fan-out request on commit (to CELERY_BROKER_URL, `memory://` by default);
- baseline: `POST /bench/bare/`, a view that reads the same fields from the form body and
  inserts one row into `accountability_complaint` with `Complaint.objects.create` (same table,
  same indexes, autocommit).

- the receipt: `GET /accountability/public/complaint/filed/`, the page the browser loads after the
  form's 303 (the full layout), timed as a side of its own: the citizen waits for POST + GET,
  printed as `complaint_post_and_receipt`.

Each round times --n requests of every side, in an order that rotates from round to round;
every round is printed with its per-request times and ratios (ours ÷ baseline, lower is
better). The last lines are the per-round medians, in the form the issue asks for:

    RATIO complaint_post <median of form POST ÷ bare insert>
    RATIO complaint_post_api <median of API POST ÷ bare insert>
    RATIO complaint_post_and_receipt <median of (form POST + receipt GET) ÷ bare insert>

`complaint_post` is the citizen's form POST (its 303 and cookie). Statements per
request are counted in one extra request of each side, outside the timings. No assertions on time.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import time
import types

from scratch import in_scratch_database  # puts the project on sys.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="requests per side per round")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--db", default="eff_bench_intake")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--profile", choices=["form", "api", "bare", "receipt"], help="cProfile of --n requests of one side, then stop")
    parser.add_argument("--sort", default="cumulative", help="cProfile order: cumulative or tottime")
    parser.add_argument("--statements", action="store_true",
                        help="time each statement of --n requests of every side (mean ms), then stop")
    args = parser.parse_args()
    in_scratch_database(run, args)


def _bare_insert(request):
    """The baseline: parse the form body, insert one complaint row, answer 201."""
    from django.http import HttpResponse

    from accountability.models import Complaint

    Complaint.objects.create(
        tracking_number=f"TB{secrets.randbelow(10**12):012d}", check_code_hash=secrets.token_hex(32),
        link_token_hash=secrets.token_hex(32), category=request.POST["category"],
        subject_unit_id=int(request.POST["subject_unit"]), description=request.POST["description"])
    return HttpResponse(status=201)


def _urlconf(project_urlconf: str) -> str:
    """The project's URLs plus /bench/bare/, so both sides pass the same middleware."""
    from importlib import import_module

    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    module = types.ModuleType("bench_intake_urls")
    module.urlpatterns = [path("bench/bare/", csrf_exempt(_bare_insert)), *import_module(project_urlconf).urlpatterns]
    sys.modules[module.__name__] = module
    return module.__name__


def run(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accountability.models import Complaint
    from django.core import signing

    from accountability import views as accountability_views
    from accountability.security import captcha_new
    from captcha.models import CaptchaStore
    from tests.factories import make_unit

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated scratch database {args.db} in {time.perf_counter() - t:.1f} s")
    settings.DEBUG = False  # no query log on either side
    settings.ALLOWED_HOSTS = ["*"]
    settings.COMPLAINT_SUBMITS_PER_MINUTE = 10**9  # the limit is counted (in the cache), never reached
    settings.ROOT_URLCONF = _urlconf(settings.ROOT_URLCONF)
    unit = make_unit("鄂州市自然资源和规划局", code="BENCH")
    handler = get_wsgi_application()
    factory = RequestFactory()
    csrf = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(32))
    text = "窗口办理不动产登记拖了一个月还没办好，多次询问无人答复"

    def environs(side: str, n: int) -> list[dict]:
        """n ready WSGI environs (bodies encoded, CAPTCHAs drawn) for one side, made before timing."""
        out = []
        for _ in range(n):
            if side == "bare":
                req = factory.post("/bench/bare/", {"category": "slow", "subject_unit": unit.pk, "description": text})
            elif side == "receipt":  # the cookie the form's 303 sets (a receipt of the same shape)
                now = timezone.now().isoformat()
                receipt = signing.dumps([f"TS{secrets.randbelow(10**14):014d}", "ABCDEFGH", secrets.token_urlsafe(16),
                                         now, now], salt=accountability_views.RECEIPT_SALT)
                req = factory.get("/accountability/public/complaint/filed/",
                                  HTTP_COOKIE=f"{accountability_views.RECEIPT_COOKIE}={receipt}")
            else:
                key = captcha_new()["captcha_id"]
                answer = CaptchaStore.objects.get(hashkey=key).response
                if side == "api":
                    body = {"category": "slow", "subject_unit": unit.pk, "description": text, "captcha_id": key,
                            "captcha_answer": answer, "is_anonymous": True}
                    req = factory.post("/api/v1/public/complaints/", json.dumps(body), content_type="application/json")
                else:  # the browser's CSRF cookie and the form's token, as after GET of the form
                    req = factory.post("/accountability/public/complaint/", {
                        "category": "slow", "subject_unit": unit.name, "description": text, "place": "政务中心",
                        "is_anonymous": "on", "captcha_id": key, "captcha_answer": answer, "csrfmiddlewaretoken": csrf},
                        HTTP_COOKIE=f"csrftoken={csrf}")
            out.append(req.environ)
        return out

    expected = {"bare": "201", "api": "201", "form": "303", "receipt": "200"}

    def call(side: str, environ: dict) -> None:
        status = []
        body = handler(environ, lambda s, headers, exc_info=None: status.append(s))
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        if not status[0].startswith(expected[side]):
            raise SystemExit(f"{side}: {status[0]}")

    def timed(side: str) -> float:
        batch = environs(side, args.n)
        t = time.perf_counter()
        for environ in batch:
            call(side, environ)
        return (time.perf_counter() - t) / args.n

    sides = ["form", "api", "bare", "receipt"]
    for side in sides:  # warm: imports, templates, the calendar index, the rule
        for environ in environs(side, 5):
            call(side, environ)
    for side in sides:
        environ = environs(side, 1)[0]
        with CaptureQueriesContext(connection) as ctx:
            call(side, environ)
        from efficiency.rls import without_scope

        sql = [without_scope(q["sql"]).split()[0] for q in ctx.captured_queries]
        print(f"{side}: {len(sql)} statements per request ({', '.join(sql)})")
    if args.statements:
        _statement_times(args, sides, environs, call)
        return
    if args.profile:
        import cProfile
        import pstats

        batch = environs(args.profile, args.n)
        profile = cProfile.Profile()
        profile.enable()
        for environ in batch:
            call(args.profile, environ)
        profile.disable()
        pstats.Stats(profile).sort_stats(args.sort).print_stats(60)
        return

    ratios: dict[str, list[float]] = {"form": [], "api": [], "and_receipt": []}
    print(f"{args.rounds} rounds of {args.n} requests per side; ms per request; ratio = ours / bare")
    for r in range(args.rounds):
        order = sides[r % len(sides):] + sides[:r % len(sides)]
        ms = {side: timed(side) * 1000 for side in order}
        ms["and_receipt"] = ms["form"] + ms["receipt"]
        for side in ratios:
            ratios[side].append(ms[side] / ms["bare"])
        print(f"round {r + 1} ({' → '.join(order)}): form {ms['form']:.2f} ms  api {ms['api']:.2f} ms  "
              f"receipt {ms['receipt']:.2f} ms  bare {ms['bare']:.2f} ms  form/bare {ms['form'] / ms['bare']:.2f}  "
              f"api/bare {ms['api'] / ms['bare']:.2f}  (form+receipt)/bare {ms['and_receipt'] / ms['bare']:.2f}")
    print(f"complaints in the table: {Complaint.objects.count():,}")
    print(f"RATIO complaint_post {statistics.median(ratios['form']):.2f}")
    print(f"RATIO complaint_post_api {statistics.median(ratios['api']):.2f}")
    print(f"RATIO complaint_post_and_receipt {statistics.median(ratios['and_receipt']):.2f}")


def _statement_times(args, sides, environs, call) -> None:
    """Where a request's time goes: each statement's mean time (its round trip included), the
    commit, and the rest (Python, the cache's round trip), per side."""
    from django.db import connection

    for side in sides:
        batch = environs(side, args.n)
        spent: dict[str, list[float]] = {}

        def timer(execute, sql, params, many, context):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent.setdefault(" ".join(sql.split())[:90], []).append(time.perf_counter() - t)

        commits: list[float] = []
        real_commit = connection._commit

        def commit():
            t = time.perf_counter()
            real_commit()
            commits.append(time.perf_counter() - t)

        connection._commit = commit
        t = time.perf_counter()
        with connection.execute_wrapper(timer):
            for environ in batch:
                call(side, environ)
        total = (time.perf_counter() - t) / args.n * 1000
        del connection._commit
        print(f"{side}: {total:.2f} ms per request")
        in_sql = 0.0
        for sql, times in spent.items():
            ms = sum(times) / args.n * 1000
            in_sql += ms
            print(f"  {ms:6.2f} ms  x{len(times) / args.n:.0f}  {sql}")
        commit_ms = sum(commits) / args.n * 1000
        print(f"  {commit_ms:6.2f} ms  COMMIT\n  {total - in_sql - commit_ms:6.2f} ms  the rest (Python, the cache)")


if __name__ == "__main__":
    main()
