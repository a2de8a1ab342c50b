"""The daily sweep reminds a person of a required training that is missing or expires within
30 days, once."""

import pytest

from apps.reminders.models import Reminder, ReminderReason
from apps.reminders.services import run_sweep
from tests.factories import TrainingCompletionFactory, UserFactory
from tests.literacy.conftest import days

pytestmark = pytest.mark.django_db


def training_reminders(person):
    return Reminder.objects.filter(recipient=person, reason=ReminderReason.TRAINING_DUE)


def test_missing_required_training_is_reminded_once(literacy):
    person = UserFactory()

    run_sweep()
    run_sweep()

    reminder = training_reminders(person).get()
    assert "AI literacy essentials" in reminder.title
    assert reminder.object_id == literacy.pk


def test_training_expiring_within_30_days_is_reminded_with_its_expiry(literacy):
    person = UserFactory()
    completion = TrainingCompletionFactory(
        person=person, training=literacy, completed_on=days(-350)
    )

    run_sweep()

    assert training_reminders(person).get().due_date == completion.expires_on


def test_valid_training_is_not_reminded(literacy):
    person = UserFactory()
    TrainingCompletionFactory(person=person, training=literacy, completed_on=days(-10))

    run_sweep()

    assert not training_reminders(person).exists()


def test_inactive_person_is_not_reminded(literacy):
    person = UserFactory(is_active=False)

    run_sweep()

    assert not training_reminders(person).exists()
