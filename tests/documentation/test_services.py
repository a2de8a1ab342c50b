"""Writes to technical documentation: starting a system's document, its texts (history,
optimistic concurrency), generated versions (numbered, hashed, immutable)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.concurrency import EditConflict
from apps.core.models import AuditEvent
from apps.documentation import services
from apps.documentation.annex_iv import content_sha256
from apps.documentation.models import (
    ImmutableVersionError,
    TechnicalDocument,
    TechnicalDocumentVersion,
)
from apps.systems import services as system_services
from tests.documentation.factories import start
from tests.factories import RiskFactory

pytestmark = pytest.mark.django_db


# --- Starting -------------------------------------------------------------------------------------
def test_a_contributor_starts_the_document_with_history(system, contributor):
    document = start(system, contributor, provider="Example Bank plc, Brussels")

    assert document.system == system
    [entry] = document.history.all()
    assert (entry.history_user, entry.history_change_reason) == (contributor, "Started")
    assert entry.provider == "Example Bank plc, Brussels"


def test_a_system_has_one_document(document, system, contributor):
    with pytest.raises(PermissionDenied, match="already has its technical documentation"):
        start(system, contributor)


@pytest.mark.parametrize("role", ["viewer", "committee_member", "auditor", "outsider"])
def test_only_the_systems_team_starts_its_document(system, user_for, role):
    with pytest.raises(PermissionDenied):
        start(system, user_for(role))
    assert not TechnicalDocument.objects.exists()


def test_an_archived_systems_document_cannot_be_started(system, contributor):
    system_services.archive_system(system=system, by=contributor, reason="Retired")

    with pytest.raises(PermissionDenied, match="archived"):
        start(system, contributor)


# --- Texts ----------------------------------------------------------------------------------------
def test_texts_are_saved_with_who_and_why(document, contributor):
    services.update_document(
        document=document,
        by=contributor,
        data={"data_governance": "  Applications 2021–2025.  "},
        reason="From the model development document",
        expected_version=document.version,
    )

    document.refresh_from_db()
    assert document.data_governance == "Applications 2021–2025."
    latest = document.history.first()
    assert latest.history_change_reason == "From the model development document"
    event = AuditEvent.objects.get(change_reason="From the model development document")
    assert [c["field"] for c in event.changes] == ["data_governance"]


def test_two_people_writing_different_texts_keep_both(document, contributor, administrator):
    read = document.version
    services.update_document(
        document=document, by=administrator, data={"hardware": "x86"}, expected_version=read
    )
    services.update_document(
        document=document,
        by=contributor,
        data={"hardware": "", "architecture": "Three services"},
        expected_version=read,
    )

    document.refresh_from_db()
    assert (document.hardware, document.architecture) == ("x86", "Three services")


def test_two_people_writing_the_same_text_is_a_conflict(document, contributor, administrator):
    read = document.version
    services.update_document(
        document=document, by=administrator, data={"hardware": "x86"}, expected_version=read
    )

    with pytest.raises(EditConflict) as conflict:
        services.update_document(
            document=document, by=contributor, data={"hardware": "ARM"}, expected_version=read
        )

    assert [c.name for c in conflict.value.conflicts] == ["hardware"]
    document.refresh_from_db()
    assert document.hardware == "x86"


def test_an_address_that_is_not_a_url_is_refused(document, contributor):
    with pytest.raises(ValidationError) as error:
        services.update_document(
            document=document, by=contributor, data={"information_url": "not a url"}
        )
    assert "information_url" in error.value.message_dict


def test_only_texts_are_written(document, contributor):
    with pytest.raises(ValueError, match="latest_sha256"):
        services.update_document(document=document, by=contributor, data={"latest_sha256": "0"})


@pytest.mark.parametrize("role", ["viewer", "committee_member", "auditor"])
def test_readers_cannot_write_texts(document, user_for, role):
    with pytest.raises(PermissionDenied):
        services.update_document(document=document, by=user_for(role), data={"hardware": "x"})


# --- Versions -------------------------------------------------------------------------------------
def test_a_generated_version_freezes_the_document_with_its_sha256(document, contributor):
    version = services.generate_version(document=document, by=contributor, note="For legal")

    assert (version.number, version.note, version.generated_by) == (1, "For legal", contributor)
    assert version.sha256 == content_sha256(version.content)
    assert version.gap_count == version.content["gap_count"] > 0
    document.refresh_from_db()
    assert (document.latest_version_number, document.latest_sha256) == (1, version.sha256)


def test_the_sha256_is_in_the_history_of_the_version_and_of_the_document(document, contributor):
    version = services.generate_version(document=document, by=contributor)
    reason = f"Generated version 1 (SHA-256 {version.sha256})"

    assert version.history.get().history_change_reason == reason
    assert document.history.first().history_change_reason == reason
    changes = AuditEvent.objects.filter(change_reason=reason).values_list("changes", flat=True)
    assert any(
        change["field"] == "latest_sha256" and change["new"] == version.sha256
        for entry in changes
        for change in entry
    )


def test_versions_are_numbered_and_only_made_when_something_changed(document, system, contributor):
    first = services.generate_version(document=document, by=contributor)
    with pytest.raises(ValidationError, match="Nothing changed since version 1"):
        services.generate_version(document=document, by=contributor)
    RiskFactory(system=system)

    second = services.generate_version(document=document, by=contributor)

    assert (first.number, second.number) == (1, 2)
    assert first.sha256 != second.sha256


def test_a_version_never_changes(document, contributor):
    version = services.generate_version(document=document, by=contributor)
    version.note = "Rewritten"

    with pytest.raises(ImmutableVersionError):
        version.save()
    with pytest.raises(ImmutableVersionError):
        version.delete()
    with pytest.raises(ImmutableVersionError):
        TechnicalDocumentVersion.objects.filter(pk=version.pk).update(note="Rewritten")
    with pytest.raises(ImmutableVersionError):
        TechnicalDocumentVersion.objects.filter(pk=version.pk).delete()


def test_a_version_keeps_what_it_said_after_the_record_changes(document, system, contributor):
    version = services.generate_version(document=document, by=contributor)
    RiskFactory(system=system, title="Added later")

    version.refresh_from_db()
    assert "Added later" not in str(version.content)
    assert version.sha256 == content_sha256(version.content)


@pytest.mark.parametrize("role", ["viewer", "committee_member", "auditor"])
def test_readers_cannot_generate_a_version(document, user_for, role):
    with pytest.raises(PermissionDenied):
        services.generate_version(document=document, by=user_for(role))
    assert not TechnicalDocumentVersion.objects.exists()


def test_an_archived_systems_document_is_read_only(document, system, contributor):
    system_services.archive_system(system=system, by=contributor, reason="Retired")

    with pytest.raises(PermissionDenied, match="archived"):
        services.generate_version(document=document, by=contributor)
