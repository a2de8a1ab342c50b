"""Risk imports given malformed, huge or hostile files: a clear error, and nothing written."""

import io
import random
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.worksheet.formula import ArrayFormula

from apps.risks import imports
from apps.risks.imports import COLUMN_NAMES
from apps.risks.models import Risk
from tests.fuzzing import examples
from tests.risks.test_import import csv_file, row, xlsx_file

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=examples(default=15, deep=200),  # tests/fuzzing.py
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def run(system, by, upload):
    return imports.import_risks(system=system, by=by, upload=upload)


def messages(result) -> str:
    return "\n".join(f"{e.row}|{e.column}|{e.message}" for e in result.errors)


def assert_refused(result, *expected: str):
    assert not result.ok and result.created == []
    text = messages(result)
    for fragment in expected:
        assert fragment in text, text
    assert not Risk.objects.exists()
    assert not Risk.history.exists()


def workbook_bytes(fill) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Risks"
    sheet.append(COLUMN_NAMES)
    fill(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Hostile: formulas ----------------------------------------------------------------------------
def test_csv_cell_that_is_a_formula_is_refused_by_row_and_column(system, contributor):
    hostile = row(contributor, title='=HYPERLINK("http://evil.example","Click")')
    result = run(system, contributor, csv_file([row(contributor, title="Fine"), hostile]))
    assert_refused(result, "3|title|", "is a formula: the importer reads values only")


def test_xlsx_formula_cell_is_refused_not_read_as_its_cached_value(system, contributor):
    values = [row(contributor)[column] for column in COLUMN_NAMES]
    values[COLUMN_NAMES.index("inherent_likelihood")] = "=2+2"
    content = workbook_bytes(lambda sheet: sheet.append(values))
    result = run(system, contributor, SimpleUploadedFile("risks.xlsx", content))
    assert_refused(result, "2|inherent_likelihood|“=2+2” is a formula")
    assert len(result.errors) == 1  # one clear error, not also "enter a whole number"


def test_xlsx_array_formula_is_refused(system, contributor):
    def fill(sheet):
        sheet.append([row(contributor)[column] for column in COLUMN_NAMES])
        sheet["A2"] = ArrayFormula("A2", '=CONCAT("a","b")')

    result = run(system, contributor, SimpleUploadedFile("r.xlsx", workbook_bytes(fill)))
    assert_refused(result, "2|title|", "is a formula")


def test_text_starting_with_plus_minus_or_at_is_imported_as_text(system, contributor):
    rows = [
        row(contributor, title="-5 % accuracy after drift"),
        row(contributor, title="@mentions leak names", scenario="+ one more leak"),
    ]
    result = run(system, contributor, csv_file(rows))
    assert result.ok
    assert set(Risk.objects.values_list("title", flat=True)) == {
        "-5 % accuracy after drift",
        "@mentions leak names",
    }


# --- Malformed ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title,scenario\n".encode("utf-16"), "not encoded in UTF-8"),
        ("title;scénario\n".encode("cp1252"), "not encoded in UTF-8"),
        ("タイトル\n".encode("shift_jis"), "not encoded in UTF-8"),
        (b"\x7fELF\x02\x01\x01" + bytes(200), "is not a CSV text file"),
        (b"MZ\x90\x00" + bytes(200), "is not a CSV text file"),
        (b"title,scenario\nok,\x00oops\n", "is not a CSV text file"),
        (b"\n\n\n", "The first row must name the columns"),
        (b"x" * 200_000, "cannot be read near line 1"),
    ],
    ids=["utf16", "cp1252", "shift-jis", "elf", "exe", "nul", "blank", "huge-field"],
)
def test_malformed_csv_is_refused_with_a_clear_message(system, contributor, content, message):
    result = run(system, contributor, SimpleUploadedFile("risks.csv", content))
    assert_refused(result, message)


def test_csv_without_the_required_headers_is_refused(system, contributor):
    upload = SimpleUploadedFile("risks.csv", b"name,description\nA,B\n")
    assert_refused(
        run(system, contributor, upload), "1|name|Unknown column", "1|title|Required column"
    )


def test_truncated_workbook_is_refused(system, contributor):
    content = xlsx_file([row(contributor)]).read()
    upload = SimpleUploadedFile("risks.xlsx", content[: len(content) // 2])
    assert_refused(run(system, contributor, upload), "not an Excel workbook")


def test_workbook_with_damaged_xml_is_refused(system, contributor):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types><unclosed")
        archive.writestr("xl/workbook.xml", "<<<")
    upload = SimpleUploadedFile("risks.xlsx", buffer.getvalue())
    assert_refused(run(system, contributor, upload), "The workbook cannot be read")


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        (2.5, "inherent_likelihood"),
        (True, "inherent_impact"),
        ("four", "residual_likelihood"),
        (-3, "residual_impact"),
    ],
    ids=["float", "boolean", "word", "negative"],
)
def test_wrong_types_in_number_columns_are_reported(system, contributor, cell, column):
    values = [row(contributor)[name] for name in COLUMN_NAMES]
    values[COLUMN_NAMES.index(column)] = cell
    content = workbook_bytes(lambda sheet: sheet.append(values))
    result = run(system, contributor, SimpleUploadedFile("risks.xlsx", content))
    assert_refused(result, f"2|{column}|Enter a whole number from 1 to 5.")


