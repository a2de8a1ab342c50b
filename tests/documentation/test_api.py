"""Technical documentation on the API: read-only documents and versions (auditors read every
one, a team's members their own), with history, SHA-256 and the files."""

import pytest
from django.urls import reverse

from apps.documentation import outputs, services
from apps.documentation.annex_iv import content_sha256

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(document, contributor):
    return services.generate_version(document=document, by=contributor)


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_auditors_list_every_teams_documents(client_for, document, foreign_document):
    rows = results(client_for("auditor").get(reverse("api:technical-document-list")))
    assert {row["reference"] for row in rows} == {document.reference, foreign_document.reference}


def test_a_teams_members_list_their_own_documents_only(client_for, document, foreign_document):
    rows = results(client_for("viewer").get(reverse("api:technical-document-list")))
    assert [row["reference"] for row in rows] == [document.reference]


def test_a_document_lists_its_versions_with_sha256_and_download_links(client_for, version):
    url = reverse("api:technical-document-detail", args=[version.document.reference])

    data = client_for("auditor").get(url).json()

    [summary] = data["versions"]
    assert summary["sha256"] == version.sha256 == data["latest_sha256"]
    assert summary["pdf"].endswith(reverse("api:technical-document-version-pdf", args=[version.pk]))
    assert summary["docx"].endswith(
        reverse("api:technical-document-version-docx", args=[version.pk])
    )
    assert data["system"]["reference"] == version.document.system.reference
    assert "data_governance" in data


def test_a_versions_content_hashes_to_its_sha256(client_for, version):
    url = reverse("api:technical-document-version-detail", args=[version.pk])

    data = client_for("auditor").get(url).json()

    assert content_sha256(data["content"]) == data["sha256"] == version.sha256


def test_versions_are_found_by_sha256(client_for, version):
    url = reverse("api:technical-document-version-list")
    rows = results(client_for("auditor").get(url, {"sha256": version.sha256.upper()}))
    assert [row["id"] for row in rows] == [version.pk]
    assert "content" not in rows[0]


def test_another_teams_version_is_not_found(client_for, version):
    url = reverse("api:technical-document-version-detail", args=[version.pk])
    assert client_for("outsider").get(url).status_code == 404


def test_the_files_download_through_the_api(client_for, version, monkeypatch):
    monkeypatch.setattr(outputs, "build_pdf", lambda v: b"%PDF-1.7 test")
    monkeypatch.setattr(outputs, "build_docx", lambda v: b"PK test")
    client = client_for("auditor")

    pdf = client.get(
        reverse("api:technical-document-version-pdf", args=[version.pk]), HTTP_ACCEPT="*/*"
    )
    docx = client.get(
        reverse("api:technical-document-version-docx", args=[version.pk]),
        HTTP_ACCEPT="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )

    assert (pdf.status_code, pdf["Content-Type"], pdf.content) == (
        200,
        "application/pdf",
        b"%PDF-1.7 test",
    )
    assert (docx.status_code, docx["Content-Type"]) == (200, outputs.DOCX_TYPE)


def test_the_history_of_a_document_and_of_a_version(client_for, version):
    client = client_for("auditor")
    document_history = results(
        client.get(reverse("api:technical-document-history", args=[version.document_id]))
    )
    version_history = results(
        client.get(reverse("api:technical-document-version-history", args=[version.pk]))
    )

    reason = f"Generated version 1 (SHA-256 {version.sha256})"
    assert document_history[0]["change_reason"] == reason
    assert [event["change_reason"] for event in version_history] == [reason]


@pytest.mark.parametrize(("role", "status"), [("contributor", 405), ("auditor", 403)])
def test_the_api_is_read_only(client_for, document, role, status):
    url = reverse("api:technical-document-detail", args=[document.pk])
    assert client_for(role).patch(url, {}, content_type="application/json").status_code == status


def test_anonymous_callers_are_refused(client, document):
    assert client.get(reverse("api:technical-document-list")).status_code == 401
