"""CSV exports written by PostgreSQL's COPY read exactly as the Python writer's."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.urls import reverse

from apps.core.api import sql_csv
from apps.core.api.exports import csv_lines, iso, iso_from_utc_text
from apps.incidents.api.exports import IncidentExporter
from apps.risks.api.exports import RegisterPageExporter, RiskExporter
from apps.risks.models import Risk, RiskCategory
from apps.systems.api.exports import SystemExporter
from apps.systems.models import AISystem
from tests.export_files import csv_rows
from tests.factories import AISystemFactory, RiskFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]

AWKWARD_TEXT = [
    '=HYPERLINK("http://evil")',
    "+1 555",
    "-minus first",
    "@SUM(A1)",
    "\tstarts with a tab",
    "\rstarts with a return",
    'quotes "inside", commas, and\nnew lines',
    "ünïcödé — ‘quotes’",
    "",
]


def read(chunks) -> list[list[str]]:
    text = "".join(c.decode() if isinstance(c, bytes) else c for c in chunks)
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


@pytest.fixture
def awkward_register(system, contributor):
    top_level = RiskCategory.objects.filter(parent__isnull=True).first()
    for n, text in enumerate(AWKWARD_TEXT):
        RiskFactory(system=system, title=f"{text} {n}", scenario=text or "x", owner=contributor)
    RiskFactory(system=system, title="Top-level category", category=top_level)
    archived = RiskFactory(system=system, title="Archived")
    stamps = [
        datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        datetime.datetime(2026, 1, 2, 3, 4, 5, 120000, tzinfo=datetime.UTC),
        datetime.datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=datetime.UTC),
    ]
    Risk.objects.filter(pk=archived.pk).update(archived_at=stamps[1], updated_at=stamps[0])
    Risk.objects.filter(title__startswith="+").update(updated_at=stamps[2])
    AISystemFactory(team=system.team, name="=cmd|' /C calc'!A0", vendor="")


@pytest.mark.parametrize("exporter", [RiskExporter, RegisterPageExporter, SystemExporter])
def test_postgresql_writes_the_same_csv_as_the_python_writer(exporter, awkward_register, auditor):
    queryset = exporter.filterset_class(
        {"archived": "all"}, queryset=exporter.get_queryset(auditor)
    ).qs.order_by("pk")
    select = sql_csv.copy_select(exporter, queryset)
    assert select is not None
    from_postgresql = read(sql_csv.copy_csv(exporter, select))
    from_python = read(csv_lines(exporter, queryset))
    assert len(from_python) == queryset.count() + 1
    assert from_postgresql == from_python


def test_the_api_csv_export_is_written_by_postgresql(awkward_register, api_for):
    response = api_for("auditor").get(reverse("api:export-risks-csv"))
    body = b"".join(response.streaming_content)
    assert b"\r\n" not in body.split(b"\n", 1)[1][:200]  # COPY's line endings, not csv's
    rows = csv_rows(body)
    assert rows[0][:2] == ["reference", "system_reference"]
    titles = {row[4] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil") 0' in titles


def test_an_export_that_can_match_nothing_is_its_header(nobody, client):
    client.force_login(nobody)
    rows = csv_rows(b"".join(client.get(reverse("risks:export")).streaming_content))
    assert rows == [RegisterPageExporter.header()]


def test_an_export_with_a_python_only_conversion_is_written_by_python(auditor):
    queryset = IncidentExporter.get_queryset(auditor)
    assert sql_csv.copy_select(IncidentExporter, queryset) is None


@pytest.mark.parametrize("microsecond", [0, 1, 120000, 999999])
def test_date_times_read_as_text_are_written_as_iso_writes_them(microsecond, system):
    moment = datetime.datetime(2026, 7, 8, 9, 10, 11, microsecond, tzinfo=datetime.UTC)
    AISystem.objects.filter(pk=system.pk).update(updated_at=moment)
    from apps.core.api.exports import UTCText

    text = AISystem.objects.annotate(text=UTCText("updated_at")).get(pk=system.pk).text
    assert iso_from_utc_text(text) == iso(moment)
