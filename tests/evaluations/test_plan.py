"""The safety plan shows the latest evaluations (a section the evaluations app registers),
frozen with a submitted version."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps.evaluations import services
from apps.reviews.plan import assemble_plan, plan_sections
from tests.evaluations.reports import json_report
from tests.factories import ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db


def ingest(system, by, *results, suite="nightly red-team"):
    return services.ingest_run(
        system=system, by=by, content=json_report(*results, suite=suite), model_version="llm-7"
    )


def test_the_plan_holds_the_latest_run_of_each_suite(system, contributor, probe, guard):
    ingest(system, contributor, (probe.key, "failed"))
    latest = ingest(system, contributor, (probe.key, "passed"))
    fairness = ingest(system, contributor, ("slice", "passed"), suite="fairness")

    section = assemble_plan(system)["extra_sections"]["evaluations"]

    assert [run["reference"] for run in section["latest_runs"]] == [
        fairness.reference,
        latest.reference,
    ]
    assert section["test_case_total"] == 1
    assert section["mitigations"][0]["reference"] == guard.reference


def test_a_system_without_evaluations_has_no_section(system):
    plan = assemble_plan(system)

    assert "evaluations" not in plan["extra_sections"]
    assert plan_sections(plan)["approvals_number"] == 10


def test_the_section_is_numbered_before_the_approvals(system, contributor, probe):
    ingest(system, contributor, (probe.key, "passed"))

    sections = plan_sections(assemble_plan(system))

    assert [(s["number"], s["title"]) for s in sections["extra"]] == [(10, "Evaluations")]
    assert sections["approvals_number"] == 11


def test_the_live_plan_page_shows_the_evaluations(client_for, system, contributor, probe):
    run = ingest(system, contributor, (probe.key, "passed"))

    response = client_for("viewer").get(reverse("reviews:plan", args=[system.pk]))

    assertContains(response, "10. Evaluations")
    assertContains(response, "11. Approvals")
    assertContains(response, run.reference)


def test_a_frozen_version_keeps_the_evaluations_its_reviewers_read(
    client_for, system, contributor, probe
):
    read = ingest(system, contributor, (probe.key, "failed"))
    review = ReviewFactory(system=system, reviewers=[UserFactory(is_committee_member=True)])
    later = ingest(system, contributor, (probe.key, "passed"))

    response = client_for("viewer").get(review.current_version.get_absolute_url())

    assertContains(response, read.reference)
    assertNotContains(response, later.reference)


def test_the_plan_pdf_shows_the_evaluations(client_for, system, contributor, probe):
    from io import BytesIO

    from pypdf import PdfReader

    run = ingest(system, contributor, (probe.key, "passed"))

    response = client_for("viewer").get(reverse("reviews:plan_pdf", args=[system.pk]))
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)

    assert "Evaluations" in text
    assert run.reference in text
