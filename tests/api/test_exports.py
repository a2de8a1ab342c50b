"""Exports: exactly the filtered rows, in files that parse, streamed with bounded memory."""

import datetime
import io
import json
import tracemalloc

import openpyxl
import pytest
from django.urls import reverse

from apps.core.models import Level
from apps.risks.api.exports import RiskExporter
from apps.risks.api.filters import RiskAPIFilterSet
from apps.risks.models import Risk, RiskCategory, RiskMatrix
from apps.risks.services import apply_assessment
from tests.export_files import csv_dicts
from tests.factories import AISystemFactory, RiskFactory

pytestmark = pytest.mark.django_db


def body_of(response) -> bytes:
    assert response.status_code == 200, getattr(response, "content", b"")
    return b"".join(response.streaming_content)


@pytest.fixture
def register(system, foreign_system, contributor):
    """Risks of every level in two teams, one archived, one with a formula-like title."""
    risks = [
        RiskFactory(
            system=system,
            title="Low one",
            inherent_likelihood=1,
            inherent_impact=1,
            residual_likelihood=1,
            residual_impact=1,
        ),
        RiskFactory(
            system=system,
            title="High one",
            inherent_likelihood=4,
            inherent_impact=3,
            residual_likelihood=4,
            residual_impact=3,
        ),
        RiskFactory(
            system=system,
            title='=HYPERLINK("http://evil")',
            inherent_likelihood=5,
            inherent_impact=5,
            residual_likelihood=5,
            residual_impact=4,
        ),
        RiskFactory(
            system=foreign_system,
            title="Foreign critical",
            inherent_likelihood=5,
            inherent_impact=5,
            residual_likelihood=5,
            residual_impact=5,
        ),
    ]
    archived = RiskFactory(
        system=system,
        title="Archived high",
        inherent_likelihood=4,
        inherent_impact=3,
        residual_likelihood=4,
        residual_impact=3,
    )
    archived.archived_at = datetime.datetime(2026, 1, 5, 10, tzinfo=datetime.UTC)
    archived.save()
    return [*risks, archived]


def expected_refs(user, query):
    """The references the register's FilterSet selects for ``query``, in its order."""
    from django.test import RequestFactory

    request = RequestFactory().get("/", query)
    request.user = user
    filterset = RiskAPIFilterSet(
        request.GET, queryset=Risk.objects.visible_to(user), request=request
    )
    assert filterset.is_valid(), filterset.errors
    return [risk.reference for risk in filterset.qs]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"archived": "all"},
        {"level": "critical,high"},
        {"level": "high", "archived": "all", "ordering": "-title"},
        {"search": "one"},
        {"status": "open", "ordering": "reference"},
    ],
)
def test_the_csv_export_is_the_filtered_register(query, api_for, auditor, register):
    body = body_of(api_for(auditor).get(reverse("api:export-risks-csv"), query))
    assert body.decode().startswith("\ufeff")
    rows = csv_dicts(body)
    assert [row["reference"] for row in rows] == expected_refs(auditor, query)


