"""The daily sweep tells the owners of a system in service that was never approved, and the
committee at once; each once per spell in service, however often the sweep runs."""

import datetime

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType

from apps.reminders.models import Escalation, Notification, Reminder, ReminderReason
from apps.reminders.services import run_sweep
from apps.systems import services
from apps.systems.models import AISystem
from tests.factories import AISystemFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 6, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW) as traveller:
        yield traveller


@pytest.fixture
def owners(db):
    return UserFactory(full_name="Bea Business"), UserFactory(full_name="Tom Technical")


@pytest.fixture
def committee(db):
    return [UserFactory(is_committee_member=True) for _ in range(2)]


@pytest.fixture
def live_system(team, owners):
    """In production since yesterday, never approved."""
    business, technical = owners
    return AISystemFactory(
        team=team,
        name="Card fraud detector",
        lifecycle_stage="production",
        in_service_since=days(-1),
        business_owner=business,
        technical_owner=technical,
    )


def reminders_of(system, reason):
    return Reminder.objects.filter(
        content_type=ContentType.objects.get_for_model(AISystem),
        object_id=system.pk,
        reason=reason,
    )


def test_the_owners_are_told_that_their_system_is_in_service_without_an_approved_plan(
    live_system, owners, committee
):
    run_sweep(TODAY)
    told = reminders_of(live_system, ReminderReason.REVIEW_OVERDUE)
    assert set(told.values_list("recipient", flat=True)) == {owner.pk for owner in owners}
    reminder = told.first()
    assert reminder.due_date == days(-1)
    assert reminder.title == (
        f"{live_system.reference} “Card fraud detector” is in production (since "
        f"{days(-1):%d %b %Y}) with no approved safety plan: submit it for an initial "
        "deployment review"
    )
    assert reminder.url == live_system.get_absolute_url()


def escalations_of(system):
    return Escalation.objects.filter(
        content_type=ContentType.objects.get_for_model(AISystem), object_id=system.pk
    )


def test_the_system_is_escalated_to_the_committee_at_once_with_who_is_responsible(
    live_system, committee
):
    run_sweep(TODAY)
    escalation = escalations_of(live_system).get()
    assert escalation.title.startswith(f"Ungoverned: {live_system.reference}")
    assert (escalation.responsible, escalation.due_date, escalation.reason) == (
        "Bea Business",
        days(-1),
        ReminderReason.REVIEW_OVERDUE,
    )
    for member in committee:
        told = Reminder.objects.get(recipient=member, reason=ReminderReason.ESCALATION)
        assert "1 late item (Review overdue: 1)" in told.title
        assert Notification.objects.filter(recipient=member).count() == 1


def test_each_person_is_told_once_however_often_the_sweep_runs(live_system, committee, clock):
    run_sweep(TODAY)
    run_sweep(TODAY)
    clock.move_to(NOW + datetime.timedelta(days=10))  # past the escalation delay, too
    run_sweep(days(10))
    assert reminders_of(live_system, ReminderReason.REVIEW_OVERDUE).count() == 2
    assert escalations_of(live_system).count() == 1
    assert Reminder.objects.filter(reason=ReminderReason.ESCALATION).count() == len(committee)
    assert Notification.objects.count() == 2 + len(committee)


def test_a_system_in_service_for_weeks_is_escalated_once(team, owners, committee):
    system = AISystemFactory(
        team=team,
        lifecycle_stage="pilot",
        in_service_since=days(-40),
        business_owner=owners[0],
        technical_owner=owners[0],
    )
    run_sweep(TODAY)
    # The owner's overdue reminder is escalated under the same key as the committee's own.
    assert escalations_of(system).count() == 1
    assert escalations_of(system).get().title.startswith("Ungoverned:")
    assert reminders_of(system, ReminderReason.REVIEW_OVERDUE).count() == 1


def test_a_system_that_goes_back_into_service_is_a_new_reminder(
    live_system, owners, committee, clock
):
    run_sweep(TODAY)
    live_system = services.update_system(
        system=live_system, by=UserFactory(is_superuser=True), data={"lifecycle_stage": "retired"}
    )
    run_sweep(TODAY)
    clock.move_to(NOW + datetime.timedelta(days=3))
    services.update_system(
        system=live_system, by=UserFactory(is_superuser=True), data={"lifecycle_stage": "pilot"}
    )
    run_sweep(days(3))
    due_dates = set(
        reminders_of(live_system, ReminderReason.REVIEW_OVERDUE).values_list("due_date", flat=True)
    )
    assert due_dates == {days(-1), days(3)}


@pytest.mark.parametrize(
    "fields",
    [
        {"lifecycle_stage": "production", "last_approved": days(-10), "next_review_due": days(80)},
        {"lifecycle_stage": "development"},
        {"lifecycle_stage": "production", "archived_at": NOW},
    ],
)
def test_governed_or_out_of_service_systems_are_not_reminded_of_it(team, committee, fields):
    system = AISystemFactory(team=team, **fields)
    run_sweep(TODAY)
    assert not escalations_of(system).exists()
    assert not reminders_of(system, ReminderReason.REVIEW_OVERDUE).exists()


def test_a_lapsed_plan_is_a_review_overdue_not_a_new_kind_of_reminder(team, owners, committee):
    system = AISystemFactory(
        team=team,
        lifecycle_stage="production",
        last_approved=days(-100),
        next_review_due=days(-2),
        business_owner=owners[0],
        technical_owner=owners[0],
    )
    run_sweep(TODAY)
    reminder = reminders_of(system, ReminderReason.REVIEW_OVERDUE).get()
    assert reminder.due_date == days(-2)
    assert "is overdue" in reminder.title
    # Escalated to the committee after the configured delay, as any overdue review.
    assert not escalations_of(system).exists()


def test_an_owner_who_left_is_not_told(team, owners, committee, live_system):
    owners[1].is_active = False
    owners[1].save()
    run_sweep(TODAY)
    told = reminders_of(live_system, ReminderReason.REVIEW_OVERDUE)
    assert list(told.values_list("recipient", flat=True)) == [owners[0].pk]
