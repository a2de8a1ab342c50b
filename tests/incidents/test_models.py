"""The rules an incident's data always follows: phases in order, closing rules, constraints."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.incidents.models import Incident, Phase
from tests.factories import AISystemFactory, IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def at(minutes: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def incident(**fields) -> Incident:
    values = {
        "system": AISystemFactory(),
        "title": "Wrong refund policy quoted",
        "description": "The assistant invented a 90-day refund window.",
        "severity": 3,
        "occurred_at": at(0),
        "detected_at": at(30),
    }
    values.update(fields)
    return Incident(**values)


def errors_of(obj) -> dict:
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


def test_phases_in_order_are_valid():
    incident(
        assessed_at=at(40),
        contained_at=at(60),
        recovered_at=at(120),
        review_done_at=at(600),
        closed_at=at(700),
    ).full_clean()


def test_detection_before_occurrence_is_an_error_on_detected():
    errors = errors_of(incident(occurred_at=at(30), detected_at=at(0)))
    assert list(errors) == ["detected_at"]
    assert "cannot be before occurred" in errors["detected_at"][0]
    assert "2 Nov 2026, 09:00" in errors["detected_at"][0]


def test_containment_before_assessment_is_an_error_on_contained():
    errors = errors_of(incident(assessed_at=at(60), contained_at=at(45)))
    assert list(errors) == ["contained_at"]
    assert (
        "Contained (2 Nov 2026, 09:45) cannot be before assessed (2 Nov 2026, 10:00)"
        in (errors["contained_at"][0])
    )


def test_closing_before_recovery_is_an_error_on_closed():
    errors = errors_of(
        incident(assessed_at=at(40), contained_at=at(50), recovered_at=at(90), closed_at=at(80))
    )
    assert list(errors) == ["closed_at"]


def test_a_skipped_phase_is_asked_for_on_its_own_field():
    errors = errors_of(incident(recovered_at=at(90)))
    assert set(errors) == {"assessed_at", "contained_at"}
    assert "already recovered" in errors["contained_at"][0]


def test_a_phase_in_the_future_is_refused():
    errors = errors_of(incident(detected_at=timezone.now() + datetime.timedelta(hours=2)))
    assert "cannot be in the future" in errors["detected_at"][0]


def test_the_start_may_be_unknown():
    incident(occurred_at=None).full_clean()


@pytest.mark.parametrize("severity", [1, 2])
def test_closing_a_sev1_or_sev2_needs_its_review_root_cause_and_lessons(severity):
    errors = errors_of(
        incident(
            severity=severity,
            assessed_at=at(40),
            contained_at=at(50),
            recovered_at=at(90),
            closed_at=at(100),
        )
    )
    assert set(errors) == {"review_done_at", "root_cause", "lessons_learned"}
    assert (
        f"SEV{severity} incident is closed only after its post-incident review"
        in (errors["review_done_at"][0])
    )


@pytest.mark.parametrize("severity", [3, 4])
def test_a_sev3_or_sev4_may_close_without_a_post_incident_review(severity):
    incident(
        severity=severity,
        assessed_at=at(40),
        contained_at=at(50),
        recovered_at=at(90),
        closed_at=at(100),
    ).full_clean()


def test_the_regulator_cannot_be_notified_before_detection():
    errors = errors_of(incident(regulator_notified_at=at(10)))
    assert "before the incident was detected" in errors["regulator_notified_at"][0]


def test_the_database_refuses_phases_out_of_order():
    bad = IncidentFactory(detected_at=at(30), occurred_at=at(0))
    bad.assessed_at = at(20)
    with pytest.raises(IntegrityError), transaction.atomic():
        bad.save()


def test_the_database_refuses_a_phase_recorded_after_a_gap():
    bad = IncidentFactory(detected_at=at(30), occurred_at=at(0))
    bad.contained_at = at(40)
    with pytest.raises(IntegrityError), transaction.atomic():
        bad.save()


def test_reference_is_derived_from_the_primary_key():
    record = IncidentFactory()
    assert record.reference == f"INC-{record.pk:04d}"
    assert Incident.parse_reference("inc-8") == 8


def test_next_step_skips_the_review_for_minor_incidents():
    minor = incident(severity=3, assessed_at=at(40), contained_at=at(50), recovered_at=at(90))
    assert minor.next_step.field == "closed_at"
    major = incident(severity=2, assessed_at=at(40), contained_at=at(50), recovered_at=at(90))
    assert major.next_step.field == "review_done_at"


def test_phase_is_derived_from_the_latest_timestamp():
    record = IncidentFactory(occurred_at=at(0), detected_at=at(30))
    assert record.phase == Phase.DETECTED
