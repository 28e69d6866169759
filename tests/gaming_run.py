"""Runs one gaming detector's SELECT under the runner's own head (`efficiency.gaming.found_cte`:
`WITH wd AS (…), found AS (<select>)`) and returns its rows, without writing findings — the app
detectors' tests read the figures and evidence a finding would get."""

from __future__ import annotations

import json
from django.db import connection

from efficiency import registry
from efficiency.gaming import FINDING_COLUMNS, found_cte


def detector_statement(code: str, th: dict | None, start, end) -> tuple[str, list]:
    det = {d.code: d for d in registry.gaming_detectors()}[code]
    values = {name: default for name, (default, _label) in det.thresholds.items()}
    values.update(th or {})
    head, params = found_cte(det, values, start, end)
    return f"{head} SELECT {', '.join(FINDING_COLUMNS)} FROM found ORDER BY key", params


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
