"""The concern model: its reference, its constraints, and what its history keeps."""

import pytest
from django.db import IntegrityError
from django.utils import timezone

from apps.concerns.models import Concern, ConcernStatus
from tests.factories import ConcernFactory

pytestmark = pytest.mark.django_db


def test_a_concern_has_a_human_reference():
    concern = ConcernFactory()
    assert concern.reference == f"CON-{concern.pk:04d}"
    assert Concern.parse_reference(concern.reference) == concern.pk


def test_a_closed_concern_must_have_an_answer():
    concern = ConcernFactory()
    with pytest.raises(IntegrityError):
        Concern.objects.filter(pk=concern.pk).update(
            status=ConcernStatus.CLOSED, triaged_at=timezone.now()
        )


def test_a_concern_that_became_a_risk_must_name_it():
    concern = ConcernFactory()
    with pytest.raises(IntegrityError):
        Concern.objects.filter(pk=concern.pk).update(
            status=ConcernStatus.RISK, triaged_at=timezone.now()
        )


def test_the_readable_history_never_holds_the_raiser_field():
    """Who raised it is the audit event's person, not a column everyone reads in the diffs."""
    field_names = {field.name for field in Concern.history.model._meta.get_fields()}
    assert "raised_by" not in field_names


def test_every_save_is_in_the_history():
    concern = ConcernFactory()
    concern.summary = "Reworded"
    concern.save()
    assert concern.history.count() == 2
