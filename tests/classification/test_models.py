"""A saved classification never changes what it says; only its status moves on."""

import pytest
from django.utils import timezone

from apps.classification.models import ClassificationRecord, ImmutableRecordError, RecordStatus

pytestmark = pytest.mark.django_db


def test_a_saved_classification_refuses_a_changed_rationale(high_risk_record):
    high_risk_record.rationale = "Something else"
    with pytest.raises(ImmutableRecordError):
        high_risk_record.save()


def test_a_saved_classification_refuses_content_fields_even_when_named(high_risk_record):
    high_risk_record.tier = "minimal"
    with pytest.raises(ImmutableRecordError):
        high_risk_record.save(update_fields=["tier"])


def test_a_bulk_update_of_what_it_says_is_refused(high_risk_record):
    with pytest.raises(ImmutableRecordError):
        ClassificationRecord.objects.filter(pk=high_risk_record.pk).update(answers={})
    high_risk_record.refresh_from_db()
    assert high_risk_record.answers["annex_iii_use"] == "4a"


def test_its_status_may_move_on(high_risk_record):
    now = timezone.now()
    ClassificationRecord.objects.filter(pk=high_risk_record.pk).update(applied_at=now)
    high_risk_record.status = RecordStatus.APPLIED
    high_risk_record.applied_at = now
    high_risk_record.save(update_fields=["status", "applied_at"])
    high_risk_record.refresh_from_db()
    assert (high_risk_record.status, high_risk_record.version) == (RecordStatus.APPLIED, 2)


def test_a_classification_is_never_deleted(high_risk_record):
    with pytest.raises(ImmutableRecordError):
        high_risk_record.delete()
    with pytest.raises(ImmutableRecordError):
        ClassificationRecord.objects.filter(pk=high_risk_record.pk).delete()
    assert ClassificationRecord.objects.filter(pk=high_risk_record.pk).exists()


def test_its_label_and_tier_name_the_version_and_the_annex_iii_point(high_risk_record):
    assert high_risk_record.label == f"CLS-{high_risk_record.pk:04d} v1"
    assert high_risk_record.tier_with_area == "High-risk (Art. 6, Annex I or III) — Annex III(4)(a)"
