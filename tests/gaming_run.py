"""Runs one gaming detector's SELECT under the runner's own head (`efficiency.gaming.found_cte`:
`WITH wd AS (…), found AS (<select>)`) and returns its rows, without writing findings — the app
detectors' tests read the figures and evidence a finding would get."""

from __future__ import annotations

import json
from django.db import connection

from efficiency import registry
from efficiency.gaming import FINDING_COLUMNS, found_cte, threshold_values


def detector_statement(code: str, th: dict | None, start, end) -> tuple[str, list]:
    det = registry.gaming_detector(code)
    head, params = found_cte(det, threshold_values(det, th), start, end)
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
