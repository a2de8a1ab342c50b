"""Evidence and export files in an S3-compatible bucket (``STORAGE_URL``), against a real S3
server started by the tests (moto's server mode): private objects, files served only after the
permission check (streamed, or a short-lived signed URL), uploads checked before they reach the
bucket. Without ``STORAGE_URL`` nothing changes: files stay on the local disk."""

from __future__ import annotations

import datetime
import io
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.core import services as core_services
from apps.exports.jobs import delete_expired_exports
from apps.exports.models import ExportJob, ExportStatus
from config.object_storage import storage_from_url
from tests.factories import RiskFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="red-team-report.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def download_url(evidence):
    return reverse("mitigations:evidence_download", args=[evidence.object_id, evidence.pk])


def fetch(url: str):
    """A GET from outside the app, as a browser following a link would make it."""
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - the test's server
        return answer.status, answer.headers, answer.read()


# --- STORAGE_URL ---------------------------------------------------------------------------------
def test_without_storage_url_files_stay_on_the_local_disk():
    assert not django_settings.STORAGE_URL
    assert django_settings.STORAGES["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }


def test_storage_url_selects_private_objects_and_signed_urls_of_a_minute():
    storage = storage_from_url(
        "s3://AKID:se%2Fcret@register-files?endpoint_url=http://127.0.0.1:9000&region=eu-west-1"
    )
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "register-files"
    assert (options["access_key"], options["secret_key"]) == ("AKID", "se/cret")
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["region_name"] == "eu-west-1"
    assert options["default_acl"] is None  # no public-read, ever
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] == 60


def test_storage_url_without_credentials_leaves_them_to_boto3():
    options = storage_from_url("s3://register-files?prefix=/prod/&url_expiry=30")["OPTIONS"]
    assert "access_key" not in options and "endpoint_url" not in options
    assert (options["location"], options["querystring_expire"]) == ("prod", 30)


@pytest.mark.parametrize(
    "url",
    [
        "https://register-files",
        "s3://",
        "s3://register-files?expiry=60",
        "s3://register-files?url_expiry=7200",
        "s3://register-files?url_expiry=soon",
    ],
)
def test_a_storage_url_that_cannot_work_stops_the_start(url):
    with pytest.raises(ImproperlyConfigured):
        storage_from_url(url)


# --- Evidence ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_uploaded_evidence_lands_in_the_bucket_as_a_private_object(
    object_storage, client_for, contributor, mitigation
):
    response = client_for(contributor).post(
        reverse("mitigations:add_evidence", args=[mitigation.pk]), {"kind": "file", "file": pdf()}
    )

    assert response.status_code == 302
    evidence = mitigation.evidence.get()
    key = evidence.file.name
    assert object_storage.keys() == [key]
    assert key.startswith(f"evidence/mitigation/{mitigation.pk}/") and key.endswith(".pdf")
    assert "red-team-report" not in key  # a random name, never the uploader's
    client = object_storage.client()
    assert client.get_object(Bucket=object_storage.bucket, Key=key)["Body"].read() == PDF
    grants = client.get_object_acl(Bucket=object_storage.bucket, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner only
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        fetch(f"{object_storage.endpoint}/{object_storage.bucket}/{key}")
    assert anonymous.value.code == 403


@pytest.mark.django_db
def test_evidence_is_streamed_from_the_bucket_to_who_may_see_it(
    object_storage, client_for, contributor, mitigation
):
    evidence = core_services.add_evidence(
        record=mitigation, by=contributor, kind="file", file=pdf()
    )

    response = client_for("viewer").get(download_url(evidence))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Length"] == str(len(PDF))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="red-team-report.pdf"'
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.django_db
def test_another_teams_evidence_in_the_bucket_is_a_404(
    object_storage, client_for, contributor, mitigation
):
    evidence = core_services.add_evidence(
        record=mitigation, by=contributor, kind="file", file=pdf()
    )
    assert client_for("outsider").get(download_url(evidence)).status_code == 404


@pytest.mark.django_db
def test_evidence_missing_from_the_bucket_is_a_404(
    object_storage, client_for, contributor, mitigation
):
    evidence = core_services.add_evidence(
        record=mitigation, by=contributor, kind="file", file=pdf()
    )
    object_storage.empty()
    assert client_for(contributor).get(download_url(evidence)).status_code == 404


@pytest.mark.django_db
def test_signed_downloads_redirect_to_a_url_for_that_file_only_valid_a_minute(
    object_storage, settings, client_for, contributor, mitigation
):
    settings.STORAGE_DOWNLOADS = "signed"
    evidence = core_services.add_evidence(
        record=mitigation, by=contributor, kind="file", file=pdf()
    )

    response = client_for("viewer").get(download_url(evidence))

    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    url = urlsplit(response.url)
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}" == object_storage.endpoint
    assert url.path == f"/{object_storage.bucket}/{evidence.file.name}"
    assert query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-Signature"]
    status, headers, body = fetch(response.url)
    assert (status, body) == (200, PDF)
    assert headers["Content-Disposition"] == 'attachment; filename="red-team-report.pdf"'
    assert headers["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_signed_downloads_are_refused_to_who_may_not_see_the_record(
    object_storage, settings, client_for, contributor, mitigation
):
    settings.STORAGE_DOWNLOADS = "signed"
    evidence = core_services.add_evidence(
        record=mitigation, by=contributor, kind="file", file=pdf()
    )
    assert client_for("outsider").get(download_url(evidence)).status_code == 404


