"""Bulk inserts of plain column arrays: one `INSERT … SELECT … FROM unnest(…)` per batch.

Django's `bulk_create` prepares every field of every row through the field's machinery (a case
has ~70 fields, so a batch of 1,000 cases is 70,000 preparations) — that, not the database, was
most of a sweep handler's time. Here each column is prepared once when all the rows share its
value (the defaults of the clock fields, a batch's constant texts) and per row otherwise, and
the ids come back from RETURNING in the order of the arrays.
"""

from __future__ import annotations

from django.db import connection


def _prepared(field, values: list) -> list:
    first = values[0]
    if all(v is first or v == first for v in values):
        return [field.get_db_prep_save(first, connection)] * len(values)
    return [field.get_db_prep_save(v, connection) for v in values]


def rows_insert(model, objs: list, *, computed: dict[str, str] | None = None) -> list:
    """INSERT `objs` (unsaved instances of `model`) in one statement and set their primary keys.
    `computed`: column → SQL expression over `id` (the new row's key, taken from the table's
    sequence in the same statement), for a column whose value derives from the key — e.g. a
    case number — so that no second UPDATE is needed; the value is set on the instances too."""
    if not objs:
        return objs
    meta, q = model._meta, connection.ops.quote_name
    computed = computed or {}
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if f is not pk and f.column not in computed]
    arrays, casts = [], []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            values = [f.pre_save(o, True) for o in objs]
        else:
            values = [getattr(o, f.attname) for o in objs]
        arrays.append(_prepared(f, values))
        casts.append(f"%s::{f.cast_db_type(connection)}[]")
    names = [f"c{i}" for i in range(len(fields))]
    table = q(meta.db_table)
    columns = ", ".join([q(pk.column), *(q(f.column) for f in fields), *(q(c) for c in computed)])
    selects = ", ".join(["id", *names, *(f"({expr})" for expr in computed.values())])
    sql = (f"INSERT INTO {table} ({columns}) SELECT {selects} FROM "
           f"(SELECT nextval(pg_get_serial_sequence(%s, %s)) AS id, v.* "
           f"FROM unnest({', '.join(casts)}) AS v({', '.join(names)})) AS r "
           f"RETURNING {q(pk.column)}{''.join(', ' + q(c) for c in computed)}")
    with connection.cursor() as cur:
        cur.execute(sql, [meta.db_table, pk.column, *arrays])
        rows = sorted(cur.fetchall())  # the keys were drawn in the arrays' order
    attnames = {f.column: f.attname for f in meta.concrete_fields}
    for obj, row in zip(objs, rows):
        obj.pk = row[0]
        for column, value in zip(computed, row[1:]):
            setattr(obj, attnames[column], value)
        obj._state.adding, obj._state.db = False, connection.alias
    return objs
