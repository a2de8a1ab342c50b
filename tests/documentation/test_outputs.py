"""A generated version as PDF and DOCX: both open, carry every Annex IV section heading, what
the record supplied and the version's SHA-256. Each file is made once for the module (a PDF
takes about a second)."""

import io

import pytest
from django.db import transaction
from docx import Document
from pypdf import PdfReader

from apps.documentation import outputs, services
from apps.documentation.annex_iv import SECTIONS
from tests.db import module_rows
from tests.documentation.factories import ALL_TEXTS, complete_system, start
from tests.factories import (
    AISystemFactory,
    IncidentFactory,
    MembershipFactory,
    MetricFactory,
    MitigationFactory,
    RiskFactory,
)

pytestmark = pytest.mark.django_db

HEADINGS = [f"{spec.number}. {spec.title}" for spec in SECTIONS]


@pytest.fixture(scope="module")
def files(django_db_setup, django_db_blocker):
    """A documented system's version 1, its PDF and its DOCX (made once)."""
    with module_rows(django_db_blocker):
        contributor = MembershipFactory(user__full_name="Carla Contributor").user
        team = contributor.memberships.get().team
        system = complete_system(
            AISystemFactory(
                team=team,
                name="Support chatbot",
                business_owner=contributor,
                eu_ai_act_tier="high_risk",
                eu_ai_act_area="5",
            )
        )
        risk = RiskFactory(system=system, title="Invented refund policy")
        MitigationFactory(system=system, title="Agent approves refunds", risks=[risk])
        MetricFactory(system=system, name="Ungrounded answer rate")
        IncidentFactory(system=system, title="A refund policy invented", severity=2)
        document = start(system, contributor, **ALL_TEXTS)
        version = services.generate_version(document=document, by=contributor)
        yield {
            "version": version,
            "pdf": outputs.build_pdf(version),
            "docx": outputs.build_docx(version),
        }
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def pdf_text(files):
    reader = PdfReader(io.BytesIO(files["pdf"]))
    return reader, " ".join((page.extract_text() or "") for page in reader.pages)


@pytest.fixture(scope="module")
def docx(files):
    return Document(io.BytesIO(files["docx"]))


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_pdf_opens_and_has_every_section_heading(pdf_text):
    reader, text = pdf_text
    assert len(reader.pages) >= 3
    for heading in HEADINGS:
        assert heading in flat(text), heading


def test_the_pdf_carries_the_versions_sha256_and_the_records_content(files, pdf_text):
    _, text = pdf_text
    compact = text.replace("\n", "").replace(" ", "")
    assert files["version"].sha256 in compact
    for expected in (
        "Invented refund policy",
        "Ungrounded answer rate",
        "The hardware of the system.",
    ):
        assert expected.replace(" ", "") in compact, expected


def test_the_docx_opens_and_has_every_section_heading(docx):
    headings = [p.text for p in docx.paragraphs if p.style.name == "Heading 1"]
    assert headings == HEADINGS


def test_the_docx_carries_the_sha256_and_the_texts(files, docx):
    sha256 = files["version"].sha256
    assert sha256 in docx.sections[0].footer.paragraphs[0].text
    assert sha256 in docx.core_properties.comments
    cells = {cell.text for table in docx.tables for row in table.rows for cell in row.cells}
    assert sha256 in cells
    assert "The data governance of the system." in {p.text for p in docx.paragraphs}


def test_each_file_is_made_once_per_version(files, monkeypatch):
    made = []
    monkeypatch.setattr(outputs, "build_pdf", lambda v: made.append(v.pk) or b"%PDF-")
    version = files["version"]

    assert outputs.version_pdf(version) == outputs.version_pdf(version) == b"%PDF-"
    assert made == [version.pk]
