"""Exports of obligations: the API's CSV, JSON and XLSX and the list's *Download CSV*, with
exactly the rows one may see and the filters chose, computed in one query."""

import datetime
import io
import json

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.compliance.api.exports import ObligationExporter
from apps.compliance.models import Applicability, ObligationStatus
from tests.export_files import csv_dicts
from tests.factories import ObligationFactory, current_requirement

pytestmark = pytest.mark.django_db


def body_of(response) -> bytes:
    assert response.status_code == 200, getattr(response, "content", b"")
    return b"".join(response.streaming_content)


@pytest.fixture
def obligations(system, foreign_system, contributor, mitigation, risk):
    """Two teams' obligations: one overdue and linked, one no longer applicable, one foreign."""
    overdue = ObligationFactory(
        system=system,
        owner=contributor,
        due_date=timezone.localdate() - datetime.timedelta(days=3),
        status=ObligationStatus.IN_PROGRESS,
        notes="=SUM(A1:A9)",
    )
    overdue.mitigations.add(mitigation)
    overdue.risks.add(risk)
    retired = ObligationFactory(
        system=system,
        requirement=current_requirement("Art. 26"),
        applicability=Applicability.NO_LONGER_APPLIES,
        applicability_reason="The system is no longer high-risk.",
    )
    foreign = ObligationFactory(system=foreign_system)
    return {"overdue": overdue, "retired": retired, "foreign": foreign}


def test_the_csv_export_has_the_obligations_one_may_see_with_their_links(
    client, contributor, obligations, mitigation, risk
):
    client.force_login(contributor)
    rows = csv_dicts(body_of(client.get(reverse("api:export-obligations-csv"))))
    assert [row["reference"] for row in rows] == [obligations["overdue"].reference]
    row = rows[0]
    assert row["requirement"] == "Art. 9"
    assert row["framework_key"] == "eu-ai-act"
    assert row["status"] == "In progress"
    assert row["overdue"] == "yes"
    assert row["blocking"] == "yes"
    assert row["owner"] == contributor.email
    assert row["mitigations"] == mitigation.reference
    assert row["risks"] == risk.reference
    assert row["notes"] == "'=SUM(A1:A9)"  # a formula is neutralised


def test_the_export_includes_those_that_no_longer_apply_when_asked(
    client, contributor, obligations
):
    client.force_login(contributor)
    url = reverse("api:export-obligations-csv")
    rows = csv_dicts(body_of(client.get(url, {"applicability": "all"})))
    by_reference = {row["reference"]: row for row in rows}
    retired = by_reference[obligations["retired"].reference]
    assert retired["applicability"] == "No longer applicable"
    assert retired["no_longer_applies_because"] == "The system is no longer high-risk."


def test_the_json_export_has_real_booleans_and_numbers(client, auditor, obligations):
    client.force_login(auditor)
    items = json.loads(body_of(client.get(reverse("api:export-obligations-json"))))
    overdue = next(i for i in items if i["reference"] == obligations["overdue"].reference)
    assert overdue["overdue"] is True
    assert overdue["evidence_count"] == 0
    assert {i["reference"] for i in items} == {
        obligations["overdue"].reference,
        obligations["foreign"].reference,
    }


def test_the_xlsx_export_opens_with_its_columns_documented(client, auditor, obligations):
    client.force_login(auditor)
    response = client.get(reverse("api:export-obligations-xlsx"))
    workbook = openpyxl.load_workbook(io.BytesIO(body_of(response)))
    sheet = workbook["Obligations"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header == ObligationExporter.header()
    assert sheet.max_row == 3
    assert workbook["Columns"].max_row == len(ObligationExporter.columns) + 1


def test_the_lists_download_has_exactly_the_filtered_rows(client, contributor, system):
    started = ObligationFactory(system=system, status=ObligationStatus.IN_PROGRESS)
    ObligationFactory(system=system, requirement=current_requirement("Art. 10"))
    client.force_login(contributor)
    response = client.get(reverse("compliance:export"), {"status": "in_progress"})
    assert [row["reference"] for row in csv_dicts(body_of(response))] == [started.reference]


def test_the_list_links_to_its_download_with_the_same_filters(client, contributor, obligations):
    client.force_login(contributor)
    response = client.get(reverse("compliance:list"), {"status": "in_progress"})
    assert f"{reverse('compliance:export')}?status=in_progress" in response.content.decode()


def test_the_export_reads_its_rows_in_a_fixed_number_of_queries(client, auditor, system):
    for identifier in ["Art. 9", "Art. 10", "Art. 11", "Art. 12"]:
        ObligationFactory(system=system, requirement=current_requirement(identifier))
    client.force_login(auditor)
    url = reverse("api:export-obligations-json")
    with CaptureQueriesContext(connection) as few:
        body_of(client.get(url, {"requirement": "Art. 9"}))
    with CaptureQueriesContext(connection) as many:
        body_of(client.get(url))
    assert len(many) == len(few)
