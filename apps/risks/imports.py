"""Importing risks for one AI system from a spreadsheet (CSV or XLSX), all or nothing.

The file has one header row (the names in :data:`IMPORT_COLUMNS`, in any order) and one row per
risk. Every row is validated by :class:`RiskRowForm` (Django's own field validation, plus look-ups
of categories, owners and framework references) and checked for duplicate titles, and every
problem is reported with the row number the person sees in their spreadsheet. Only when every
row is valid are the risks created, through :func:`apps.risks.services.create_risk`, in a single
transaction: one failure rolls everything back.

``build_template`` writes the downloadable template (header, one example row and, for XLSX, a
"Help" sheet) that this importer reads back.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from apps.risks import permissions, services
from apps.risks.models import FrameworkReference, Risk, RiskCategory, RiskStatus, Treatment

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Each created risk refreshes its system's criticality: a request should not run for minutes.
MAX_ROWS = 1000
# Beyond this, a sheet is mostly empty formatted rows (or built to be slow to read).
MAX_SCANNED_ROWS = 20 * MAX_ROWS
# A workbook is a ZIP archive: one that unpacks to more than this many times the upload limit is
# refused before it is read (a real register of 1000 risks unpacks to a few megabytes).
MAX_UNPACKED_FACTOR = 10
# The template has 11 columns; a header far wider is not a register of risks.
MAX_COLUMNS = 50
# A file with thousands of problems shows the first ones, and how many more there are.
MAX_REPORTED_ERRORS = 200
HEADER_ROW = 1
RISKS_SHEET = "Risks"
HELP_SHEET = "Help"
REFERENCE_SEPARATOR = ";"
# Signatures of files that are certainly not CSV text.
BINARY_SIGNATURES = (b"PK\x03\x04", b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\xd0\xcf\x11")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# What openpyxl raises on a damaged or unusual workbook: XML parse errors are SyntaxErrors, and
# parts that are missing or malformed surface as lookup, type or attribute errors. The zip layer
# adds NotImplementedError (a version or compression it does not know), RuntimeError (an
# encrypted part), EOFError and zlib.error (a damaged stream).
XLSX_ERRORS = (
    zipfile.BadZipFile,
    InvalidFileException,
    NotImplementedError,
    RuntimeError,
    EOFError,
    zlib.error,
    OSError,
    SyntaxError,
    ValueError,
    LookupError,
    TypeError,
    AttributeError,
)
FORMULA_ERROR = (
    "“{value}” is a formula: the importer reads values only. Type the value itself "
    "(in a spreadsheet: copy, then paste as values)."
)
SAVE_AS_UTF8 = (
    "The file is not encoded in UTF-8: in your spreadsheet, save the file as "
    "“CSV UTF-8 (comma delimited)” and upload it again."
)


@dataclass(frozen=True)
class ImportColumn:
    name: str
    required: bool
    help: str


IMPORT_COLUMNS: list[ImportColumn] = [
    ImportColumn("title", True, "A short name for the risk, unique within the system."),
    ImportColumn("scenario", True, "What happens, to whom, and how it would be noticed."),
    ImportColumn(
        "category",
        True,
        "The subcategory, as “Category / Subcategory” (names or slugs, e.g. "
        "“Security / Prompt injection” or “security/prompt-injection”), or the subcategory's "
        "name alone when it is unambiguous. Not case-sensitive.",
    ),
    ImportColumn("owner", True, "The e-mail address of an active user who owns the risk."),
    ImportColumn(
        "inherent_likelihood", True, "Likelihood before any mitigation: a whole number 1–5."
    ),
    ImportColumn("inherent_impact", True, "Impact before any mitigation: a whole number 1–5."),
    ImportColumn(
        "residual_likelihood",
        True,
        "Likelihood after the planned mitigations: a whole number 1–5.",
    ),
    ImportColumn(
        "residual_impact",
        True,
        "Impact after the planned mitigations: 1–5. The residual score (likelihood × impact) "
        "cannot be above the inherent score.",
    ),
    ImportColumn(
        "treatment",
        True,
        "One of: " + ", ".join(label for _, label in Treatment.choices) + ".",
    ),
    ImportColumn(
        "status",
        False,
        "One of: " + ", ".join(label for _, label in RiskStatus.choices) + ". Empty means Open.",
    ),
    ImportColumn(
        "framework_references",
        False,
        "Codes of framework items, separated by “;” (e.g. “LLM01; AML.T0051; MEASURE 2.5”). "
        "An OWASP code may leave out its year (LLM01 for LLM01:2025).",
    ),
]
COLUMN_NAMES = [column.name for column in IMPORT_COLUMNS]
REQUIRED_COLUMNS = [column.name for column in IMPORT_COLUMNS if column.required]

EXAMPLE_ROW = {
    "title": "Prompt injection through uploaded documents",
    "scenario": "A customer uploads a document with hidden instructions; the assistant follows "
    "them and reveals another customer's order history. Noticed in the output-filter logs.",
    "category": "Security / Prompt injection",
    "inherent_likelihood": "4",
    "inherent_impact": "4",
    "residual_likelihood": "2",
    "residual_impact": "3",
    "treatment": Treatment.MITIGATE.label,
    "status": RiskStatus.OPEN.label,
    "framework_references": "LLM01:2025; AML.T0051; MEASURE 2.5",
}


# --- Results --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowError:
    """One problem: ``row`` as numbered in the spreadsheet (None for the file as a whole)."""

    row: int | None
    column: str
    message: str


@dataclass
class ImportResult:
    created: list[Risk] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFileError(Exception):
    """The file as a whole cannot be read: wrong type, too big, empty, badly encoded…"""


@dataclass
class _Row:
    number: int
    values: dict[str, str]


# --- Normalising ---------------------------------------------------------------------------------
def _key(text: str) -> str:
    """Case-, space- and separator-insensitive form of a name, path or code."""
    text = text.replace("›", "/").replace(">", "/")
    parts = [" ".join(part.split()) for part in text.split("/")]
    return "/".join(parts).casefold()


def _header_key(text: str) -> str:
    return "_".join(text.replace("-", " ").split()).casefold()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, ArrayFormula):
        return value.text or "="
    if isinstance(value, DataTableFormula):
        return "=TABLE()"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- Per-row validation ---------------------------------------------------------------------------
class Lookups:
    """Categories, owners and framework references named in a file, fetched in three queries."""

    def __init__(self, rows: list[_Row]):
        self.categories = self._categories()
        emails = {row.values.get("owner", "").casefold() for row in rows} - {""}
        self.owners = {
            user.email.casefold(): user
            for user in get_user_model()
            .objects.annotate(email_key=Lower("email"))
            .filter(email_key__in=emails, is_active=True)
        }
        codes = {
            code
            for row in rows
            for code in split_references(row.values.get("framework_references", ""))
        }
        self.references = self._references(codes)

    @staticmethod
    def _categories() -> dict[str, RiskCategory | None]:
        """Every way of naming a category; None marks a name that fits several."""
        found: dict[str, RiskCategory | None] = {}

        def add(key, category):
            key = _key(key)
            found[key] = category if found.get(key, category) == category else None

        for category in RiskCategory.objects.select_related("parent"):
            add(category.path, category)
            if category.parent_id:
                add(f"{category.parent.name}/{category.name}", category)
                add(category.name, category)
                add(category.slug, category)
            else:
                add(category.name, category)
        return found

    @staticmethod
    def _references(codes: set[str]) -> dict[str, FrameworkReference | None]:
        if not codes:
            return {}
        query = Q()
        for code in codes:
            query |= Q(code__iexact=code) | Q(code__istartswith=f"{code}:")
        candidates = list(FrameworkReference.objects.filter(query).only("pk", "code"))
        found: dict[str, FrameworkReference | None] = {}
        for code in codes:
            exact = [ref for ref in candidates if ref.code.casefold() == code.casefold()]
            prefixed = [
                ref for ref in candidates if ref.code.casefold().startswith(f"{code.casefold()}:")
            ]
            matches = exact or prefixed
            found[code.casefold()] = matches[0] if len(matches) == 1 else None
        return found


def split_references(text: str) -> list[str]:
    codes = (code.strip() for line in text.splitlines() for code in line.split(";"))
    return list(dict.fromkeys(code for code in codes if code))


def _choice(value: str, choices, column: str) -> str:
    for stored, label in choices:
        if value.casefold() in (stored.casefold(), label.casefold()):
            return stored
    expected = ", ".join(label for _, label in choices)
    raise ValidationError(f"“{value}” is not a {column}: use one of {expected}.")


class RiskRowForm(forms.Form):
    """One spreadsheet row: Django's fields check text and numbers, the look-ups the rest."""

    SCALE_ERRORS = {
        "invalid": "Enter a whole number from 1 to 5.",
        "min_value": "Enter a whole number from 1 to 5.",
        "max_value": "Enter a whole number from 1 to 5.",
        "required": "Enter a whole number from 1 to 5.",
    }

    title = forms.CharField(max_length=255)
    scenario = forms.CharField()
    category = forms.CharField()
    owner = forms.EmailField()
    inherent_likelihood = forms.IntegerField(min_value=1, max_value=5, error_messages=SCALE_ERRORS)
    inherent_impact = forms.IntegerField(min_value=1, max_value=5, error_messages=SCALE_ERRORS)
    residual_likelihood = forms.IntegerField(min_value=1, max_value=5, error_messages=SCALE_ERRORS)
    residual_impact = forms.IntegerField(min_value=1, max_value=5, error_messages=SCALE_ERRORS)
    treatment = forms.CharField()
    status = forms.CharField(required=False)
    framework_references = forms.CharField(required=False)

    def __init__(self, *args, lookups: Lookups, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookups = lookups

    def clean_category(self):
        value = self.cleaned_data["category"]
        key = _key(value)
        if key not in self.lookups.categories:
            raise ValidationError(
                f"Unknown category “{value}”: use a “Category / Subcategory” path from the "
                "Help sheet of the template."
            )
        category = self.lookups.categories[key]
        if category is None:
            raise ValidationError(
                f"“{value}” names several categories: write it as “Category / Subcategory”."
            )
        return category

    def clean_owner(self):
        email = self.cleaned_data["owner"]
        owner = self.lookups.owners.get(email.casefold())
        if owner is None:
            raise ValidationError(f"No active user has the e-mail address {email}.")
        return owner

    def clean_treatment(self):
        return _choice(self.cleaned_data["treatment"], Treatment.choices, "treatment")

    def clean_status(self):
        value = self.cleaned_data["status"]
        return _choice(value, RiskStatus.choices, "status") if value else RiskStatus.OPEN

    def clean_framework_references(self):
        references, unknown = [], []
        for code in split_references(self.cleaned_data["framework_references"]):
            reference = self.lookups.references.get(code.casefold())
            if reference is None:
                unknown.append(code)
            elif reference not in references:
                references.append(reference)
        if unknown:
            plural = "s" if len(unknown) > 1 else ""
            raise ValidationError(
                f"Unknown framework reference{plural}: {', '.join(unknown)}. "
                "Separate codes with “;”."
            )
        return references

    def clean(self):
        cleaned = super().clean()
        scores = [
            cleaned.get(name)
            for name in (
                "inherent_likelihood",
                "inherent_impact",
                "residual_likelihood",
                "residual_impact",
            )
        ]
        if None not in scores:
            inherent, residual = scores[0] * scores[1], scores[2] * scores[3]
            if residual > inherent:
                self.add_error(
                    "residual_impact",
                    f"The residual score ({scores[2]} × {scores[3]} = {residual}) is above the "
                    f"inherent score ({scores[0]} × {scores[1]} = {inherent}): mitigation "
                    "cannot make a risk worse.",
                )
        return cleaned


# --- Reading files --------------------------------------------------------------------------------
def file_format(name: str) -> str:
    suffix = PurePath(name or "").suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ImportFileError(
            f"“{name}” is not a spreadsheet this page reads: upload a .csv or .xlsx file."
        )
    return suffix


def read_upload(upload) -> bytes:
    """The uploaded file's bytes, once its size is known to be within the limit."""
    size = upload.size
    if size is None or size > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(
            f"The file is too large ({filesizeformat(size or 0)}): the limit is "
            f"{filesizeformat(settings.IMPORT_MAX_BYTES)}. Split it into several files."
        )
    if size == 0:
        raise ImportFileError("The file is empty.")
    upload.seek(0)
    return upload.read(settings.IMPORT_MAX_BYTES + 1)


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    if data.startswith(UTF16_BOMS):
        raise ImportFileError(SAVE_AS_UTF8)
    if data.startswith(BINARY_SIGNATURES) or b"\x00" in data:
        raise ImportFileError(
            "This file is not a CSV text file (its content is binary). Upload a .csv saved as "
            "“CSV UTF-8”, or the .xlsx workbook itself."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(SAVE_AS_UTF8) from None
    # Excel writes ";" or tabs in some locales: the header line tells which.
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as error:
        raise ImportFileError(
            f"The CSV file cannot be read near line {reader.line_num}: {error}."
        ) from None


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFileError(
            "This file is not an Excel workbook (.xlsx): open it in your spreadsheet and save "
            "it as “Excel Workbook (.xlsx)”."
        )
    unreadable = ImportFileError(
        "The workbook cannot be read: it may be damaged or protected with a password. "
        "Save it again as “Excel Workbook (.xlsx)”."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except XLSX_ERRORS:
        raise unreadable from None
    limit = MAX_UNPACKED_FACTOR * settings.IMPORT_MAX_BYTES
    if unpacked > limit:
        raise ImportFileError(
            f"The workbook unpacks to {filesizeformat(unpacked)}, more than the "
            f"{filesizeformat(limit)} this page reads: remove other sheets, images and "
            "formatting, or split it into several files."
        )
    try:
        # Formulas are read as formulas (not their cached results), to be refused row by row.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except XLSX_ERRORS:
        raise unreadable from None
    try:
        sheets = {sheet.title: sheet for sheet in workbook.worksheets}  # not chart sheets
        if not sheets:
            return
        sheet = sheets.get(RISKS_SHEET) or workbook.worksheets[0]
        header = [
            _cell_text(value) for value in next(sheet.iter_rows(max_row=1, values_only=True), ())
        ]
        while header and not header[-1]:
            header.pop()
        yield header
        for values in sheet.iter_rows(min_row=2, max_col=max(len(header), 1), values_only=True):
            yield [_cell_text(value) for value in values]
    except XLSX_ERRORS:
        raise unreadable from None
    finally:
        workbook.close()


def parse(data: bytes, fmt: str) -> tuple[list[RowError], list[_Row]]:
    """The rows of a file, keyed by column name, and the errors of its header.

    Raises :class:`ImportFileError` when the file cannot be read as a table of risks.
    """
    table = _csv_rows(data) if fmt == CSV else _xlsx_rows(data)
    raw_header = next(table, [])
    if not any(cell.strip() for cell in raw_header):
        raise ImportFileError(
            "The first row must name the columns: "
            f"{', '.join(COLUMN_NAMES)}. Start from the template."
        )
    while raw_header and not raw_header[-1].strip():
        raw_header = raw_header[:-1]
    if len(raw_header) > MAX_COLUMNS:
        raise ImportFileError(
            f"The first row has {len(raw_header)} columns: the importer reads at most "
            f"{MAX_COLUMNS}. Start from the template."
        )
    header = [_header_key(cell) for cell in raw_header]
    errors = []
    seen = set()
    for raw, name in zip(raw_header, header, strict=True):
        if not name:
            continue
        if name not in COLUMN_NAMES:
            errors.append(RowError(HEADER_ROW, raw.strip(), "Unknown column: remove or rename it."))
        elif name in seen:
            errors.append(RowError(HEADER_ROW, name, "This column appears twice."))
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            errors.append(RowError(HEADER_ROW, name, "Required column missing."))
    rows = []
    for number, cells in enumerate(table, start=HEADER_ROW + 1):
        if number > MAX_SCANNED_ROWS:
            raise ImportFileError(
                f"The sheet goes on past row {MAX_SCANNED_ROWS}: delete the empty rows below "
                "your risks, or split the file."
            )
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) == MAX_ROWS:
            raise ImportFileError(
                f"The file has more than {MAX_ROWS} risks: import at most {MAX_ROWS} at a time."
            )
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}
        rows.append(_Row(number, values))
    return errors, rows


# --- Importing ------------------------------------------------------------------------------------
def _service_errors(number: int, error: ValidationError) -> list[RowError]:
    if hasattr(error, "error_dict"):
        return [
            RowError(number, name if name in COLUMN_NAMES else "", message)
            for name, errors in error.error_dict.items()
            for message in ValidationError(errors).messages
        ]
    return [RowError(number, "", message) for message in error.messages]


def _column_position(error: RowError) -> int:
    return COLUMN_NAMES.index(error.column) if error.column in COLUMN_NAMES else len(COLUMN_NAMES)


class _RollBack(Exception):
    pass


def _at_most(limit: int, errors: list[RowError]) -> list[RowError]:
    """The first ``limit`` problems, and a line that says how many more there are."""
    if len(errors) <= limit:
        return errors
    more = len(errors) - limit
    return [
        *errors[:limit],
        RowError(None, "", f"…and {more} more problems: fix these first, then upload again."),
    ]


def validate_rows(system, rows: list[_Row]) -> tuple[list[RowError], list[tuple[int, dict]]]:
    """Every problem of every row, and each valid row's data for ``create_risk``."""
    lookups = Lookups(rows)
    existing = {
        title.casefold()
        for title in Risk.objects.filter(system=system, archived_at__isnull=True).values_list(
            "title", flat=True
        )
    }
    first_row_of_title: dict[str, int] = {}
    errors, valid = [], []
    for row in rows:
        formulas = {name for name, value in row.values.items() if value.startswith("=")}
        form = RiskRowForm(
            data={name: value for name, value in row.values.items() if name not in formulas},
            lookups=lookups,
        )
        row_errors = [
            RowError(row.number, name, FORMULA_ERROR.format(value=row.values[name][:40]))
            for name in formulas
        ]
        row_errors += [
            RowError(row.number, name if name != "__all__" else "", message)
            for name, messages in form.errors.items()
            if name not in formulas
            for message in messages
        ]
        title = " ".join(row.values.get("title", "").split()).casefold()
        if title and title in first_row_of_title:
            row_errors.append(
                RowError(
                    row.number,
                    "title",
                    f"Same title as row {first_row_of_title[title]}: each risk needs its own.",
                )
            )
        elif title in existing:
            row_errors.append(
                RowError(
                    row.number, "title", f"{system.reference} already has a risk with this title."
                )
            )
        if title:
            first_row_of_title.setdefault(title, row.number)
        if row_errors:
            errors.extend(sorted(row_errors, key=_column_position))
        else:
            valid.append((row.number, form.cleaned_data))
    return errors, valid


def import_risks(*, system, by, upload, reason: str = "") -> ImportResult:
    """Create every risk of an uploaded CSV/XLSX file for ``system``, or none of them.

    Raises ``PermissionDenied`` if ``by`` cannot add risks to the system; every problem with the
    file or its rows comes back in the result's ``errors``.
    """
    if not permissions.can_create_risk(by, system):
        raise PermissionDenied("Only contributors of the system's team can add risks to it.")
    try:
        fmt = file_format(upload.name)
        errors, rows = parse(read_upload(upload), fmt)
    except ImportFileError as error:
        return ImportResult(errors=[RowError(None, "", str(error))])
    if errors:
        return ImportResult(errors=errors)
    if not rows:
        return ImportResult(
            errors=[
                RowError(None, "", "The file has no risks: add one row per risk below the header.")
            ]
        )
    errors, valid = validate_rows(system, rows)
    if errors:
        return ImportResult(errors=_at_most(MAX_REPORTED_ERRORS, errors))

    reason = reason or f"Imported from {PurePath(upload.name).name}"
    created: list[Risk] = []
    try:
        with transaction.atomic():
            for number, data in valid:
                try:
                    created.append(
                        services.create_risk(system=system, by=by, data=data, reason=reason)
                    )
                except ValidationError as error:
                    errors.extend(_service_errors(number, error))
            if errors:
                raise _RollBack
    except _RollBack:
        return ImportResult(errors=errors)
    return ImportResult(created=created)


# --- The template ---------------------------------------------------------------------------------
def example_row(owner_email: str) -> list[str]:
    values = EXAMPLE_ROW | {"owner": owner_email}
    return [values[name] for name in COLUMN_NAMES]


def category_paths() -> list[tuple[str, str]]:
    """``(“Category / Subcategory”, slug path)`` of every subcategory, in taxonomy order."""
    return [
        (f"{category.parent.name} / {category.name}", category.path)
        for category in RiskCategory.objects.filter(parent__isnull=False)
        .select_related("parent")
        .order_by("parent__position", "parent__name", "position", "name")
    ]


def build_template(fmt: str, *, owner_email: str) -> bytes:
    """The import template: the header, one example row owned by ``owner_email``; for XLSX a
    "Help" sheet describing each column and listing categories, treatments and statuses."""
    if fmt == CSV:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(COLUMN_NAMES)
        writer.writerow(example_row(owner_email))
        return buffer.getvalue().encode("utf-8-sig")  # the BOM tells Excel it is UTF-8
    if fmt != XLSX:
        raise ValueError(f"Unknown template format: {fmt}")

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = RISKS_SHEET
    sheet.append(COLUMN_NAMES)
    sheet.append(example_row(owner_email))
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for letter, width in zip(
        "ABCDEFGHIJK", (40, 60, 32, 28, 18, 16, 18, 16, 12, 10, 36), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    scale = DataValidation(type="whole", operator="between", formula1="1", formula2="5")
    scale.error = "Enter a whole number from 1 to 5."
    scale.add("E2:H1001")
    treatments = DataValidation(
        type="list", formula1='"' + ",".join(label for _, label in Treatment.choices) + '"'
    )
    treatments.add("I2:I1001")
    statuses = DataValidation(
        type="list",
        formula1='"' + ",".join(label for _, label in RiskStatus.choices) + '"',
        allow_blank=True,
    )
    statuses.add("J2:J1001")
    for validation in (scale, treatments, statuses):
        sheet.add_data_validation(validation)

    help_sheet = workbook.create_sheet(HELP_SHEET)
    bold = Font(bold=True)
    help_sheet.append(["Column", "Required", "What to enter"])
    for column in IMPORT_COLUMNS:
        help_sheet.append([column.name, "yes" if column.required else "no", column.help])
    help_sheet.append([])
    help_sheet.append(["Treatments", "", "Value (either the value or the label is accepted)"])
    for value, label in Treatment.choices:
        help_sheet.append([label, "", value])
    help_sheet.append([])
    help_sheet.append(["Statuses", "", "Value (either the value or the label is accepted)"])
    for value, label in RiskStatus.choices:
        help_sheet.append([label, "", value])
    help_sheet.append([])
    help_sheet.append(["Categories", "", "Or by slugs"])
    for path, slug_path in category_paths():
        help_sheet.append([path, "", slug_path])
    for row in help_sheet.iter_rows():
        if row[0].value in ("Column", "Treatments", "Statuses", "Categories"):
            for cell in row:
                cell.font = bold
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    help_sheet.column_dimensions["A"].width = 60
    help_sheet.column_dimensions["B"].width = 10
    help_sheet.column_dimensions["C"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
