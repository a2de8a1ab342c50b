"""Recording a completion: who may, what it derives, and the history it leaves."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.models import AuditEvent
from apps.literacy import services
from apps.literacy.models import CompletionSource, TrainingCompletion
from tests.factories import TrainingCompletionFactory, TrainingFactory
from tests.literacy.conftest import days

pytestmark = pytest.mark.django_db


def test_administrator_records_a_completion_with_its_expiry(administrator, viewer, literacy):
    completion = services.record_completion(
        person=viewer, training=literacy, completed_on=days(-1), by=administrator, evidence="C-1"
    )

    assert completion.source == CompletionSource.RECORDED
    assert completion.expires_on == literacy.expiry_for(days(-1))
    assert completion.recorded_by == administrator


def test_person_declares_their_own_completion(viewer, literacy):
    completion = services.record_completion(
        person=viewer, training=literacy, completed_on=days(-1), by=viewer
    )

    assert completion.source == CompletionSource.DECLARED


def test_person_cannot_record_another_persons_completion(viewer, contributor, literacy):
    with pytest.raises(PermissionDenied):
        services.record_completion(
            person=contributor, training=literacy, completed_on=days(-1), by=viewer
        )


def test_auditor_cannot_record_even_their_own_completion(auditor, literacy):
    with pytest.raises(PermissionDenied):
        services.record_completion(
            person=auditor, training=literacy, completed_on=days(-1), by=auditor
        )


def test_completion_in_the_future_is_refused(administrator, viewer, literacy):
    with pytest.raises(ValidationError, match="future"):
        services.record_completion(
            person=viewer, training=literacy, completed_on=days(1), by=administrator
        )


def test_same_completion_twice_is_refused(administrator, viewer, literacy):
    TrainingCompletionFactory(person=viewer, training=literacy, completed_on=days(-2))

    with pytest.raises(ValidationError, match="already"):
        services.record_completion(
            person=viewer, training=literacy, completed_on=days(-2), by=administrator
        )


def test_inactive_training_cannot_be_recorded(administrator, viewer):
    retired = TrainingFactory(is_active=False)

    with pytest.raises(ValidationError, match="no longer offered"):
        services.record_completion(
            person=viewer, training=retired, completed_on=days(-2), by=administrator
        )


def test_recorded_completion_is_in_the_audit_trail_with_who_and_why(
    administrator, viewer, literacy
):
    completion = services.record_completion(
        person=viewer, training=literacy, completed_on=days(-1), by=administrator, reason="LMS"
    )

    assert completion.history.get().history_user == administrator
    event = AuditEvent.objects.get(
        object_id=completion.pk, content_type__model="trainingcompletion"
    )
    assert event.user == administrator
    assert event.change_reason == "LMS"


def test_training_and_requirement_keep_history(literacy):
    assert literacy.history.count() == 1
    assert literacy.requirements.get().history.count() == 1
    assert TrainingCompletion.history.count() == 0
