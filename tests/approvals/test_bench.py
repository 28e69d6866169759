"""Measures the deemed-approval sweep: `BENCH=1 pytest -q -s tests/approvals/test_bench.py`
(BENCH_N=2000 applications by default; BENCH_SOLO=1 switches other apps' event subscribers off)."""

import os
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from approvals.models import Application, Status
from efficiency.models import Event
from efficiency.sweep import sweep

from .helpers import MONDAY, make_item, receive

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not os.environ.get("BENCH"), reason="benchmark: BENCH=1 to run")]

N = int(os.environ.get("BENCH_N", "2000"))


def test_deemed_approval_sweep_of_many_applications(org, monkeypatch):  # R17
    item = make_item(org, deemed=True)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
    fields = {f.attname: getattr(app, f.attname) for f in Application._meta.concrete_fields if not f.primary_key}
    clones = [Application(**{**fields, "receipt_number": f"B{i:08d}"}) for i in range(N - 1)]
    Application.objects.bulk_create(clones, batch_size=1000)
    moment = app.due_at + timedelta(minutes=1)
    if os.environ.get("BENCH_SOLO"):
        # This app's share only: other apps' subscribers (accountability's case_propose) off.
        from collections import defaultdict

        from efficiency import registry

        monkeypatch.setattr(registry, "_subscribers", defaultdict(list))
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(1)
        return execute(sql, params, many, context)

    with time_machine.travel(moment, tick=False), connection.execute_wrapper(count):
        started = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            cProfile.runctx("sweep(now=moment)", globals(), {"moment": moment}, "/tmp/appr_sweep.prof")
            pstats.Stats("/tmp/appr_sweep.prof").sort_stats("cumulative").print_stats(40)
        else:
            sweep(now=moment)
        elapsed = time.perf_counter() - started
    again_started = time.perf_counter()
    with time_machine.travel(moment, tick=False):
        sweep(now=moment + timedelta(minutes=1))
    again = time.perf_counter() - again_started
    assert Application.objects.filter(status=Status.DEEMED_APPROVED).count() == N
    assert Event.objects.filter(kind="approvals.deemed_approved").count() == N
    assert Event.objects.filter(kind="accountability.propose", payload__source="deemed_approval").count() == N
    print(f"\nBENCH deemed approval: {N} applications in {elapsed:.2f} s "
          f"({1000 * elapsed / N:.2f} ms each, {len(queries)} queries, {len(queries) / N:.1f} per application); "
          f"second sweep {1000 * again:.0f} ms, 0 new notices")