def test_csv_columns_are_documented_words_and_iso_dates(api_for, auditor, register):
    response = api_for(auditor).get(reverse("api:export-risks-csv"), {"archived": "all"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="risks-')
    rows = {row["title"]: row for row in csv_dicts(body_of(response))}
    assert list(next(iter(rows.values()))) == RiskExporter.header()
    high = rows["High one"]
    assert high["residual_level"] == "High"
    assert high["inherent_level"] == "High"
    assert high["treatment"] == "Mitigate"
    assert high["category"] == "Model error"
    assert high["subcategory"].startswith("Hallucination")
    datetime.date.fromisoformat(high["treatment_due"])
    datetime.datetime.fromisoformat(high["updated_at"])
    assert high["archived"] == "no"
    assert rows["Archived high"]["archived"] == "yes"
    assert rows["Archived high"]["archived_at"] == "2026-01-05T10:00:00+00:00"
    # A spreadsheet would run this title as a formula: it is made plain text.
    assert '\'=HYPERLINK("http://evil")' in rows


def test_the_json_export_parses_and_matches_the_csv(api_for, auditor, register):
    client = api_for(auditor)
    rows = json.loads(body_of(client.get(reverse("api:export-risks-json"), {"archived": "all"})))
    assert [row["reference"] for row in rows] == expected_refs(auditor, {"archived": "all"})
    first = rows[0]
    assert list(first) == RiskExporter.header()
    assert first["residual_level"] in {label for _, label in Level.choices}
    assert isinstance(first["residual_score"], int)
    assert isinstance(first["archived"], bool)
    assert any(row["title"] == '=HYPERLINK("http://evil")' for row in rows)  # JSON keeps text
    assert (
        json.loads(body_of(client.get(reverse("api:export-risks-json"), {"search": "zzz"}))) == []
    )


def test_the_xlsx_export_opens_with_openpyxl(api_for, auditor, register):
    response = api_for(auditor).get(reverse("api:export-risks-xlsx"), {"archived": "all"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(body_of(response)), read_only=True)
    sheet = workbook[workbook.sheetnames[0]]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == RiskExporter.header()
    assert [row[0] for row in rows[1:]] == expected_refs(auditor, {"archived": "all"})
    titles = {row[4] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil")' in titles
    columns = list(workbook["Columns"].iter_rows(values_only=True))
    assert [c[0] for c in columns[1:]] == RiskExporter.header()


def test_xlsx_drops_characters_a_workbook_cannot_hold(api_for, auditor, system):
    RiskFactory(system=system, title="Bell \x07 and escape \x1b in a title")
    response = api_for(auditor).get(reverse("api:export-risks-xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(body_of(response))).worksheets[0]
    assert sheet["E2"].value == "Bell  and escape  in a title"


@pytest.mark.parametrize("export", ["systems", "mitigations"])
@pytest.mark.parametrize("file_format", ["csv", "json", "xlsx"])
def test_every_register_exports_in_every_format(export, file_format, api_for, auditor, records):
    response = api_for(auditor).get(reverse(f"api:export-{export}-{file_format}"))
    content = body_of(response)
    if file_format == "csv":
        rows = csv_dicts(content)
    elif file_format == "json":
        rows = json.loads(content)
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        rows = [dict(zip(values[0], row, strict=True)) for row in values[1:]]
    assert len(rows) == 2  # both teams' records, for an auditor
    if export == "mitigations":
        own = next(row for row in rows if row["reference"] == records["mitigation"].reference)
        assert own["risks"] == records["risk"].reference
        assert int(own["risk_count"]) == 1
    else:
        assert {row["criticality"] for row in rows} <= {"Low", "Medium", "High", "Critical"}


def test_an_invalid_filter_is_a_400_not_a_broken_file(api_for):
    response = api_for("auditor").get(reverse("api:export-risks-csv"), {"level": "enormous"})
    assert response.status_code == 400
    assert "level" in response.json()["errors"]


def test_the_accept_header_does_not_change_an_export(api_for, records):
    response = api_for("auditor").get(
        reverse("api:export-risks-csv"), HTTP_ACCEPT="application/xml"
    )
    assert response.status_code == 200


# --- Memory: streaming keeps it bounded, whatever the number of rows ------------------------------
def bulk_risks(count: int) -> None:
    system = AISystemFactory()
    category = RiskCategory.objects.get(slug="hallucination", parent__slug="model-error")
    matrix = RiskMatrix.load()
    batch = []
    for n in range(count):
        risk = Risk(
            system=system,
            title=f"Bulk risk {n}",
            scenario="A long enough scenario to look like real text. " * 4,
            category=category,
            owner=system.business_owner,
            inherent_likelihood=1 + n % 5,
            inherent_impact=5,
            residual_likelihood=1,
            residual_impact=5,
        )
        apply_assessment(risk, matrix)
        batch.append(risk)
    Risk.objects.bulk_create(batch, batch_size=2000)


def peak_while_streaming(client, url) -> tuple[int, int]:
    tracemalloc.start()
    try:
        response = client.get(url)
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


def assert_bounded(small_peak, large_peak, large):
    assert large_peak < 12 * 1024 * 1024, f"peak {large_peak / 1e6:.1f} MB for {large} rows"
    # Many times the rows may not take much more memory than a few chunks of them.
    assert large_peak < 1.5 * small_peak + 1024 * 1024, (small_peak, large_peak)


def test_csv_and_json_stream_20000_rows_in_bounded_memory(api_for):
    client = api_for("auditor")
    urls = {fmt: reverse(f"api:export-risks-{fmt}") for fmt in ("csv", "json")}
    bulk_risks(2_000)
    small = {fmt: peak_while_streaming(client, url) for fmt, url in urls.items()}
    bulk_risks(18_000)
    assert Risk.objects.count() == 20_000
    for fmt, url in urls.items():
        large_peak, large_size = peak_while_streaming(client, url)
        small_peak, small_size = small[fmt]
        assert large_size > 8 * small_size  # ten times the rows went out
        assert_bounded(small_peak, large_peak, 20_000)


def test_xlsx_is_written_in_bounded_memory(api_for, monkeypatch):
    """openpyxl allocates many objects per cell, which tracemalloc is slow to trace: fewer
    rows and smaller chunks, the same question. (bench/run.py does 100,000.)"""
    monkeypatch.setattr("apps.core.api.exports.CHUNK_SIZE", 250)
    client = api_for("auditor")
    url = reverse("api:export-risks-xlsx")
    bulk_risks(500)
    small_peak, small_size = peak_while_streaming(client, url)
    bulk_risks(2_500)
    large_peak, large_size = peak_while_streaming(client, url)
    assert large_size > 3 * small_size
    assert_bounded(small_peak, large_peak, 3_000)


def test_xlsx_is_written_through_lxml():
    """openpyxl's write-only sheets use lxml's incremental writer when it is installed (about a
    quarter faster than the pure-Python one, bench/run.py); a missing install would be silent."""
    from openpyxl.xml import LXML

    assert LXML is True