def test_a_date_in_a_number_column_is_reported(system, contributor):
    import datetime

    values = [row(contributor)[name] for name in COLUMN_NAMES]
    values[COLUMN_NAMES.index("inherent_impact")] = datetime.datetime(2026, 1, 2)
    content = workbook_bytes(lambda sheet: sheet.append(values))
    result = run(system, contributor, SimpleUploadedFile("risks.xlsx", content))
    assert_refused(result, "2|inherent_impact|Enter a whole number from 1 to 5.")


# --- Huge -----------------------------------------------------------------------------------------
def test_workbook_that_unpacks_to_far_more_than_the_limit_is_refused_unread(
    system, contributor, settings
):
    settings.IMPORT_MAX_BYTES = 100_000  # so the archive may unpack to 1 MB
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b"A" * 2_000_000 + b"</sst>")
    assert len(buffer.getvalue()) < 100_000  # small to upload...
    upload = SimpleUploadedFile("risks.xlsx", buffer.getvalue())
    assert_refused(run(system, contributor, upload), "The workbook unpacks to 1.9")


def test_a_header_far_wider_than_the_template_is_refused(system, contributor):
    header = COLUMN_NAMES + [f"extra_{n}" for n in range(60)]
    upload = csv_file([row(contributor)], header=header)
    assert_refused(run(system, contributor, upload), "The first row has 71 columns")


def test_thousands_of_problems_are_reported_up_to_a_limit(system, contributor):
    rows = [row(contributor, title=f"Risk {n}", inherent_likelihood="9") for n in range(300)]
    result = run(system, contributor, csv_file(rows))
    assert_refused(result, "…and 100 more problems")
    assert len(result.errors) == imports.MAX_REPORTED_ERRORS + 1


def test_sheet_padded_with_empty_rows_is_refused(system, contributor, monkeypatch):
    monkeypatch.setattr(imports, "MAX_SCANNED_ROWS", 50)
    rows = [row(contributor)] + [{}] * 60 + [row(contributor, title="Far below")]
    assert_refused(run(system, contributor, csv_file(rows)), "The sheet goes on past row 50")


# --- Fuzz: any bytes, any text --------------------------------------------------------------------
FUZZ_COUNTS: dict[str, int] = {}


def count(name):
    FUZZ_COUNTS[name] = FUZZ_COUNTS.get(name, 0) + 1


def assert_all_or_nothing(result, before: int):
    """Either every row was created, or none was and the problems are reported."""
    after = Risk.objects.count()
    if result.ok:
        assert after == before + len(result.created) and result.created
    else:
        assert result.errors and after == before and not result.created


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_fuzz_arbitrary_bytes_never_crash_the_importer(system, contributor, suffix):
    @FUZZ
    @given(content=st.binary(min_size=1, max_size=4096))
    def check(content):
        count(f"bytes.{suffix}")
        before = Risk.objects.count()
        result = run(system, contributor, SimpleUploadedFile(f"f.{suffix}", content))
        assert_all_or_nothing(result, before)

    check()


def test_fuzz_damaged_workbooks_never_crash_the_importer(system, contributor):
    good = xlsx_file([row(contributor)]).read()

    @FUZZ
    @given(seed=st.integers(0, 2**32 - 1), flips=st.integers(1, 40))
    def check(seed, flips):
        count("damaged.xlsx")
        content = bytearray(good)
        chooser = random.Random(seed)
        for _ in range(flips):
            content[chooser.randrange(len(content))] = chooser.randrange(256)
        before = Risk.objects.count()
        result = run(system, contributor, SimpleUploadedFile("f.xlsx", bytes(content)))
        assert_all_or_nothing(result, before)

    check()


cell_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "=1+1", "+1", "-1", "@x", "\x00", "é", "1", "5", "6", "Mitigate"]),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=300, max_size=400),
)


def test_fuzz_csv_rows_of_arbitrary_text_are_all_or_nothing(system, contributor):
    @FUZZ
    @given(rows=st.lists(st.fixed_dictionaries(dict.fromkeys(COLUMN_NAMES, cell_text)), max_size=4))
    def check(rows):
        count("rows.csv")
        before = Risk.objects.count()
        result = run(system, contributor, csv_file(rows))
        assert_all_or_nothing(result, before)

    check()
