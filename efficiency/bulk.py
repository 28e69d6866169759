"""Bulk inserts of plain column arrays: one `INSERT … SELECT … FROM unnest(…)` per batch.

Django's `bulk_create` prepares every field of every row through the field's machinery (a case
has ~70 fields, so a batch of 1,000 cases is 70,000 preparations) — that, not the database, was
most of a sweep handler's time. Here each column is prepared once when all the rows share its
value (the defaults of the clock fields, a batch's constant texts) and per row otherwise, and
the ids come back from RETURNING in the order of the arrays.
"""

from __future__ import annotations

import functools

from django.db import connection


def _prepared(field, values: list) -> list:
    first = values[0]
    if all(v is first or v == first for v in values):
        return [field.get_db_prep_save(first, connection)] * len(values)
    return [field.get_db_prep_save(v, connection) for v in values]


def values_insert(model, rows: list[dict], *, computed: dict[str, str] | None = None) -> list[tuple]:
    """INSERT `rows` ({attname: value} each) of `model` in one statement, without building a model
    instance (a case's ~70 fields made its `__init__` the larger part of a proposal batch): a
    field no row names takes its default, computed once for the batch. `computed`: column → SQL
    expression over `id` (the new row's key, drawn from the table's sequence in the same
    statement), for a column whose value derives from the key — a case number — so that no
    second UPDATE is needed. Returns (key, *computed values) per row, in the rows' order."""
    if not rows:
        return []
    from django.utils import timezone

    columns = {}
    for f in _fields(model, computed):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            default = timezone.now()
        elif any(f.attname in row for row in rows):
            columns[f] = [row[f.attname] if f.attname in row else f.get_default() for row in rows]
            continue
        else:
            default = f.get_default()
        columns[f] = [default] * len(rows)
    return _insert(model, columns, computed or {})


def _fields(model, computed) -> list:
    pk = model._meta.pk
    return [f for f in model._meta.concrete_fields
            if f is not pk and not f.generated and f.column not in (computed or {})]


def _insert(model, columns: dict, computed: dict[str, str]) -> list[tuple]:
    meta, q = model._meta, connection.ops.quote_name
    pk = meta.pk
    arrays = [_prepared(f, values) for f, values in columns.items()]
    casts = [f"%s::{f.cast_db_type(connection)}[]" for f in columns]
    names = [f"c{i}" for i in range(len(columns))]
    names_sql = ", ".join([q(pk.column), *(q(f.column) for f in columns), *(q(c) for c in computed)])
    selects = ", ".join(["id", *names, *(f"({expr})" for expr in computed.values())])
    sql = (f"INSERT INTO {q(meta.db_table)} ({names_sql}) SELECT {selects} FROM "
           f"(SELECT nextval(pg_get_serial_sequence(%s, %s)) AS id, v.* "
           f"FROM unnest({', '.join(casts)}) AS v({', '.join(names)})) AS r "
           f"RETURNING {q(pk.column)}{''.join(', ' + q(c) for c in computed)}")
    with connection.cursor() as cur:
        cur.execute(sql, [meta.db_table, pk.column, *arrays])
        return sorted(cur.fetchall())  # the keys were drawn in the arrays' order


def row_insert_select(obj, *, source: str, where: str = "TRUE",
                      computed: dict[str, tuple[str, list]] | None = None) -> tuple[str, list]:
    """The INSERT of one unsaved model instance as `INSERT … SELECT <its values> FROM <source>
    WHERE <where> RETURNING *`, for a writable CTE (`efficiency.events.write_with`):
    the row is written only if `source` (another CTE, a table) yields a row and `where` holds.
    `computed`: column → (SQL expression over `source`, its parameters), in place of the
    instance's value (a foreign key looked up in the same statement). The values are prepared
    as `Model.save` prepares them (`pre_save`: auto_now_add stamps the instance); a generated column
    (`GeneratedField`) is PostgreSQL's to compute."""
    computed = computed or {}
    columns, exprs, params = [], [], []
    for f, column, placeholder in _row_columns(type(obj)):
        columns.append(column)
        if f.column in computed:
            expr, expr_params = computed[f.column]
            exprs.append(f"({expr})")
            params += expr_params
        else:
            exprs.append(placeholder)
            params.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
    return (f"INSERT INTO {connection.ops.quote_name(obj._meta.db_table)} ({', '.join(columns)}) "
            f"SELECT {', '.join(exprs)} FROM {source} WHERE {where} RETURNING *"), params


@functools.cache
def _row_columns(model) -> tuple[tuple, ...]:
    """(field, quoted column, typed placeholder) of the model's columns but its key, once per
    process: the casts took a third of a complaint POST's Python when computed per request."""
    q = connection.ops.quote_name
    return tuple((f, q(f.column), f"%s::{f.cast_db_type(connection)}")
                 for f in model._meta.concrete_fields if not (f.primary_key or f.generated))


def insert_select(model, columns: dict[str, str], from_sql: str, params: list, *,
                  computed: dict[str, str] | None = None, conflict: str = "",
                  returning: tuple[str, ...] = ()) -> list[tuple]:
    """Run `insert_select_sql`: the key and the `returning` columns of each row inserted."""
    sql, all_params = insert_select_sql(model, columns, from_sql, params, computed=computed, conflict=conflict,
                                        returning=returning)
    with connection.cursor() as cur:
        cur.execute(sql, all_params)
        return sorted(cur.fetchall())  # the keys were drawn in the query's order


def insert_select_sql(model, columns: dict[str, str], from_sql: str, params: list, *,
                      computed: dict[str, str] | None = None, conflict: str = "",
                      returning: tuple[str, ...] = ()) -> tuple[str, list]:
    """INSERT … SELECT: the rows of `model` made in the database from a query of the caller's,
    no row through Python. `columns`: attname → SQL expression over `from_sql` (which starts
    with FROM); `params` fill the placeholders of the expressions, in order, then those of
    `from_sql`. Every other field takes its default, computed once and sent as one scalar (not
    an array per row). `computed` as in
    `values_insert`: column → SQL expression over `id`, the key drawn from the table's sequence
    in the same statement. `conflict`: an ON CONFLICT clause (a concurrent writer got there
    first). Returns the statement and its parameters (a caller may put it in a WITH), which
    return the key and the `returning` columns of each row inserted."""
    from django.utils import timezone

    meta, q = model._meta, connection.ops.quote_name
    pk = meta.pk
    fields = {f.attname: f for f in _fields(model, computed)}
    given = [fields[name] for name in columns]  # in the order of `columns`, as their placeholders
    defaults = [f for name, f in fields.items() if name not in columns]
    now = timezone.now()
    default_params = [f.get_db_prep_save(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                                         else f.get_default(), connection) for f in defaults]
    names = [q(pk.column), *(q(f.column) for f in given), *(q(f.column) for f in defaults),
             *(q(c) for c in (computed or {}))]
    inner = ", ".join([f"nextval(pg_get_serial_sequence(%s, %s)) AS id",
                       *(f"({columns[f.attname]}) AS c{i}" for i, f in enumerate(given))])
    outer = ", ".join(["id", *(f"c{i}" for i in range(len(given))),
                       *(f"%s::{f.cast_db_type(connection)}" for f in defaults),
                       *(f"({expr})" for expr in (computed or {}).values())])
    sql = (f"INSERT INTO {q(meta.db_table)} ({', '.join(names)}) SELECT {outer} FROM "
           f"(SELECT {inner} {from_sql}) AS r {conflict} "
           f"RETURNING {', '.join([q(pk.column), *(q(c) for c in returning)])}")
    return sql, [*default_params, meta.db_table, pk.column, *params]
