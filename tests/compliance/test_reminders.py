"""Reminders of obligations in the daily sweep: coming due and overdue, to the owner (or the
system's business owner), once per due date; and the expiry of the committee's exceptions."""

import datetime

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from apps.compliance import reminders
from apps.compliance.models import (
    AcceptanceStatus,
    Applicability,
    Obligation,
    ObligationStatus,
)
from apps.reminders.models import Escalation, Reminder
from apps.reminders.services import run_sweep
from tests.factories import (
    AISystemFactory,
    ObligationExceptionFactory,
    ObligationFactory,
    UserFactory,
    current_requirement,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 6, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def reminded(reason=None):
    """``{(recipient_id, obligation_id, due_date)}`` of the obligations' reminders."""
    reminders_ = Reminder.objects.filter(content_type=ContentType.objects.get_for_model(Obligation))
    if reason is not None:
        reminders_ = reminders_.filter(reason=reason)
    return set(reminders_.values_list("recipient_id", "object_id", "due_date"))


def due(offset, identifier="Art. 9", **kwargs):
    kwargs.setdefault("owner", UserFactory())
    return ObligationFactory(
        system=kwargs.pop("system", None) or AISystemFactory(),
        requirement=current_requirement(identifier),
        due_date=days(offset),
        **kwargs,
    )


def test_obligations_coming_due_are_reminded_14_7_and_1_days_ahead_to_their_owner():
    in_10, in_3, tomorrow, in_20 = due(10), due(3), due(1), due(20)
    run_sweep(TODAY)
    assert reminded(reminders.DUE_REASONS[14]) == {(in_10.owner_id, in_10.pk, in_10.due_date)}
    assert reminded(reminders.DUE_REASONS[7]) == {(in_3.owner_id, in_3.pk, in_3.due_date)}
    assert reminded(reminders.DUE_REASONS[1]) == {
        (tomorrow.owner_id, tomorrow.pk, tomorrow.due_date)
    }
    assert in_20.pk not in {object_id for _, object_id, _ in reminded()}


def test_an_overdue_obligation_is_reminded_as_overdue():
    late = due(-2)
    run_sweep(TODAY)
    assert reminded(reminders.OVERDUE_REASON) == {(late.owner_id, late.pk, late.due_date)}
    reminder = Reminder.objects.get(object_id=late.pk, recipient=late.owner)
    assert "Art. 9" in reminder.title
    assert late.system.reference in reminder.title
    assert "is overdue" in reminder.title
    assert reminder.url == late.get_absolute_url()


def test_an_obligations_reminders_say_obligation_and_have_their_own_digest_section(mailoutbox):
    coming, late = due(3), due(-2)
    run_sweep(TODAY)
    assert Reminder.objects.get(object_id=coming.pk).get_reason_display() == (
        "Obligation due within 7 days"
    )
    assert Reminder.objects.get(object_id=late.pk).get_reason_display() == "Obligation overdue"
    [digest] = [mail for mail in mailoutbox if coming.owner.email in mail.to]
    assert "OBLIGATIONS COMING DUE" in digest.body
    assert "REVIEWS COMING DUE" not in digest.body


def test_an_obligation_without_owner_is_reminded_to_the_systems_business_owner():
    system = AISystemFactory()
    unowned = due(5, owner=None, system=system)
    run_sweep(TODAY)
    assert reminded() == {(system.business_owner_id, unowned.pk, unowned.due_date)}


def test_running_the_sweep_twice_reminds_once():
    late = due(-2)
    run_sweep(TODAY)
    run_sweep(TODAY)
    assert Reminder.objects.filter(object_id=late.pk).count() == 1


def test_a_new_due_date_is_a_new_reminder():
    obligation = due(10)
    run_sweep(TODAY)
    Obligation.objects.filter(pk=obligation.pk).update(due_date=days(12))
    run_sweep(TODAY)
    assert {due_date for _, _, due_date in reminded()} == {days(10), days(12)}


@pytest.mark.parametrize(
    "change",
    [
        {"status": ObligationStatus.IMPLEMENTED},
        {"status": ObligationStatus.VERIFIED},
        {"status": ObligationStatus.NOT_APPLICABLE, "justification": "No personal data."},
        {
            "applicability": Applicability.NO_LONGER_APPLIES,
            "applicability_reason": "No longer high-risk.",
        },
    ],
)
def test_obligations_met_or_no_longer_applying_are_not_reminded(change):
    due(-2, **change)
    run_sweep(TODAY)
    assert reminded() == set()


def test_obligations_of_archived_systems_and_of_people_who_left_are_not_reminded():
    due(-2, system=AISystemFactory(archived_at=timezone.now()))
    due(-2, owner=UserFactory(is_active=False))
    run_sweep(TODAY)
    assert reminded() == set()


def test_an_obligation_overdue_past_the_delay_is_escalated_to_the_committee():
    UserFactory(is_committee_member=True)
    late = due(-30)
    run_sweep(TODAY)
    escalation = Escalation.objects.get(object_id=late.pk)
    assert (escalation.reason, escalation.days_late) == ("obligation_overdue", 30)


def test_the_sweep_first_expires_exceptions_past_their_date():
    obligation = due(-2)
    lapsed = ObligationExceptionFactory(
        obligation=obligation,
        status=AcceptanceStatus.APPROVED,
        decided_at=timezone.now(),
        expires_on=days(-1),
    )
    current = ObligationExceptionFactory(
        obligation=due(30, identifier="Art. 10"),
        status=AcceptanceStatus.APPROVED,
        decided_at=timezone.now(),
        expires_on=days(10),
    )
    result = run_sweep(TODAY)
    lapsed.refresh_from_db()
    current.refresh_from_db()
    assert lapsed.status == AcceptanceStatus.EXPIRED
    assert current.status == AcceptanceStatus.APPROVED
    assert result.housekeeping["expired_obligation_exceptions"] == 1
