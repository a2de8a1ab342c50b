"""Each reason of the daily sweep picks exactly the right items, on a fixed clock."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from apps.mitigations.models import Mitigation, MitigationStatus
from apps.reminders.models import Reminder, ReminderReason
from apps.reminders.services import run_sweep
from apps.risks.models import AcceptanceStatus, RiskAcceptance, RiskStatus, Treatment
from apps.systems.models import AISystem, LifecycleStage
from tests.factories import (
    AISystemFactory,
    MitigationFactory,
    RiskAcceptanceFactory,
    RiskFactory,
    UserFactory,
)
from tests.reminders.conftest import TODAY, days

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def reminded(reason, model):
    """``{(recipient_id, object_id, due_date)}`` of the reminders of one reason."""
    content_type = ContentType.objects.get_for_model(model)
    return set(
        Reminder.objects.filter(reason=reason, content_type=content_type).values_list(
            "recipient_id", "object_id", "due_date"
        )
    )


def system_due(day_offset, **kwargs):
    business, technical = UserFactory(), UserFactory()
    return AISystemFactory(
        next_review_due=days(day_offset),
        business_owner=business,
        technical_owner=technical,
        **kwargs,
    )


def owners_of(system, due=None):
    due = due or system.next_review_due
    return {(system.business_owner_id, system.pk, due), (system.technical_owner_id, system.pk, due)}


# --- Reviews --------------------------------------------------------------------------------------
def test_reviews_coming_due_are_reminded_14_7_and_1_days_ahead_to_both_owners():
    due_14, due_10, due_15 = system_due(14), system_due(10), system_due(15)
    due_7, due_2 = system_due(7), system_due(2)
    due_1, due_today = system_due(1), system_due(0)
    never_approved = AISystemFactory(next_review_due=None)

    run_sweep(TODAY)

    assert reminded(ReminderReason.REVIEW_DUE_14, AISystem) == owners_of(due_14) | owners_of(due_10)
    assert reminded(ReminderReason.REVIEW_DUE_7, AISystem) == owners_of(due_7) | owners_of(due_2)
    assert reminded(ReminderReason.REVIEW_DUE_1, AISystem) == owners_of(due_1) | owners_of(
        due_today
    )
    everything = Reminder.objects.values_list("object_id", flat=True)
    assert due_15.pk not in everything
    assert never_approved.pk not in everything


def test_an_overdue_review_is_reminded_to_both_owners():
    overdue = system_due(-3)

    run_sweep(TODAY)

    assert reminded(ReminderReason.REVIEW_OVERDUE, AISystem) == owners_of(overdue)
    title = Reminder.objects.filter(reason=ReminderReason.REVIEW_OVERDUE).first().title
    assert f"Review of {overdue.reference} “{overdue.name}” is overdue" in title


def test_archived_and_retired_systems_are_not_reminded_of():
    archived = system_due(-3, archived_at=timezone.now())
    retired = system_due(7, lifecycle_stage=LifecycleStage.RETIRED)
    MitigationFactory(
        system=archived, due_date=days(-5), owner=archived.business_owner, status="planned"
    )

    run_sweep(TODAY)

    assert not Reminder.objects.filter(object_id__in=[archived.pk, retired.pk]).exists()
    assert not Reminder.objects.filter(reason=ReminderReason.MITIGATION_OVERDUE).exists()


def test_a_deactivated_owner_is_not_reminded():
    system = system_due(7)
    system.technical_owner.is_active = False
    system.technical_owner.save()

    run_sweep(TODAY)

    assert reminded(ReminderReason.REVIEW_DUE_7, AISystem) == {
        (system.business_owner_id, system.pk, days(7))
    }


# --- Mitigations ----------------------------------------------------------------------------------
def test_mitigations_past_their_due_date_and_not_in_place_are_reminded_to_their_owner():
    system = AISystemFactory()
    planned = MitigationFactory(system=system, due_date=days(-1), status=MitigationStatus.PLANNED)
    in_progress = MitigationFactory(
        system=system, due_date=days(-10), status=MitigationStatus.IN_PROGRESS
    )
    MitigationFactory(system=system, due_date=TODAY, status=MitigationStatus.PLANNED)
    MitigationFactory(system=system, due_date=days(3), status=MitigationStatus.PLANNED)
    MitigationFactory(system=system, due_date=None, status=MitigationStatus.PLANNED)
    MitigationFactory(system=system, due_date=days(-4), status=MitigationStatus.IMPLEMENTED)
    MitigationFactory(
        system=system, due_date=days(-4), status=MitigationStatus.VERIFIED, last_verified_on=TODAY
    )
    MitigationFactory(system=system, due_date=days(-4), status=MitigationStatus.RETIRED)

    run_sweep(TODAY)

    assert reminded(ReminderReason.MITIGATION_OVERDUE, Mitigation) == {
        (planned.owner_id, planned.pk, days(-1)),
        (in_progress.owner_id, in_progress.pk, days(-10)),
    }


def test_an_overdue_mitigation_reminder_names_the_mitigation_and_its_system():
    mitigation = MitigationFactory(due_date=days(-2), title="Ground answers in policy")

    run_sweep(TODAY)

    reminder = Reminder.objects.get(reason=ReminderReason.MITIGATION_OVERDUE)
    assert mitigation.reference in reminder.title
    assert "Ground answers in policy" in reminder.title
    assert mitigation.system.reference in reminder.title
    assert reminder.url == mitigation.get_absolute_url()


# --- Risk acceptances -----------------------------------------------------------------------------
def approved_acceptance(expires_on, **kwargs):
    risk = RiskFactory(treatment=Treatment.ACCEPT, status=RiskStatus.TREATED)
    return RiskAcceptanceFactory(
        risk=risk,
        expires_on=expires_on,
        status=AcceptanceStatus.APPROVED,
        decided_by=UserFactory(is_committee_member=True),
        decided_at=timezone.now(),
        **kwargs,
    )


def test_acceptances_expiring_within_14_days_are_reminded_to_requester_and_risk_owner():
    requester = UserFactory()
    in_14 = approved_acceptance(days(14), requested_by=requester)
    today = approved_acceptance(TODAY)
    approved_acceptance(days(15))
    RiskAcceptanceFactory(expires_on=days(5))  # pending: not in force, nothing to expire

    run_sweep(TODAY)

    assert reminded(ReminderReason.ACCEPTANCE_EXPIRING, RiskAcceptance) == {
        (requester.pk, in_14.pk, days(14)),
        (in_14.risk.owner_id, in_14.pk, days(14)),
        (today.requested_by_id, today.pk, TODAY),
    }


def test_an_expired_acceptance_reopens_its_risk_with_history_and_is_reminded():
    acceptance = approved_acceptance(days(-1))
    risk = acceptance.risk

    run_sweep(TODAY)

    acceptance.refresh_from_db()
    risk.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.EXPIRED
    assert risk.status == RiskStatus.OPEN
    assert "expired: the risk is open again" in risk.history.first().history_change_reason
    assert reminded(ReminderReason.ACCEPTANCE_EXPIRED, RiskAcceptance) == {
        (acceptance.requested_by_id, acceptance.pk, days(-1))
    }


def test_acceptances_that_expired_long_ago_are_not_reminded_again():
    old = approved_acceptance(days(-40))
    RiskAcceptance.objects.filter(pk=old.pk).update(status=AcceptanceStatus.EXPIRED)

    run_sweep(TODAY)

    assert not Reminder.objects.filter(reason=ReminderReason.ACCEPTANCE_EXPIRED).exists()
