"""Helpers for the ledger tests (efficiency.listing): read an export back, copy a row many
times for a second page, the total a list page shows."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook


def read_xlsx(response) -> list[list]:
    """The export's rows as openpyxl reads them back (the header first)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def column(rows: list[list], header: str) -> list:
    i = rows[0].index(header)
    return [r[i] for r in rows[1:]]


def total(html: str) -> int:
    """The total the list shows (`_list_controls.html`)."""
    return int(re.search(r'class="list-total" data-total="(\d+)"', html).group(1))


def copies(obj, n: int, **fields):
    """`n` copies of a model row (`fields`' callables take the copy's index): the rows a second
    page needs, without running the services n times."""
    model, made = type(obj), []
    for i in range(n):
        values = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields if not f.primary_key}
        values.update({k: v(i) if callable(v) else v for k, v in fields.items()})
        made.append(model(**values))
    return model.objects.bulk_create(made)
