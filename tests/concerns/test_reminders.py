"""The daily sweep reminds the system's owners of a concern left untriaged for 7 days, once."""

import datetime

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType

from apps.concerns import services
from apps.concerns.models import Concern
from apps.reminders.models import Reminder, ReminderReason
from apps.reminders.services import run_sweep

pytestmark = pytest.mark.django_db

RAISED = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def untriaged_reminders():
    return Reminder.objects.filter(
        content_type=ContentType.objects.get_for_model(Concern),
        reason=ReminderReason.CONCERN_UNTRIAGED,
    )


@pytest.fixture
def old_concern(raise_as, viewer, system):
    with time_machine.travel(RAISED, tick=False):
        return raise_as(viewer, system, anonymous=True)


def sweep_on(day: datetime.datetime):
    with time_machine.travel(day, tick=False):
        run_sweep(day.date())


def test_no_reminder_before_seven_days(old_concern):
    sweep_on(RAISED + datetime.timedelta(days=6))
    assert not untriaged_reminders().exists()


def test_the_owners_are_reminded_after_seven_days_once(old_concern, contributor, viewer):
    sweep_on(RAISED + datetime.timedelta(days=7, hours=1))
    sweep_on(RAISED + datetime.timedelta(days=8, hours=1))
    reminder = untriaged_reminders().get()
    assert reminder.recipient == contributor
    assert viewer.full_name not in reminder.title


def test_a_triaged_concern_is_not_reminded(old_concern, contributor):
    services.close_concern(concern=old_concern, by=contributor, answer="Known.")
    sweep_on(RAISED + datetime.timedelta(days=9))
    assert not untriaged_reminders().exists()
