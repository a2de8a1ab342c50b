"""CSV exports written by PostgreSQL itself (``COPY (SELECT …) TO STDOUT WITH CSV``).

The Python writer (:func:`apps.core.api.exports.csv_lines`) spends most of its time on work per
cell: converting, neutralising formulas, quoting. On PostgreSQL the same cells are computed by
the SELECT and written by ``COPY``, several times faster and in constant memory. Each conversion
of :mod:`apps.core.api.exports` carries its SQL form (``convert.sql``, built with the functions
below), and an export whose every column has one is written this way; any other export, and any
other database, goes through the Python writer.

The content is the Python writer's (tests/api/test_sql_csv.py reads both with a CSV reader and
compares them, cell by cell); the bytes differ only in that lines end with ``\\n`` (PostgreSQL's)
rather than ``\\r\\n``, and in quoting an empty text as ``""``: every CSV reader reads the same.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Generator

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, Func, Value
from django.db.models.fields import TextField

from apps.core.spreadsheets import FORMULA_PREFIXES


class _Text(Func):
    output_field = TextField()


# --- The SQL forms of the conversions ------------------------------------------------------------
def neutralised(expression):
    """:func:`apps.core.spreadsheets.neutralise_formula`: an apostrophe before text that starts
    like a formula (the value is read once: it may be an expression with parameters)."""
    characters = "".join(prefix for prefix in FORMULA_PREFIXES if prefix != "-") + "-"
    return _Text(expression, Value(f"^([{characters}])"), Value("'\\1"), function="regexp_replace")


def iso(expression, column):
    """:func:`apps.core.api.exports.iso`: a date, or an aware date-time in UTC with its
    microseconds only when there are some."""
    if column.type == "date-time":
        return _Text(
            expression,
            template=(
                "regexp_replace(to_char(%(expressions)s AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '\\.000000$', '') || '+00:00'"
            ),
        )
    return _Text(expression, template="to_char(%(expressions)s, 'YYYY-MM-DD')")


def yes_if_set(expression, column):
    """``yes``/``no`` for a value that is there or not (:func:`exports.is_set` in CSV)."""
    return _Text(expression, template="CASE WHEN %(expressions)s IS NULL THEN 'no' ELSE 'yes' END")


def yes_no(expression):
    """A boolean column as CSV writes it (``yes``, ``no``, empty)."""
    return _Text(
        expression, template="CASE %(expressions)s WHEN true THEN 'yes' WHEN false THEN 'no' END"
    )


def reference(prefix: str) -> Callable:
    """``SYS-0042`` (:meth:`ReferenceMixin.format_reference`): four digits at least."""

    def build(expression, column):
        return _Text(
            expression,
            template=(
                f"'{prefix}-' || lpad(%(expressions)s::text, "
                "greatest(4, length(%(expressions)s::text)), '0')"
            ),
        )

    return build


def labels(mapping: dict) -> Callable:
    """A value replaced by its label, or left as it is (``labels.get(value, value)``)."""
    pairs = [(key, str(label)) for key, label in mapping.items() if key not in (None, "")]

    def build(expression, column):
        return _Labels(expression, pairs)

    return build


class _Labels(Func):
    """``CASE (value) WHEN key THEN label … ELSE (value)::text END``."""

    output_field = TextField()

    def __init__(self, expression, pairs):
        self.pairs = pairs
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra):
        value_sql, value_params = compiler.compile(self.source_expressions[0])
        whens = " ".join("WHEN %s THEN %s" for _ in self.pairs)
        params = [item for pair in self.pairs for item in pair]
        sql = f"CASE ({value_sql}) {whens} ELSE ({value_sql})::text END"
        return sql, [*value_params, *params, *value_params]


# --- The export ----------------------------------------------------------------------------------
def column_expression(column):
    """The SQL that writes ``column``'s CSV cell, or ``None`` if its conversion has no SQL form."""
    value = F(column.source)
    convert = column.convert
    if convert is not None:
        build = getattr(convert, "sql", None)
        if build is None:
            return None
        value = build(value, column)
        if getattr(convert, "formula_safe", False) or column.type != "string":
            return value
        return neutralised(value)
    if column.type == "string":
        return neutralised(value)
    if column.type == "boolean":
        return yes_no(value)
    return value  # numbers


def copy_select(exporter, queryset) -> str | None:
    """The export's SELECT, every value already its CSV cell, as SQL text; ``None`` unless the
    database is PostgreSQL and every column has an SQL form."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    expressions = [column_expression(column) for column in exporter.columns]
    if any(expression is None for expression in expressions):
        return None
    names = [f"_csv_{index}" for index in range(len(expressions))]
    select = queryset.annotate(**dict(zip(names, expressions, strict=True))).values_list(*names)
    try:
        sql, params = select.query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:  # nothing can match (e.g. someone in no team): the header alone
        return None
    import psycopg  # PostgreSQL only

    connection.ensure_connection()
    return psycopg.ClientCursor(connection.connection).mogrify(sql, params)


# COPY sends a message per row; the rows go out in blocks of about this many bytes.
BLOCK_BYTES = 64 * 1024


def copy_csv(
    exporter, select: str, *, using: str = DEFAULT_DB_ALIAS
) -> Generator[str | bytes, None, int]:
    """The CSV: a BOM and the header, then what PostgreSQL's COPY writes, in blocks of about
    :data:`BLOCK_BYTES`, on the connection of ``using`` (the queryset's database). Returns the
    number of rows PostgreSQL wrote (its ``COPY n``).

    ``COPY`` is one statement, in its own transaction: right behind a pooler in transaction
    mode too (the SELECT's values are in its text, no prepared statement)."""
    connection = connections[using]
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(exporter.header())
    yield "\ufeff" + header.getvalue()  # BOM: spreadsheets then read UTF-8
    buffer = bytearray()
    # psycopg's errors as Django's (a connection lost mid-export is a DatabaseError, and the
    # connection is marked for closing), as for every other query.
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                buffer += block
                if len(buffer) >= BLOCK_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
        rows = cursor.cursor.rowcount
    if buffer:
        yield bytes(buffer)
    return rows
