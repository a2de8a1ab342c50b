"""One set of columns for every export of the register — the page's CSV, the API's CSV, JSON and
XLSX, the XLSX job — with each risk's framework references, mitigations and acceptances."""

from __future__ import annotations

import datetime
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.api import sql_csv
from apps.core.api.exports import csv_lines, sealed_csv
from apps.exports.jobs import run_export
from apps.mitigations.api.exports import MitigationExporter
from apps.risks.api.exports import RegisterPageExporter, RiskExporter
from apps.risks.imports import split_references
from apps.risks.models import FrameworkReference, RiskAcceptance
from tests.api.conftest import token_client
from tests.export_files import csv_dicts, csv_rows
from tests.factories import ExportJobFactory, MitigationFactory, RiskAcceptanceFactory, RiskFactory

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
NEW_COLUMNS = ["framework_references", "mitigations", "mitigation_in_place", "acceptances"]


def body_of(response) -> bytes:
    assert response.status_code == 200, getattr(response, "content", b"")
    return b"".join(response.streaming_content)


@pytest.fixture
def linked_risk(system, contributor, committee_member):
    """A risk that cites two framework items, has two mitigations (one in place) and two
    acceptances (an old rejected one, then an approved one)."""
    risk = RiskFactory(system=system, title="Leaks account numbers")
    risk.framework_references.set(FrameworkReference.objects.filter(code__in=CODES))
    planned = MitigationFactory(system=system, title="Output filter", risks=[risk])
    in_place = MitigationFactory(
        system=system, title="Access control", status="implemented", risks=[risk]
    )
    old = RiskAcceptanceFactory(
        risk=risk,
        status="rejected",
        expires_on=datetime.date(2026, 3, 31),
        decided_by=committee_member,
        decided_at=timezone.now(),
    )
    RiskAcceptance.objects.filter(pk=old.pk).update(requested_at=timezone.now() - ONE_DAY)
    new = RiskAcceptanceFactory(
        risk=risk,
        status="approved",
        expires_on=datetime.date(2026, 9, 30),
        decided_by=committee_member,
        decided_at=timezone.now(),
    )
    risk.expected = {
        "framework_references": "; ".join(sorted(CODES)),
        "mitigations": f"{planned.reference} (Planned); {in_place.reference} (Implemented)",
        "mitigation_in_place": "yes",
        "acceptances": (
            f"{new.reference} (Approved, expires 2026-09-30); "
            f"{old.reference} (Rejected, expires 2026-03-31)"
        ),
    }
    return risk


CODES = ["LLM01:2025", "MAP 2.2"]
ONE_DAY = datetime.timedelta(days=1)


def page_csv(client) -> list[dict]:
    return csv_dicts(body_of(client.get(reverse("risks:export"))))


# --- One set of columns ---------------------------------------------------------------------------
def test_every_export_of_the_register_has_the_same_columns(client_for, contributor, risk):
    api = token_client(contributor)
    page_header = csv_rows(body_of(client_for(contributor).get(reverse("risks:export"))))[0]
    api_header = csv_rows(body_of(api.get(reverse("api:export-risks-csv"))))[0]
    json_keys = list(json.loads(body_of(api.get(reverse("api:export-risks-json"))))[0])
    workbook = openpyxl.load_workbook(
        io.BytesIO(body_of(api.get(reverse("api:export-risks-xlsx"))))
    )
    xlsx_header = [cell.value for cell in workbook.worksheets[0][1]]
    job = ExportJobFactory(user=contributor)
    run_export(job.pk)
    job.refresh_from_db()
    with job.file.open("rb") as file:
        job_header = [cell.value for cell in openpyxl.load_workbook(file).worksheets[0][1]]
    assert page_header == api_header == json_keys == xlsx_header == job_header
    assert page_header == RiskExporter.header() == RegisterPageExporter.header()
    assert len(page_header) == 29
    assert page_header[19:23] == NEW_COLUMNS


def test_the_page_csv_writes_treatment_and_status_as_words_like_the_api(client_for, risk):
    [row] = page_csv(client_for("contributor"))
    assert (row["treatment"], row["status"]) == ("Mitigate", "Open")


