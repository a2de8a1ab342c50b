"""Set-based writes of many rows, for jobs that write tens of thousands at once (the sweep).

``bulk_create`` makes a model instance per row and prepares every value through its field: about
fifty microseconds a row, the better part of a sweep that writes hundreds of thousands of
reminders. :func:`insert_rows` sends plain tuples in multi-row ``INSERT`` statements instead,
the values already what the database stores (ints, strings, dates, aware datetimes, ``None``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models

ROWS_PER_STATEMENT = 1000
ARRAY_ROWS_PER_STATEMENT = 10_000


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence],
    *,
    ignore_conflicts: bool = False,
) -> int:
    """Insert ``rows`` (tuples in the order of ``fields``, attribute names) into ``model``'s
    table; with ``ignore_conflicts`` a row that breaks a unique constraint is skipped. Returns how
    many rows were inserted."""
    rows = list(rows)
    if not rows:
        return 0
    meta = model._meta
    quote = connection.ops.quote_name
    model_fields = [meta.get_field(name) for name in fields]
    columns = [field.column for field in model_fields]
    # Dates and times as the backend stores them (SQLite: naive UTC text); the rest as is.
    prepare = [
        field.get_db_prep_save if isinstance(field, models.DateField) else None
        for field in model_fields
    ]
    if any(prepare):
        rows = [
            [p(value, connection) if p else value for p, value in zip(prepare, row, strict=True)]
            for row in rows
        ]
    table = f"{quote(meta.db_table)} ({', '.join(map(quote, columns))})"
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    inserted = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement per batch, each column one array parameter: the query text does not
            # grow with the rows, and PostgreSQL inserts the set in one go.
            arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in model_fields)
            sql = f"INSERT INTO {table} SELECT * FROM unnest({arrays}){conflict}"  # noqa: S608
            for start in range(0, len(rows), ARRAY_ROWS_PER_STATEMENT):
                chunk = rows[start : start + ARRAY_ROWS_PER_STATEMENT]
                cursor.execute(sql, [list(column) for column in zip(*chunk, strict=True)])
                inserted += max(cursor.rowcount, 0)
            return inserted
        per_statement = max(
            1, min(ROWS_PER_STATEMENT, connection.ops.bulk_batch_size(list(fields), rows))
        )
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join([placeholders] * len(chunk))
            # Names from the model, quoted; the values are parameters.
            sql = f"INSERT INTO {table} VALUES {values}{conflict}"  # noqa: S608
            cursor.execute(sql, [value for row in chunk for value in row])
            inserted += max(cursor.rowcount, 0)
    return inserted
