"""Impact assessments on the API: read-only for readers (auditors all), with their versions, each
version's PDF and the history."""

import pytest
from django.urls import reverse

from apps.assessments import pdf

pytestmark = pytest.mark.django_db

LIST = "/api/v1/fundamental-rights-assessments/"


@pytest.fixture
def submitted(assessment, contributor, submit):
    return submit(assessment, contributor)


@pytest.fixture
def quick_pdf(monkeypatch):
    """The PDF as its HTML: the layout is tested once in test_pdf.py."""
    monkeypatch.setattr(
        pdf, "render_pdf", lambda context: b"%PDF-1.7 " + str(context["version"]).encode()
    )


@pytest.mark.parametrize(("role", "seen"), [("auditor", 1), ("viewer", 1), ("outsider", 0)])
def test_each_reader_lists_what_they_may_read(client_for, submitted, role, seen):
    response = client_for(role).get(LIST)
    assert response.status_code == 200
    assert response.json()["count"] == seen


def test_the_detail_carries_the_draft_and_its_versions(client_for, submitted, risk):
    assessment = submitted.assessment
    body = client_for("auditor").get(f"{LIST}{assessment.reference}/").json()
    assert body["reference"] == assessment.reference
    assert body["risks"] == [risk.reference]
    (version,) = body["versions"]
    assert (version["number"], version["state"]) == (1, "pending")
    assert version["pdf_url"].endswith(f"/{assessment.pk}/versions/1/pdf/")


def test_the_versions_carry_their_frozen_content(client_for, submitted):
    url = reverse("api:fundamental-rights-assessment-versions", args=[submitted.assessment_id])
    (version,) = client_for("auditor").get(url).json()
    assert version["content"]["sections"]["deployer_process"]
    assert version["content"]["risks"][0]["title"] == "Invented refund policy"


def test_a_versions_pdf_is_downloaded(client_for, submitted, quick_pdf):
    url = reverse(
        "api:fundamental-rights-assessment-version-pdf",
        kwargs={"pk": submitted.assessment_id, "number": 1},
    )
    response = client_for("auditor").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert client_for("auditor").get(url.replace("/1/pdf/", "/7/pdf/")).status_code == 404


def test_another_teams_assessment_is_not_found(client_for, submitted):
    url = f"{LIST}{submitted.assessment_id}/"
    assert client_for("outsider").get(url).status_code == 404


def test_the_history_lists_the_draft_and_its_versions(client_for, submitted):
    url = reverse("api:fundamental-rights-assessment-history", args=[submitted.assessment_id])
    reasons = [event["change_reason"] for event in client_for("auditor").get(url).json()["results"]]
    assert "Version 1 submitted for review" in reasons


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_it_is_read_only(client_for, submitted, method):
    url = f"{LIST}{submitted.assessment_id}/" if method != "post" else LIST
    response = getattr(client_for("contributor"), method)(url, {}, content_type="application/json")
    assert response.status_code == 405


def test_the_export_lists_the_assessments(client_for, submitted):
    response = client_for("auditor").get("/api/v1/exports/fundamental-rights-assessments.csv")
    content = b"".join(response.streaming_content).decode()
    assert submitted.assessment.reference in content
