"""Streamed exports of a filtered register: CSV, JSON and XLSX from one list of columns.

An app describes an export once, as an :class:`Exporter` — its FilterSet, the queryset of what a
person may see, and its :class:`Column` s (name, database lookup, description, conversion) — and
gets ``/api/v1/exports/<name>.csv``, ``.json`` and ``.xlsx``:

* rows are read with ``values_list(...)`` in chunks (:func:`apps.core.db.stream_rows`: a
  server-side cursor, behind a pooler in transaction mode too): never a model instance, never
  the whole table in memory;
* CSV and JSON are produced chunk by chunk into a ``StreamingHttpResponse``;
* XLSX is written row by row by openpyxl's write-only workbook into a temporary file (the sheet
  XML goes to disk as it grows; strings are written inline), which is then streamed;
* dates and times are ISO 8601, levels are words, booleans ``yes``/``no`` in CSV and real
  booleans in JSON and XLSX;
* text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``…) is neutralised
  with a leading apostrophe in CSV and XLSX (never in JSON, which no spreadsheet evaluates);
  characters that XLSX cannot hold are dropped;
* a cell of several values (a risk's mitigations) is one text, the values joined with ``; ``,
  computed by the database in the same query (:class:`JoinedText`), never a query per row;
* a CSV ends with a trailer line, ``# end: 1234 rows, sha256 <hex>`` (:func:`sealed_csv`): a
  file cut short (a dropped database connection, a lost network) lacks it and is seen to be
  incomplete; a cut JSON export does not parse (its closing ``]`` comes last).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import logging
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import DatabaseError, connections
from django.db.models import Case, F, Func, QuerySet, Subquery, TextField, Value, When
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from apps.core import db
from apps.core.api import sql_csv
from apps.core.models import Level
from apps.core.spreadsheets import neutralise_formula

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2000
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- Conversions shared by exporters --------------------------------------------------------------
def iso(value) -> str | None:
    """A date or an aware date-time as ISO 8601 (date-times in UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    return value.isoformat()


iso.sql = sql_csv.iso  # each conversion's SQL form, for CSV written by PostgreSQL (sql_csv)


def local_date(value):
    """A date as it is, and a date-time in local time without its offset: a spreadsheet's own
    dates (Excel has no time zones), for the columns :func:`iso` writes as text."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


class UTCText(Func):
    """PostgreSQL: a date-time as text in UTC, ``2026-03-04T05:06:07.120000`` (whatever the
    session's DateStyle or time zone)."""

    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    output_field = TextField()


def iso_from_utc_text(text: str | None) -> str | None:
    """:func:`iso` of a date-time read as :class:`UTCText`: the same string, without parsing a
    datetime (which costs more than everything else an export does with a row)."""
    if text is None:
        return None
    if text.endswith(".000000"):
        text = text[:-7]
    return text + "+00:00"


_LEVEL_WORDS = {level.value: level.label for level in Level}


def level_word(value) -> str | None:
    return _LEVEL_WORDS[value] if value is not None else None


# Text that this module writes itself (a level, a reference) never starts like a formula.
level_word.formula_safe = True
level_word.sql = sql_csv.labels(_LEVEL_WORDS)


def is_set(value) -> bool:
    return value is not None


is_set.sql = sql_csv.yes_if_set


def reference(model) -> Callable[[int | None], str | None]:
    def convert(pk):
        return model.format_reference(pk) if pk is not None else None

    convert.formula_safe = True
    convert.sql = sql_csv.reference(model.REFERENCE_PREFIX)
    return convert


def choice_label(choices) -> Callable[[Any], str | None]:
    labels = dict(choices)

    def convert(value):
        return str(labels.get(value, value)) if value not in (None, "") else value

    convert.sql = sql_csv.labels(labels)
    return convert


def references(model) -> Callable[[str | None], str]:
    """Space-separated primary keys (from :func:`joined_ids`) as references, in order."""

    def convert(ids):
        return " ".join(
            model.format_reference(int(pk)) for pk in sorted((ids or "").split(), key=int)
        )

    return convert


def joined_ids(through, owner_field: str, target_field: str):
    """For each exported row, the ids of a many-to-many's targets as one space-separated
    string, computed by the database in the same query (a subquery, no per-row query)."""
    from django.db import connection
    from django.db.models import Aggregate, CharField, OuterRef, Subquery, Value
    from django.db.models.functions import Cast, Coalesce

    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import StringAgg

        aggregate = StringAgg(Cast(target_field, CharField()), delimiter=" ")
    else:

        class GroupConcat(Aggregate):
            function = "GROUP_CONCAT"
            template = "%(function)s(%(expressions)s, ' ')"

        aggregate = GroupConcat(target_field, output_field=CharField())
    ids = (
        through.objects.filter(**{owner_field: OuterRef("pk")})
        .order_by()
        .values(owner_field)
        .annotate(ids=aggregate)
        .values("ids")
    )
    return Coalesce(Subquery(ids, output_field=CharField()), Value(""))


# --- Cells of several values, computed by the database -------------------------------------------
SEPARATOR = "; "


class JoinedText(Func):
    """The values of a one-column subquery (``.values(_cell=…)``), in its order, as one text
    joined by ``; `` (an empty text when there are none).

    A correlated subquery of the export's own query: the database fills the cell of every row
    as it reads it, with no query per row (and, on PostgreSQL, inside the SELECT that ``COPY``
    writes). The subquery's ``_cell`` is text the database has already formatted
    (:class:`ReferenceText`, :func:`labelled`, :class:`DateText`, ``Concat``).
    """

    output_field = TextField()

    def __init__(self, queryset, separator: str = SEPARATOR):
        super().__init__(Subquery(queryset))
        self.separator = separator

    def as_sql(self, compiler, connection, **extra):
        # SQLite: group_concat over the ordered subquery (SQLite keeps its order).
        sql, params = compiler.compile(self.source_expressions[0])
        template = "COALESCE((SELECT group_concat(_joined._cell, %s) FROM {} _joined), '')"
        return template.format(sql), (self.separator, *params)

    def as_postgresql(self, compiler, connection, **extra):
        # ARRAY(subquery) keeps the subquery's order; an empty array joins to ''.
        sql, params = compiler.compile(self.source_expressions[0])
        return f"array_to_string(ARRAY{sql}, %s)", (*params, self.separator)


class ReferenceText(Func):
    """A reference (``MTG-0311``, as :meth:`ReferenceMixin.format_reference` writes it: four
    digits at least) computed by the database from a primary key."""

    output_field = TextField()

    def __init__(self, prefix: str, expression):
        super().__init__(expression)
        self.prefix = f"{prefix}-"

    def as_sql(self, compiler, connection, **extra):  # SQLite
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(%s || printf('%%04d', {sql}))", (self.prefix, *params)

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(%s || lpad(({sql})::text, greatest(4, length(({sql})::text)), '0'))",
            (self.prefix, *params, *params),
        )


class DateText(Func):
    """A date as ISO 8601 text (``2026-09-30``), computed by the database."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra):  # SQLite stores dates as this very text
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST({sql} AS TEXT)", params

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char({sql}, 'YYYY-MM-DD')", params


def labelled(field: str, labels: dict) -> Case:
    """A stored choice as its label, computed by the database (the value itself if unknown)."""
    return Case(
        *[When(**{field: value}, then=Value(str(label))) for value, label in labels.items()],
        default=F(field),
        output_field=TextField(),
    )


@dataclass(frozen=True)
class Column:
    name: str
    source: str
    description: str
    convert: Callable[[Any], Any] | None = None
    # string, integer, boolean, date, date-time; or json: a list or an object, as it is in JSON
    # and as JSON text in CSV and XLSX.
    type: str = "string"


class Exporter:
    """One exportable register. Subclasses set the class attributes and ``get_queryset``."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    filterset_class: ClassVar[type | None] = None
    columns: ClassVar[list[Column]] = []
    formats: ClassVar[tuple[str, ...]] = tuple(FORMATS)  # the API's export URLs
    # A rule about no record (apps.core.rules) the person must pass, e.g. the audit log's;
    # ``None``: anyone signed in, who gets the rows ``get_queryset`` lets them see.
    permission_action: ClassVar[str | None] = None

    @classmethod
    def get_queryset(cls, user) -> QuerySet:
        raise NotImplementedError

    @classmethod
    def describe_columns(cls) -> str:
        """The columns as a Markdown table, for the OpenAPI description."""
        lines = ["| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.type} | {c.description} |" for c in cls.columns]
        return "\n".join(lines)

    @classmethod
    def json_item_schema(cls) -> dict:
        """The schema of one object of the JSON export (an array of them, keyed by column)."""
        types = {
            "string": {"type": "string"},
            "integer": {"type": "integer"},
            "boolean": {"type": "boolean"},
            "date": {"type": "string", "format": "date"},
            "date-time": {"type": "string", "format": "date-time"},
            "json": {},
        }
        properties = {
            c.name: {**types[c.type], "nullable": True, "description": c.description}
            for c in cls.columns
        }
        return {"type": "object", "properties": properties, "required": cls.header()}

    @classmethod
    def raw_rows(
        cls, queryset: QuerySet, chunk_size: int | None = None, *, local_dates: bool = False
    ):
        """The columns' database values, read in chunks, and the converter of each column.

        On PostgreSQL date-times are read as text (in UTC) and turned into ISO 8601 by
        :func:`iso_from_utc_text`: parsing them into datetimes cost more than everything
        else an export does with a row. With ``local_dates`` (a spreadsheet for people to
        read) the ISO 8601 columns stay dates and date-times instead (:func:`local_date`).
        """
        sources = [column.source for column in cls.columns]
        converters = [column.convert for column in cls.columns]
        if local_dates:
            converters = [local_date if convert is iso else convert for convert in converters]
        elif connections[queryset.db].vendor == "postgresql":
            as_text = {}
            for index, column in enumerate(cls.columns):
                if column.type == "date-time" and column.convert is iso:
                    as_text[f"_text_{index}"] = UTCText(column.source)
                    sources[index] = f"_text_{index}"
                    converters[index] = iso_from_utc_text
            queryset = queryset.annotate(**as_text)
        rows = db.stream_rows(queryset.values_list(*sources), chunk_size or CHUNK_SIZE)
        return rows, converters

    @classmethod
    def rows(
        cls, queryset: QuerySet, chunk_size: int | None = None, *, local_dates: bool = False
    ) -> Iterator[list]:
        """Each row's converted values, read from the database in chunks."""
        raw_rows, converters = cls.raw_rows(queryset, chunk_size, local_dates=local_dates)
        for raw in raw_rows:
            yield [
                convert(value) if convert is not None else value
                for convert, value in zip(converters, raw, strict=True)
            ]

    @classmethod
    def header(cls) -> list[str]:
        return [column.name for column in cls.columns]


# --- Writers --------------------------------------------------------------------------------------
class _Collect:
    """A file-like object that collects what a csv.writer writes into a list."""

    def __init__(self, into: list[str]):
        self.write = into.append


def _csv_text(value):
    return "" if value is None else neutralise_formula(value)


def _csv_boolean(value):
    return "" if value is None else ("yes" if value else "no")


def _json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _csv_json(value):
    return "" if value is None else neutralise_formula(_json_text(value))


def _csv_cell_function(column: Column):
    """How one column's values are written to CSV, chosen once per export (not per cell);
    ``None`` when the value goes as it is (numbers, and ``None`` written as an empty cell)."""
    if column.type == "boolean":
        return _csv_boolean
    if column.type == "json":
        return _csv_json
    if column.type == "string" and not getattr(column.convert, "formula_safe", False):
        return _csv_text
    return None  # numbers, dates already in ISO 8601, references and levels


def _batched(rows: Iterable[list], size: int = 500) -> Iterator[list[list]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _csv_column_function(column: Column, convert):
    """A database value of ``column`` → its CSV cell in one call (``convert``, then CSV), or
    ``None`` if the value is written as it is."""
    cell = _csv_cell_function(column)
    if convert is None or cell is None:
        return convert or cell
    return lambda value: cell(convert(value))


def csv_lines(exporter: type[Exporter], queryset: QuerySet) -> Generator[str, None, int]:
    """The CSV, a chunk of rows at a time: only the columns that need it go through a Python
    function, and each chunk is written by the csv module in one call (the per-cell Python work
    is what limits the rate). Returns the number of rows written (after the header)."""
    written: list[str] = []
    writer = csv.writer(_Collect(written))
    writer.writerow(exporter.header())
    yield "\ufeff" + written.pop()  # BOM: spreadsheets then read UTF-8
    raw_rows, converters = exporter.raw_rows(queryset)
    plan = [
        (index, function)
        for index, (column, convert) in enumerate(zip(exporter.columns, converters, strict=True))
        if (function := _csv_column_function(column, convert)) is not None
    ]
    count = 0
    for batch in _batched(raw_rows):
        rows = []
        for raw in batch:
            row = list(raw)
            for index, function in plan:
                row[index] = function(row[index])
            rows.append(row)
        writer.writerows(rows)
        count += len(rows)
        yield "".join(written)
        written.clear()
    return count


# The last line of every CSV export; a file without it was cut short (README, "Exports").
TRAILER = "# end: {rows} rows, sha256 {sha256}\n"
INTERRUPTED = (
    "# interrupted: the export stopped before its end (the database did not answer); "
    "this file is incomplete\n"
)


def sealed_csv(chunks: Generator[str | bytes, None, int]) -> Iterator[bytes]:
    """The CSV's chunks as bytes, then its trailer line, ``# end: N rows, sha256 <hex>``: N the
    rows after the header (as the writer counted them: PostgreSQL's ``COPY`` or
    :func:`csv_lines`), <hex> the SHA-256 of every byte before the trailer line, BOM and header
    included.

    The rows' number is not known in advance (a header such as ``X-Row-Count`` would cost a
    second pass, could disagree with the rows that follow, and is lost when the file is saved):
    the trailer comes after the last row and stays with the file. A stream cut short — the
    database connection dropped, the worker killed, the network lost — has no trailer. When
    the database fails mid-stream the file also gets a line that says so, and the error goes
    on to the server (which logs it and aborts the response, so that the client sees a failed
    download rather than a short file).
    """
    digest = hashlib.sha256()
    try:
        while True:
            try:
                chunk = next(chunks)
            except StopIteration as done:
                rows = done.value
                break
            if isinstance(chunk, str):
                chunk = chunk.encode()
            digest.update(chunk)
            yield chunk
    except DatabaseError:
        yield INTERRUPTED.encode()
        raise
    yield TRAILER.format(rows=rows, sha256=digest.hexdigest()).encode()


def json_chunks(exporter: type[Exporter], queryset: QuerySet) -> Iterator[str]:
    """A JSON array of objects keyed by column name, written piece by piece."""
    header = exporter.header()
    encode = json.JSONEncoder(ensure_ascii=False).encode
    yield "["
    first = True
    for batch in _batched(exporter.rows(queryset)):
        text = ",\n".join(encode(dict(zip(header, row, strict=True))) for row in batch)
        yield ("\n" if first else ",\n") + text
        first = False
    yield "\n]\n"


def _xlsx_cell(value):
    if isinstance(value, dict | list):  # a json column: its JSON text
        value = _json_text(value)
    if isinstance(value, str):
        return neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _bold_cell(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, _xlsx_cell(value))
    cell.font = Font(bold=True)
    return cell


def write_xlsx(
    exporter: type[Exporter],
    queryset: QuerySet,
    target,
    *,
    local_dates: bool = False,
    frozen_header: bool = False,
    describe_columns: bool = True,
    progress: Callable[[int], None] | None = None,
    progress_every: int = CHUNK_SIZE,
) -> int:
    """The sheet, then a second sheet that documents the columns, into a binary file; returns
    the number of rows written.

    The API's export uses the defaults. A workbook made for people to read (an export job's)
    may ask for dates as the spreadsheet's own (``local_dates``, see :func:`local_date`), a
    bold header that stays in view as the rows scroll (``frozen_header``) and no second
    sheet; a long one reports ``progress``: called with the number of rows written so far
    after every ``progress_every`` rows (the rows read from the database at a time).
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(exporter.title[:31] or exporter.name)
    header = exporter.header()
    if frozen_header:
        sheet.freeze_panes = "A2"
        header = [_bold_cell(sheet, name) for name in header]
    sheet.append(header)
    written = 0
    for row in exporter.rows(queryset, progress_every, local_dates=local_dates):
        sheet.append([_xlsx_cell(v) for v in row])
        written += 1
        if progress is not None and written % progress_every == 0:
            progress(written)
    if describe_columns:
        columns = workbook.create_sheet("Columns")
        columns.append(["column", "type", "meaning"])
        for column in exporter.columns:
            columns.append([column.name, column.type, column.description])
    workbook.save(target)
    return written


def export_response(exporter: type[Exporter], queryset: QuerySet, file_format: str):
    """The streaming response of one export."""
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    filename = f"{exporter.name}-{stamp}.{file_format}"
    if file_format == "csv":
        select = sql_csv.copy_select(exporter, queryset)  # PostgreSQL writes it if it can
        chunks = (
            sql_csv.copy_csv(exporter, select, using=queryset.db)
            if select
            else csv_lines(exporter, queryset)
        )
        response = StreamingHttpResponse(sealed_csv(chunks))
    elif file_format == "json":
        response = StreamingHttpResponse(json_chunks(exporter, queryset))
    elif file_format == "xlsx":
        spool = tempfile.TemporaryFile()  # noqa: SIM115 — closed when the response is
        write_xlsx(exporter, queryset, spool)
        spool.seek(0)
        response = FileResponse(spool, as_attachment=True, filename=filename)
        response.block_size = 64 * 1024
    else:  # pragma: no cover — the URLs only route the formats of FORMATS
        raise ValueError(file_format)
    response["Content-Type"] = FORMATS[file_format]
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
