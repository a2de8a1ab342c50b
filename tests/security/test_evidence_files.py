"""Uploaded evidence: checked for type (name and content) and size, never half-written, and
served only through views that check the reader may see its record."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from pytest_django.asserts import assertContains

from apps.core import services as core_services
from apps.core.models import Evidence
from apps.reviews import services as review_services
from apps.reviews.models import ChecklistItem

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64)


def xlsx(macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["metric", "value"])
    workbook.save(buffer)
    if not macro:
        return buffer.getvalue()
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    return buffer.getvalue()


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", EXECUTABLE)
    return buffer.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content)


def stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def add_file(record, by, name, content):
    return core_services.add_evidence(record=record, by=by, kind="file", file=upload(name, content))


# --- Type: the name and the content ---------------------------------------------------------------
ACCEPTED = [
    ("report.pdf", PDF, "application/pdf"),
    ("screenshot.png", PNG, "image/png"),
    ("photo.JPG", JPEG, "image/jpeg"),
    ("notes.txt", "Red-team notes: «ok» ✓\n".encode(), "text/plain"),
    ("results.csv", b"prompt,outcome\n<script>alert(1)</script>,refused\n", "text/csv"),
    (
        "metrics.xlsx",
        xlsx(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "sign-off.docx",
        docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
]


@pytest.mark.parametrize(("name", "content", "media_type"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_evidence_of_an_accepted_type_is_stored(
    name, content, media_type, media_root, mitigation, contributor
):
    evidence = add_file(mitigation, contributor, name, content)
    assert (evidence.media_type, evidence.original_name, evidence.size) == (
        media_type,
        name,
        len(content),
    )
    assert evidence.file.read() == content


REFUSED = [
    ("setup.exe", EXECUTABLE, "are not accepted"),
    ("page.html", b"<html><script>alert(1)</script></html>", "are not accepted"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "are not accepted"),
    ("script.js", b"alert(1)", "are not accepted"),
    ("no-extension", PDF, "are not accepted"),
    ("invoice.pdf", EXECUTABLE, "is not a real PDF file"),
    ("image.png", JPEG, "is not a real PNG file"),
    ("page.txt", b"\n  <!DOCTYPE html><html><body onload='x()'>", "web page or an SVG image"),
    ("drawing.txt", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "web page"),
    ("data.csv", b"a,b\n\x00\x01\x02binary", "holds binary data"),
    ("notes.txt", "latin-1 text: caf\xe9 d\xe9j\xe0 vu".encode("latin-1"), "not a UTF-8 text"),
    ("notes.txt", EXECUTABLE, "not a text file"),
    ("report.docx", plain_zip(), "is not a real DOCX file"),
    ("metrics.xlsx", docx(), "is not a real XLSX file"),
    ("metrics.xlsx", b"PK\x03\x04 truncated", "is not a real XLSX file"),
    ("metrics.xlsx", xlsx(macro=True), "contains macros"),
    ("empty.pdf", b"", "is empty"),
]


@pytest.mark.parametrize(
    ("name", "content", "message"), REFUSED, ids=[f"{r[0]}-{i}" for i, r in enumerate(REFUSED)]
)
def test_evidence_of_a_refused_type_or_content_is_refused_and_nothing_is_written(
    name, content, message, media_root, mitigation, contributor
):
    with pytest.raises(ValidationError, match=message):
        add_file(mitigation, contributor, name, content)
    assert not Evidence.objects.exists()
    assert not Evidence.history.exists()
    assert stored_files(media_root) == []


# --- Size -----------------------------------------------------------------------------------------
def test_a_file_over_the_limit_is_refused_with_the_limit_in_the_message(
    settings, media_root, mitigation, contributor
):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    content = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError, match=r"The file is 1\.0 MB; the limit is 1 MB"):
        add_file(mitigation, contributor, "big.pdf", content)
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


def test_a_file_exactly_at_the_limit_is_accepted(settings, media_root, mitigation, contributor):
    settings.EVIDENCE_MAX_BYTES = 4096
    content = PDF + b"0" * (4096 - len(PDF))
    assert add_file(mitigation, contributor, "exact.pdf", content).size == 4096


def test_the_limit_defaults_to_ten_megabytes(settings):
    from config import settings as project_settings

    assert project_settings.EVIDENCE_MAX_BYTES == 10 * 1024 * 1024


def test_too_big_upload_on_the_page_shows_the_error_and_stores_nothing(
    settings, client_for, media_root, mitigation
):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = client_for("contributor").post(
        reverse("mitigations:add_evidence", args=[mitigation.pk]),
        {"kind": "file", "file": upload("big.pdf", PDF + b"0" * 2048)},
    )
    assertContains(response, "the limit is", status_code=400)
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


# --- Nothing half-written -------------------------------------------------------------------------
def test_a_database_failure_after_storing_the_file_removes_the_file(
    media_root, mitigation, contributor, monkeypatch
):
    def failing_save(self, *args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Evidence, "save", failing_save)
    with pytest.raises(RuntimeError):
        add_file(mitigation, contributor, "report.pdf", PDF)
    assert stored_files(media_root) == []


def test_a_refused_checklist_file_leaves_no_item_row_and_no_file(
    client_for, media_root, system, contributor
):
    response = client_for("contributor").post(
        reverse("reviews:checklist_add_evidence", args=[system.pk, "model_performance"]),
        {"kind": "file", "file": upload("eval.pdf", EXECUTABLE)},
    )
    assertContains(response, "is not a real PDF file", status_code=400)
    assert not ChecklistItem.objects.filter(system=system).exists()
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


# --- Serving --------------------------------------------------------------------------------------
@pytest.fixture
def checklist_file(media_root, system, contributor):
    return review_services.add_checklist_evidence(
        system=system,
        key="model_performance",
        by=contributor,
        kind="file",
        file=upload("evaluation.pdf", PDF),
    )


def checklist_download(evidence):
    return reverse("reviews:checklist_evidence_download", args=[evidence.object_id, evidence.pk])


def test_checklist_evidence_is_served_as_an_attachment_that_is_never_sniffed(
    client_for, checklist_file
):
    response = client_for("viewer").get(checklist_download(checklist_file))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="evaluation.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("role", ["outsider", "nobody"])
def test_checklist_evidence_is_hidden_from_those_who_cannot_see_the_system(
    role, client_for, checklist_file
):
    assert client_for(role).get(checklist_download(checklist_file)).status_code == 404


def test_checklist_evidence_download_needs_a_signed_in_user(client, checklist_file):
    response = client.get(checklist_download(checklist_file))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["outsider", "nobody"])
def test_mitigation_evidence_is_hidden_from_those_who_cannot_see_the_mitigation(
    role, client_for, media_root, mitigation, contributor
):
    evidence = add_file(mitigation, contributor, "report.pdf", PDF)
    url = reverse("mitigations:evidence_download", args=[mitigation.pk, evidence.pk])
    assert client_for(role).get(url).status_code == 404


def test_stored_files_are_not_reachable_under_the_media_url(
    client_for, media_root, mitigation, contributor, settings
):
    evidence = add_file(mitigation, contributor, "report.pdf", PDF)
    client = client_for("contributor")
    assert client.get(settings.MEDIA_URL + evidence.file.name).status_code == 404
    page = client.get(mitigation.get_absolute_url()).content.decode()
    assert f'href="{settings.MEDIA_URL}' not in page  # pages link to the checking view only
    assert reverse("mitigations:evidence_download", args=[mitigation.pk, evidence.pk]) in page


def test_stored_names_are_random_not_the_uploaders(media_root, mitigation, contributor):
    evidence = add_file(mitigation, contributor, "../../etc/passwd.txt", b"root:x:0:0\n")
    assert evidence.original_name == "passwd.txt"
    assert evidence.file.name.startswith(f"evidence/mitigation/{mitigation.pk}/")
    assert "passwd" not in evidence.file.name
    assert Path(media_root) in Path(evidence.file.path).parents
