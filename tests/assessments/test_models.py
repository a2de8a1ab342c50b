"""A submitted version never changes: only the committee's decision is written on it later."""

import pytest
from django.utils import timezone

from apps.assessments.models import AssessmentVersion, VersionOutcome
from apps.reviews.models import ImmutableRecordError

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(assessment, contributor, submit):
    return submit(assessment, contributor)


def test_a_versions_content_cannot_be_saved_again(version):
    version.content = {**version.content, "sections": {}}
    with pytest.raises(ImmutableRecordError):
        version.save()


def test_only_the_decision_fields_are_written_after_submission(version):
    version.content = {"tampered": True}
    with pytest.raises(ImmutableRecordError):
        version.save(update_fields=["content", "outcome"])


def test_a_version_cannot_be_changed_in_bulk(version):
    with pytest.raises(ImmutableRecordError):
        AssessmentVersion.objects.filter(pk=version.pk).update(content={})


def test_a_version_is_never_deleted(version):
    with pytest.raises(ImmutableRecordError):
        version.delete()
    with pytest.raises(ImmutableRecordError):
        AssessmentVersion.objects.filter(pk=version.pk).delete()


def test_the_decision_is_written_on_the_version(version):
    version.outcome, version.decided_at = VersionOutcome.APPROVED, timezone.now()
    version.save(update_fields=["outcome", "decided_at"])
    assert AssessmentVersion.objects.get(pk=version.pk).is_approved


def test_a_version_reads_its_state_from_its_open_review(version):
    assert (version.state, version.state_label) == ("pending", "Waiting for the committee")
