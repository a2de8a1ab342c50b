"""The safety plan shows the system's compliance (a section the compliance app registers),
frozen with a submitted version."""

import datetime

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps.compliance import services
from apps.compliance.models import AcceptanceStatus, ObligationStatus
from apps.reviews.plan import assemble_plan, plan_sections
from tests.factories import (
    ObligationExceptionFactory,
    ObligationFactory,
    ReviewFactory,
    UserFactory,
    current_requirement,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def obligations(system, contributor):
    """Art. 9 (blocking) not started, due in the past; Art. 50 implemented and owned."""
    art_9 = ObligationFactory(system=system, due_date=datetime.date(2020, 1, 1))
    art_50 = ObligationFactory(
        system=system,
        requirement=current_requirement("Art. 50"),
        status=ObligationStatus.IMPLEMENTED,
        owner=contributor,
        why="A generative system",
    )
    return art_9, art_50


def test_the_plan_holds_the_obligations_by_framework(system, obligations, contributor):
    art_9, _ = obligations

    section = assemble_plan(system)["extra_sections"]["compliance"]

    [eu] = section["frameworks"]
    assert (eu["name"], eu["applying"], eu["met"]) == ("EU AI Act", 2, 1)
    rows = {row["identifier"]: row for row in eu["obligations"]}
    assert rows["Art. 9"]["blocking"] and rows["Art. 9"]["overdue"]
    assert rows["Art. 50"]["owner"] == contributor.full_name
    assert rows["Art. 50"]["why"] == "A generative system"
    assert [row["reference"] for row in section["unmet_blocking"]] == [art_9.reference]


def test_an_exception_in_force_is_listed_and_no_longer_unmet(system, obligations, committee_member):
    art_9, _ = obligations
    exception = ObligationExceptionFactory(
        obligation=art_9,
        status=AcceptanceStatus.APPROVED,
        decided_by=committee_member,
        decided_at=datetime.datetime.now(datetime.UTC),
    )

    section = assemble_plan(system)["extra_sections"]["compliance"]

    assert section["unmet_blocking"] == []
    assert section["exceptions"][0]["reference"] == exception.reference
    assert section["exceptions"][0]["approver"] == committee_member.full_name


def test_a_system_without_obligations_has_no_section(system):
    assert "compliance" not in assemble_plan(system)["extra_sections"]


def test_the_section_comes_before_the_approvals(system, obligations):
    sections = plan_sections(assemble_plan(system))

    assert [s["title"] for s in sections["extra"]][-1] == "Compliance"
    assert sections["approvals_number"] == sections["extra"][-1]["number"] + 1


def test_the_live_plan_page_shows_the_compliance_section(client_for, system, obligations):
    response = client_for("viewer").get(reverse("reviews:plan", args=[system.pk]))

    assertContains(response, ". Compliance</h2>")
    assertContains(response, "Blocking obligations not met")
    assertContains(response, obligations[0].reference)


def test_a_frozen_version_keeps_what_its_reviewers_read(
    client_for, system, obligations, contributor
):
    art_9, _ = obligations
    review = ReviewFactory(system=system, reviewers=[UserFactory(is_committee_member=True)])
    services.set_status(
        obligation=art_9, by=contributor, status=ObligationStatus.VERIFIED, reason="Done"
    )

    frozen = client_for("viewer").get(review.current_version.get_absolute_url())
    live = client_for("viewer").get(reverse("reviews:plan", args=[system.pk]))

    assertContains(frozen, "Blocking obligations not met")
    assertNotContains(live, "Blocking obligations not met")


def test_the_plan_pdf_shows_the_compliance_section(client_for, system, obligations):
    from io import BytesIO

    from pypdf import PdfReader

    response = client_for("viewer").get(reverse("reviews:plan_pdf", args=[system.pk]))
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)

    assert "Compliance" in text
    assert obligations[0].reference in text