# --- The linked records, one cell each -----------------------------------------------------------
def test_a_risk_exports_its_references_mitigations_and_acceptances(client_for, linked_risk):
    [row] = page_csv(client_for("contributor"))
    assert {name: row[name] for name in NEW_COLUMNS} == linked_risk.expected


def test_the_json_export_has_the_same_cells(contributor, linked_risk):
    response = token_client(contributor).get(reverse("api:export-risks-json"))
    [item] = json.loads(body_of(response))
    assert item["mitigation_in_place"] is True
    texts = {name: item[name] for name in NEW_COLUMNS if name != "mitigation_in_place"}
    assert texts == {name: value for name, value in linked_risk.expected.items() if name in texts}


def test_the_xlsx_job_has_the_same_cells(contributor, linked_risk):
    job = ExportJobFactory(user=contributor)
    run_export(job.pk)
    job.refresh_from_db()
    with job.file.open("rb") as file:
        header, row = openpyxl.load_workbook(file).worksheets[0].iter_rows(values_only=True)
    cells = dict(zip(header, row, strict=True))
    assert cells["mitigations"] == linked_risk.expected["mitigations"]
    assert cells["acceptances"] == linked_risk.expected["acceptances"]


def test_a_risk_with_nothing_linked_has_empty_cells(client_for, risk):
    [row] = page_csv(client_for("contributor"))
    assert [row[name] for name in NEW_COLUMNS] == ["", "", "no", ""]


def test_the_framework_references_cell_is_what_the_importer_reads(client_for, linked_risk):
    [row] = page_csv(client_for("contributor"))
    assert split_references(row["framework_references"]) == sorted(CODES)


def test_a_reference_past_9999_keeps_every_digit(client_for, linked_risk):
    mitigation = linked_risk.mitigations.first()
    linked_risk.mitigations.through.objects.filter(mitigation=mitigation).delete()
    big = MitigationFactory(id=123456, system=linked_risk.system, risks=[linked_risk])
    [row] = page_csv(client_for("contributor"))
    assert big.reference == "MTG-123456"
    assert "MTG-123456 (Planned)" in row["mitigations"]


def test_the_mitigations_export_joins_its_risks_the_same_way(contributor, system):
    risks = [RiskFactory(system=system, title=f"Risk {n}") for n in range(2)]
    MitigationFactory(system=system, risks=risks)
    response = token_client(contributor).get(reverse("api:export-mitigations-csv"))
    [row] = csv_dicts(body_of(response))
    assert row["risks"] == "; ".join(risk.reference for risk in risks)


# --- Queries: the cells come from the export's own query -----------------------------------------
def test_the_export_makes_as_many_queries_for_many_linked_risks_as_for_one(
    client_for, linked_risk, system, django_assert_max_num_queries
):
    client = client_for("contributor")
    with django_assert_max_num_queries(20) as few:
        page_csv(client)
    for n in range(10):
        risk = RiskFactory(system=system, title=f"Risk {n}")
        MitigationFactory(system=system, risks=[risk])
        RiskAcceptanceFactory(risk=risk)
    with django_assert_max_num_queries(len(few)):
        assert len(page_csv(client)) == 11


# --- PostgreSQL: still written by COPY ----------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.parametrize("exporter", [RiskExporter, MitigationExporter])
def test_postgresql_copy_writes_the_linked_cells_as_python_does(exporter, linked_risk, auditor):
    queryset = exporter.filterset_class(
        {}, queryset=exporter.get_queryset(auditor), request=None
    ).qs.order_by("pk")
    select = sql_csv.copy_select(exporter, queryset)
    assert select is not None  # every column has its SQL form: COPY writes the file
    from_postgresql = csv_rows(b"".join(sealed_csv(sql_csv.copy_csv(exporter, select))))
    from_python = csv_rows(b"".join(sealed_csv(csv_lines(exporter, queryset))))
    assert from_postgresql == from_python
    assert len(from_python) > 1


# --- The README ---------------------------------------------------------------------------------
def test_the_readme_documents_every_column_of_the_register():
    text = README.read_text()
    section = text[text.index("**The register's columns**") :]
    section = section[: section.index("**A CSV export says when it is whole.**")]
    documented = re.findall(r"^\| `(\w+)` \|", section, re.M)
    assert documented == RiskExporter.header()
