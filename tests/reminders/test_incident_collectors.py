"""The sweep's incident reasons: post-incident reviews owed, regulator deadlines within 72 h."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType

from apps.incidents.models import Incident
from apps.reminders.models import Escalation, Reminder, ReminderReason
from apps.reminders.services import run_sweep
from tests.factories import AISystemFactory, IncidentFactory, ReviewFactory, UserFactory
from tests.reminders.conftest import NOW, TODAY, days

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

HOUR = datetime.timedelta(hours=1)


def reminded(reason):
    content_type = ContentType.objects.get_for_model(Incident)
    return set(
        Reminder.objects.filter(reason=reason, content_type=content_type).values_list(
            "recipient_id", "object_id", "due_date"
        )
    )


@pytest.fixture
def two_owner_system(db):
    """A system whose business and technical owners are two people (both are reminded)."""
    return AISystemFactory(business_owner=UserFactory(), technical_owner=UserFactory())


def closed_incident(system, severity, closed_days_ago=3, owed=True):
    closed = NOW - datetime.timedelta(days=closed_days_ago)
    incident = IncidentFactory(
        system=system,
        severity=severity,
        occurred_at=closed - 5 * HOUR,
        detected_at=closed - 4 * HOUR,
        assessed_at=closed - 3 * HOUR,
        contained_at=closed - 2 * HOUR,
        recovered_at=closed - HOUR,
        closed_at=closed,
    )
    Incident.objects.filter(pk=incident.pk).update(post_incident_review_due=owed)
    return incident


def regulator_incident(system, deadline, notified=False):
    return IncidentFactory(
        system=system,
        severity=2,
        detected_at=NOW - 24 * HOUR,
        occurred_at=NOW - 25 * HOUR,
        regulator_notification_required=True,
        regulator_deadline=deadline,
        regulator_notified_at=NOW - HOUR if notified else None,
    )


def test_a_post_incident_review_owed_is_reminded_to_the_systems_owners(two_owner_system):
    owed = closed_incident(two_owner_system, severity=1)
    closed_incident(AISystemFactory(), severity=3, owed=False)  # SEV3 owes none

    run_sweep(TODAY)

    assert reminded(ReminderReason.POST_INCIDENT_REVIEW_OWED) == {
        (two_owner_system.business_owner_id, owed.pk, days(-3)),
        (two_owner_system.technical_owner_id, owed.pk, days(-3)),
    }


def test_a_submitted_post_incident_review_settles_the_debt(two_owner_system):
    closed_incident(two_owner_system, severity=2)
    ReviewFactory(system=two_owner_system, kind="post_incident")

    run_sweep(TODAY)

    assert reminded(ReminderReason.POST_INCIDENT_REVIEW_OWED) == set()


def test_a_review_owed_for_more_than_seven_days_is_escalated_to_the_committee(two_owner_system):
    UserFactory(is_committee_member=True)
    owed = closed_incident(two_owner_system, severity=1, closed_days_ago=10)

    run_sweep(TODAY)

    escalation = Escalation.objects.get()
    assert (escalation.content_type.model_class(), escalation.object_id) == (Incident, owed.pk)
    assert (escalation.reason, escalation.due_date) == ("post_incident_review_owed", days(-10))


def test_regulator_deadlines_within_72_hours_are_reminded(two_owner_system):
    soon = regulator_incident(two_owner_system, NOW + 71 * HOUR)
    passed = regulator_incident(two_owner_system, NOW - 2 * HOUR)
    regulator_incident(two_owner_system, NOW + 73 * HOUR)  # not yet
    regulator_incident(two_owner_system, NOW + 10 * HOUR, notified=True)  # done

    run_sweep(TODAY)

    assert reminded(ReminderReason.REGULATOR_DEADLINE) == {
        (owner, incident.pk, due)
        for owner in (two_owner_system.business_owner_id, two_owner_system.technical_owner_id)
        for incident, due in ((soon, days(3)), (passed, TODAY))
    }
    title = Reminder.objects.filter(object_id=soon.pk).first().title
    assert "the regulator must be notified by 05 Mar 2026 05:00 (in 3 days)" in title


def test_incidents_of_archived_systems_are_not_reminded(two_owner_system):
    closed_incident(two_owner_system, severity=1)
    regulator_incident(two_owner_system, NOW + 10 * HOUR)
    two_owner_system.archived_at = NOW
    two_owner_system.save()

    run_sweep(TODAY)

    assert not Reminder.objects.exists()
