"""Streamed exports of a filtered register: CSV, JSON and XLSX from one list of columns.

An app describes an export once, as an :class:`Exporter` — its FilterSet, the queryset of what a
person may see, and its :class:`Column` s (name, database lookup, description, conversion) — and
gets ``/api/v1/exports/<name>.csv``, ``.json`` and ``.xlsx``:

* rows are read with ``values_list(...).iterator(chunk_size=…)``: never a model instance, never
  the whole table in memory;
* CSV and JSON are produced chunk by chunk into a ``StreamingHttpResponse``;
* XLSX is written row by row by openpyxl's write-only workbook into a temporary file (the sheet
  XML goes to disk as it grows; strings are written inline), which is then streamed;
* dates and times are ISO 8601, levels are words, booleans ``yes``/``no`` in CSV and real
  booleans in JSON and XLSX;
* text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``…) is neutralised
  with a leading apostrophe in CSV and XLSX (never in JSON, which no spreadsheet evaluates);
  characters that XLSX cannot hold are dropped.
"""

from __future__ import annotations

import csv
import datetime
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from apps.core.models import Level

CHUNK_SIZE = 2000
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# --- Conversions shared by exporters --------------------------------------------------------------
def iso(value) -> str | None:
    """A date or an aware date-time as ISO 8601 (date-times in UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    return value.isoformat()


def level_word(value) -> str | None:
    return Level(value).label if value is not None else None


def is_set(value) -> bool:
    return value is not None


def reference(model) -> Callable[[int | None], str | None]:
    def convert(pk):
        return model.format_reference(pk) if pk is not None else None

    return convert


def choice_label(choices) -> Callable[[Any], str | None]:
    labels = dict(choices)

    def convert(value):
        return str(labels.get(value, value)) if value not in (None, "") else value

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


@dataclass(frozen=True)
class Column:
    name: str
    source: str
    description: str
    convert: Callable[[Any], Any] | None = None
    type: str = "string"  # for the documentation: string, integer, boolean, date, date-time


class Exporter:
    """One exportable register. Subclasses set the class attributes and ``get_queryset``."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    filterset_class: ClassVar[type | None] = None
    columns: ClassVar[list[Column]] = []

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
        }
        properties = {
            c.name: {**types[c.type], "nullable": True, "description": c.description}
            for c in cls.columns
        }
        return {"type": "object", "properties": properties, "required": cls.header()}

    @classmethod
    def rows(cls, queryset: QuerySet, chunk_size: int | None = None) -> Iterator[list]:
        """Each row's converted values, read from the database in chunks."""
        chunk_size = chunk_size or CHUNK_SIZE
        converters = [column.convert for column in cls.columns]
        sources = [column.source for column in cls.columns]
        for raw in queryset.values_list(*sources).iterator(chunk_size=chunk_size):
            yield [
                convert(value) if convert is not None else value
                for convert, value in zip(converters, raw, strict=True)
            ]

    @classmethod
    def header(cls) -> list[str]:
        return [column.name for column in cls.columns]


# --- Writers --------------------------------------------------------------------------------------
class _Echo:
    """A file-like object whose ``write`` hands the text back (for a streaming csv.writer)."""

    def write(self, value):
        return value


def neutralise_formula(value):
    """Spreadsheets run cells that start with = + - @ as formulas: make them plain text."""
    if isinstance(value, str) and value[:1] in FORMULA_PREFIXES:
        return "'" + value
    return value


def _csv_text(value):
    return "" if value is None else neutralise_formula(value)


def _csv_boolean(value):
    return "" if value is None else ("yes" if value else "no")


def _csv_plain(value):
    return "" if value is None else value


def _csv_cell_function(column: Column):
    """How one column's values are written to CSV, chosen once per export (not per cell)."""
    if column.type == "boolean":
        return _csv_boolean
    if column.type == "string":
        return _csv_text
    return _csv_plain  # numbers, and dates already in ISO 8601


def _batched(rows: Iterable[list], size: int = 500) -> Iterator[list[list]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def csv_lines(exporter: type[Exporter], queryset: QuerySet) -> Iterator[str]:
    writer = csv.writer(_Echo())
    cell_functions = [_csv_cell_function(column) for column in exporter.columns]
    yield "\ufeff" + writer.writerow(exporter.header())  # BOM: spreadsheets then read UTF-8
    for batch in _batched(exporter.rows(queryset)):
        yield "".join(
            writer.writerow([f(v) for f, v in zip(cell_functions, row, strict=True)])
            for row in batch
        )


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
    if isinstance(value, str):
        return neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def write_xlsx(exporter: type[Exporter], queryset: QuerySet, target) -> None:
    """The sheet, then a second sheet that documents the columns, into a binary file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(exporter.title[:31] or exporter.name)
    sheet.append(exporter.header())
    for row in exporter.rows(queryset):
        sheet.append([_xlsx_cell(v) for v in row])
    columns = workbook.create_sheet("Columns")
    columns.append(["column", "type", "meaning"])
    for column in exporter.columns:
        columns.append([column.name, column.type, column.description])
    workbook.save(target)


def export_response(exporter: type[Exporter], queryset: QuerySet, file_format: str):
    """The streaming response of one export."""
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    filename = f"{exporter.name}-{stamp}.{file_format}"
    if file_format == "csv":
        response = StreamingHttpResponse(csv_lines(exporter, queryset))
    elif file_format == "json":
        response = StreamingHttpResponse(json_chunks(exporter, queryset))
    elif file_format == "xlsx":
        spool = tempfile.TemporaryFile()  # noqa: SIM115 — closed when the response is
        write_xlsx(exporter, queryset, spool)
        spool.seek(0)
        response = FileResponse(spool, as_attachment=True, filename=filename)
        response.block_size = 64 * 1024
    else:  # pragma: no cover — the URLs only route the three formats
        raise ValueError(file_format)
    response["Content-Type"] = FORMATS[file_format]
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