@pytest.mark.django_db
def test_an_upload_over_the_limit_never_reaches_the_bucket(
    object_storage, settings, client_for, contributor, mitigation
):
    settings.EVIDENCE_MAX_BYTES = 16
    response = client_for(contributor).post(
        reverse("mitigations:add_evidence", args=[mitigation.pk]), {"kind": "file", "file": pdf()}
    )
    assert response.status_code == 400
    assert "the limit is" in response.context["evidence_form"].errors["file"][0]
    assert object_storage.keys() == []


@pytest.mark.django_db
def test_a_file_refused_by_its_content_never_reaches_the_bucket(
    object_storage, client_for, contributor, mitigation
):
    upload = SimpleUploadedFile("report.pdf", b"<html>not a pdf</html>")
    response = client_for(contributor).post(
        reverse("mitigations:add_evidence", args=[mitigation.pk]), {"kind": "file", "file": upload}
    )
    assert response.status_code == 400
    assert object_storage.keys() == []


# --- Export files --------------------------------------------------------------------------------
@pytest.fixture
def eager_tasks():
    from config import celery_app

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.mark.django_db
def test_an_export_jobs_file_is_written_to_the_bucket_and_fetched_through_the_app(
    object_storage, eager_tasks, django_capture_on_commit_callbacks, client_for, contributor, system
):
    RiskFactory(system=system, title="Invented refund policy")
    client = client_for(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("exports:register"), {"params": ""})
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE
    assert object_storage.keys() == [job.file.name]

    response = client.get(reverse("exports:download", args=[job.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="risk-register-')
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(sheet.active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and "Invented refund policy" in rows[0]
    assert client_for("outsider").get(reverse("exports:download", args=[job.pk])).status_code == (
        404
    )


@pytest.mark.django_db
def test_an_expired_export_leaves_nothing_in_the_bucket(object_storage, contributor):
    job = ExportJob.objects.create(
        user=contributor,
        kind="register_xlsx",
        status=ExportStatus.DONE,
        expires_at=timezone.now() - datetime.timedelta(hours=1),
    )
    job.file.save("risk-register.xlsx", ContentFile(b"PK\x03\x04"), save=True)
    assert object_storage.keys() == [job.file.name]
    assert default_storage.exists(job.file.name)

    assert delete_expired_exports() == 1

    assert object_storage.keys() == []
