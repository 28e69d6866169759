"""Runs one gaming detector as the core's runner will (`efficiency.gaming`): its SELECT inside
`WITH wd AS (…), found AS (<select>)`, the calendar from start − 400 days to end + 31 days.
Until the runner lands (branch i-gaming) the app detectors' tests call this; at the merge it
points at the runner."""

from __future__ import annotations

import json
from datetime import timedelta

from django.db import connection

from efficiency import registry
from efficiency.gaming import FINDING_COLUMNS, workday_cte
from efficiency.workdays import local_date


def detector_statement(code: str, th: dict | None, start, end) -> tuple[str, list]:
    det = {d.code: d for d in registry.gaming_detectors()}[code]
    values = {name: default for name, (default, _label) in det.thresholds.items()}
    values.update(th or {})
    wd_sql, wd_params = workday_cte(local_date(start) - timedelta(days=400), local_date(end) + timedelta(days=31))
    sql, params = det.sql(values, start, end)
    return (f"WITH {wd_sql}, found AS ({sql}) SELECT {', '.join(FINDING_COLUMNS)} FROM found ORDER BY key",
            [*wd_params, *params])


def run_detector(code: str, th: dict | None, start, end) -> list[dict]:
    sql, params = detector_statement(code, th, start, end)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        cols = [c.name for c in cur.description]
        rows = [dict(zip(cols, row)) for row in cur.fetchall()]
    for row in rows:  # a raw cursor may hand jsonb back as text
        if isinstance(row["figures"], str):
            row["figures"] = json.loads(row["figures"])
    return rows
