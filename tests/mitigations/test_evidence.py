"""Evidence on a mitigation: files, links and notes; download rights; removal with a trace."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps.core import services as core_services
from apps.core.models import Evidence
from apps.mitigations import selectors
from tests.conftest import ROLES

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="red-team-report.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def add_url(mitigation):
    return reverse("mitigations:add_evidence", args=[mitigation.pk])


def download_url(evidence):
    return reverse("mitigations:evidence_download", args=[evidence.object_id, evidence.pk])


def remove_url(evidence):
    return reverse("mitigations:remove_evidence", args=[evidence.object_id, evidence.pk])


@pytest.fixture
def stored_file(media_root, mitigation, contributor):
    return core_services.add_evidence(record=mitigation, by=contributor, kind="file", file=pdf())


# --- Adding ---------------------------------------------------------------------------------------
def test_contributor_uploads_a_file(client_for, media_root, mitigation, contributor):
    response = client_for(contributor).post(add_url(mitigation), {"kind": "file", "file": pdf()})
    assert response.status_code == 302
    assert response.url == f"{mitigation.get_absolute_url()}#evidence"
    evidence = mitigation.evidence.get()
    assert evidence.original_name == "red-team-report.pdf"
    assert evidence.media_type == "application/pdf"
    assert evidence.added_by == contributor


def test_the_page_lists_evidence_with_who_added_it(client_for, stored_file, contributor):
    contributor.full_name = "Ada Lovelace"
    contributor.save()
    response = client_for("viewer").get(stored_file.content_object.get_absolute_url())
    assertContains(response, "red-team-report.pdf")
    assertContains(response, "Added by Ada Lovelace")
    assertContains(response, download_url(stored_file))


def test_too_big_file_is_refused_with_a_clear_message(client_for, media_root, settings, mitigation):
    settings.EVIDENCE_MAX_BYTES = 16
    response = client_for("contributor").post(add_url(mitigation), {"kind": "file", "file": pdf()})
    assert response.status_code == 400
    assert "the limit is" in response.context["evidence_form"].errors["file"][0]
    assertContains(response, "The evidence was not added", status_code=400)
    assert not mitigation.evidence.exists()


def test_wrong_type_of_file_is_refused(client_for, media_root, mitigation):
    upload = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/x-msdownload")
    response = client_for("contributor").post(add_url(mitigation), {"kind": "file", "file": upload})
    assert response.status_code == 400
    assert "are not accepted" in response.context["evidence_form"].errors["file"][0]
    assert not mitigation.evidence.exists()


def test_file_that_is_not_what_its_name_says_is_refused(client_for, media_root, mitigation):
    upload = SimpleUploadedFile("report.pdf", b"<html>not a pdf</html>")
    response = client_for("contributor").post(add_url(mitigation), {"kind": "file", "file": upload})
    assert "is not a real PDF file" in response.context["evidence_form"].errors["file"][0]


def test_file_kind_without_a_file_is_refused(client_for, mitigation):
    response = client_for("contributor").post(add_url(mitigation), {"kind": "file"})
    assert response.context["evidence_form"].errors["file"] == ["Choose a file to upload."]


def test_contributor_adds_a_link(client_for, mitigation):
    response = client_for("contributor").post(
        add_url(mitigation), {"kind": "link", "url": "https://ci.example.org/runs/42"}
    )
    assert response.status_code == 302
    assert mitigation.evidence.get().url == "https://ci.example.org/runs/42"


def test_a_link_that_is_not_http_is_refused(client_for, mitigation):
    response = client_for("contributor").post(
        add_url(mitigation), {"kind": "link", "url": "javascript:alert(1)"}
    )
    assert response.status_code == 400
    assert response.context["evidence_form"].errors["url"]
    assert not mitigation.evidence.exists()


def test_contributor_adds_a_note(client_for, mitigation):
    client_for("contributor").post(
        add_url(mitigation), {"kind": "note", "note": "Checked 40 conversations."}
    )
    assert mitigation.evidence.get().note == "Checked 40 conversations."


def test_unknown_kind_is_refused(client_for, mitigation):
    response = client_for("contributor").post(add_url(mitigation), {"kind": "rumour"})
    assert "kind" in response.context["evidence_form"].errors


def test_adding_evidence_appears_in_the_mitigations_history(client_for, mitigation):
    client_for("contributor").post(add_url(mitigation), {"kind": "note", "note": "Checked."})
    events = selectors.history_of_mitigation(mitigation)
    assert events.filter(change_reason=f"Evidence added to {mitigation.reference}").exists()


# --- Downloading ----------------------------------------------------------------------------------
DOWNLOAD = {
    "contributor": 200,
    "viewer": 200,
    "outsider": 404,
    "committee_member": 200,
    "auditor": 200,
    "administrator": 200,
    "nobody": 404,
    "anonymous": 302,
}


def test_download_table_covers_every_role():
    assert set(DOWNLOAD) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_download_is_open_to_those_who_read_the_mitigation(role, client_for, stored_file):
    assert client_for(role).get(download_url(stored_file)).status_code == DOWNLOAD[role]


def test_download_is_an_attachment_with_its_original_name(client_for, stored_file):
    response = client_for("viewer").get(download_url(stored_file))
    assert response["Content-Disposition"] == 'attachment; filename="red-team-report.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_download_through_another_mitigation_is_404(client_for, stored_file, system):
    from tests.factories import MitigationFactory

    other = MitigationFactory(system=system)
    url = reverse("mitigations:evidence_download", args=[other.pk, stored_file.pk])
    assert client_for("contributor").get(url).status_code == 404


def test_a_link_or_note_has_nothing_to_download(client_for, mitigation, contributor):
    note = core_services.add_evidence(record=mitigation, by=contributor, kind="note", note="Ok")
    assert client_for("contributor").get(download_url(note)).status_code == 404


def test_removed_evidence_is_not_downloadable(client_for, stored_file, contributor):
    core_services.remove_evidence(evidence=stored_file, by=contributor)
    assert client_for("contributor").get(download_url(stored_file)).status_code == 404


# --- Removing -------------------------------------------------------------------------------------
def test_removal_asks_for_confirmation_first(client_for, stored_file):
    response = client_for("contributor").get(remove_url(stored_file))
    assertContains(response, "Remove the evidence")
    assertContains(response, "red-team-report.pdf")
    stored_file.refresh_from_db()
    assert not stored_file.is_removed


def test_contributor_removes_evidence_and_the_row_stays(client_for, stored_file, contributor):
    client = client_for(contributor)
    response = client.post(remove_url(stored_file))
    assert response.status_code == 302
    stored_file.refresh_from_db()
    assert stored_file.removed_by == contributor
    assert Evidence.objects.filter(pk=stored_file.pk).exists()
    page = client.get(stored_file.content_object.get_absolute_url())
    assertNotContains(page, download_url(stored_file))


@pytest.mark.parametrize(
    ("role", "status"),
    [("viewer", 403), ("auditor", 403), ("committee_member", 403), ("outsider", 404)],
)
def test_readers_cannot_remove_evidence(role, status, client_for, stored_file):
    client = client_for(role)
    assert client.get(remove_url(stored_file)).status_code == status
    assert client.post(remove_url(stored_file)).status_code == status
    stored_file.refresh_from_db()
    assert not stored_file.is_removed


def test_removed_evidence_cannot_be_removed_again(client_for, stored_file, contributor):
    core_services.remove_evidence(evidence=stored_file, by=contributor)
    assert client_for(contributor).post(remove_url(stored_file)).status_code == 404


def test_readers_see_no_evidence_form(client_for, stored_file):
    response = client_for("auditor").get(stored_file.content_object.get_absolute_url())
    assertNotContains(response, f'action="{add_url(stored_file.content_object)}"')
    assertNotContains(response, remove_url(stored_file))


def test_lists_count_only_live_evidence(client_for, mitigation, contributor):
    kept = core_services.add_evidence(record=mitigation, by=contributor, kind="note", note="A")
    gone = core_services.add_evidence(record=mitigation, by=contributor, kind="note", note="B")
    core_services.remove_evidence(evidence=gone, by=contributor)
    response = client_for("viewer").get(reverse("mitigations:list"))
    assert [m.evidence_count for m in response.context["page_obj"].object_list] == [1]
    assert kept.pk in {e.pk for e in core_services.evidence_of(mitigation)}
