"""A version as a PDF: it opens, and it holds the sections, the version number and its approval
state. Laid out once for the module (WeasyPrint takes a second)."""

import io

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from apps.accounts.models import Membership
from apps.assessments import services
from apps.assessments.models import SECTIONS
from apps.reviews import services as review_services
from tests.assessments.factories import AssessmentFactory, make_art27_system
from tests.db import module_rows
from tests.factories import AISystemFactory, MembershipFactory, RiskFactory, UserFactory


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker):
    """An approved version 1 and its PDF, as a reader downloads it from the page."""
    with module_rows(django_db_blocker):
        owner = MembershipFactory(role=Membership.Role.CONTRIBUTOR).user
        reviewer = UserFactory(is_committee_member=True)
        system = make_art27_system(
            AISystemFactory(team=owner.memberships.get().team, business_owner=owner)
        )
        assessment = AssessmentFactory(system=system, created_by=owner)
        assessment.risks.add(RiskFactory(system=system, title="Postcode discrimination"))
        version = services.submit_assessment(assessment=assessment, by=owner, reviewers=[reviewer])
        review_services.decide_review(
            review=version.review, reviewer=reviewer, decision="approve", comment=""
        )
        client = Client()
        client.force_login(reviewer)
        response = client.get(reverse("assessments:version_pdf", args=[assessment.pk, 1]))
        reader = PdfReader(io.BytesIO(response.content))
        text = "\n".join(page.extract_text() for page in reader.pages)
        yield {"response": response, "reader": reader, "text": " ".join(text.split())}
        transaction.set_rollback(True)


def test_the_pdf_opens(rendered):
    assert rendered["response"]["Content-Type"] == "application/pdf"
    assert len(rendered["reader"].pages) >= 2


def test_the_pdf_holds_every_section(rendered):
    for section in SECTIONS:
        assert section.title in rendered["text"], section.title


def test_the_pdf_says_its_version_and_approval_state(rendered):
    assert "Version 1" in rendered["text"]
    assert "Approval state Approved" in rendered["text"]


def test_the_pdf_holds_the_linked_risks_as_they_were(rendered):
    assert "Postcode discrimination" in rendered["text"]
