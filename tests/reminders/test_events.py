"""Events told when they happen: who is told of what, in-app at once (in the change's own
transaction), by e-mail as each person's preference says, never twice, never the person who
did it."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from apps.core import outbox
from apps.core.models import OutboxMessage
from apps.incidents import services as incident_services
from apps.mitigations import services as mitigation_services
from apps.reminders import events
from apps.reminders.models import DigestFrequency, Notification, Reminder, ReminderReason
from apps.reminders.services import run_sweep
from apps.reviews import services as review_services
from apps.risks import services as risk_services
from config import celery_app
from tests.factories import (
    MembershipFactory,
    NotificationPreferenceFactory,
    ReviewFactory,
    RiskAcceptanceFactory,
    UserFactory,
)
from tests.reviews.conftest import complete_checklist

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_tasks():
    """The after-commit relay runs in the test's process even where REDIS_URL is set."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def told(person, reason=None) -> list[str]:
    """The titles of ``person``'s notifications (of one reason if given), oldest first."""
    notifications = Notification.objects.filter(recipient=person).order_by("pk")
    if reason:
        notifications = notifications.filter(reminder__reason=reason)
    return list(notifications.values_list("title", flat=True))


def prefers(person, digest):
    NotificationPreferenceFactory(user=person, digest=digest)
    return person


@pytest.fixture
def teammate(team):
    return MembershipFactory(team=team, user__full_name="Tess Teammate").user


@pytest.fixture
def reviewer2(db):
    return UserFactory(is_committee_member=True, full_name="Fatima Second")


# --- Who is told of what ----------------------------------------------------------------------
def test_a_submitted_plan_is_told_to_each_reviewer_not_to_its_submitter(
    system, risk, contributor, teammate, committee_member, reviewer2
):
    complete_checklist(system, contributor)

    review = review_services.submit_safety_plan(
        system=system, by=teammate, kind="initial", reviewers=[committee_member, reviewer2]
    )

    title = f"{review.reference}: the safety plan of {system} waits for your decision"
    assert told(committee_member) == told(reviewer2) == [title]
    assert told(teammate) == []
    notification = Notification.objects.filter(recipient=committee_member).get()
    assert notification.url == review.get_absolute_url()
    assert notification.read_at is None


def test_a_resubmitted_plan_is_told_to_the_reviewers_again(
    system, risk, contributor, teammate, committee_member
):
    complete_checklist(system, contributor)
    review = review_services.submit_safety_plan(
        system=system, by=teammate, kind="initial", reviewers=[committee_member]
    )
    review_services.decide_review(
        review=review, reviewer=committee_member, decision="request_changes", comment="More."
    )

    review_services.resubmit_safety_plan(review=review, by=teammate)

    assert len(told(committee_member, ReminderReason.REVIEW_SUBMITTED)) == 2


def test_a_decision_is_told_to_the_submitter_and_the_owners_not_to_the_reviewer(
    system, contributor, teammate, committee_member
):
    review = ReviewFactory(system=system, submitted_by=teammate, reviewers=[committee_member])

    review_services.decide_review(
        review=review, reviewer=committee_member, decision="reject", comment="Unsafe."
    )

    expected = [f"{review.reference}: {committee_member} rejected the safety plan of {system}"]
    assert told(teammate) == expected
    assert told(contributor) == expected  # both owners are one person: told once
    assert told(committee_member) == []


def test_an_acceptance_request_is_told_to_the_committee_members_who_may_decide_it(
    system, risk, teammate, committee_member, reviewer2
):
    owner_on_committee = system.business_owner
    owner_on_committee.is_committee_member = True
    owner_on_committee.save()
    retired = UserFactory(is_committee_member=True, is_active=False)

    acceptance = risk_services.request_acceptance(
        risk=risk,
        by=teammate,
        rationale="Low and watched weekly.",
        expires_on=datetime.date.today() + datetime.timedelta(days=60),
    )

    assert told(committee_member, ReminderReason.ACCEPTANCE_REQUESTED)
    assert told(reviewer2, ReminderReason.ACCEPTANCE_REQUESTED)
    assert acceptance.reference in told(committee_member)[0]
    assert told(owner_on_committee) == []  # an owner may not decide on it
    assert told(retired) == []
    assert told(teammate) == []


def test_an_acceptance_decision_is_told_to_who_asked_for_it(risk, teammate, committee_member):
    acceptance = RiskAcceptanceFactory(risk=risk, requested_by=teammate)

    risk_services.decide_acceptance(
        acceptance=acceptance, by=committee_member, approve=False, comment="Mitigate it."
    )

    assert told(teammate) == [
        f"{acceptance.reference}: {committee_member} rejected accepting {risk.reference} "
        f"“{risk.title}”"
    ]


def incident_data(severity):
    return {
        "title": "Refund policy invented in chat",
        "description": "Customers were told they have 90 days to return opened items.",
        "severity": severity,
        "detected_at": datetime.datetime(2026, 11, 2, 9, 45, tzinfo=datetime.UTC),
    }


def test_a_sev1_incident_is_told_to_the_owners_and_the_committee_not_to_who_logged_it(
    system, contributor, teammate, committee_member
):
    incident = incident_services.open_incident(system=system, by=teammate, data=incident_data(1))

    title = f"{incident.reference}: SEV1 incident of {system}: Refund policy invented in chat"
    assert told(contributor) == told(committee_member) == [title]
    assert told(teammate) == []


@pytest.mark.parametrize("severity", [3, 4])
def test_a_minor_incident_is_told_to_nobody_at_once(system, teammate, severity):
    incident_services.open_incident(system=system, by=teammate, data=incident_data(severity))

    assert not Notification.objects.exists()


def test_an_incident_raised_to_sev2_is_told_then(system, contributor, teammate, committee_member):
    incident = incident_services.open_incident(system=system, by=teammate, data=incident_data(3))

    incident_services.update_incident(incident=incident, by=teammate, data={"severity": 2})
    incident_services.update_incident(incident=incident, by=teammate, data={"severity": 1})

    assert told(committee_member) == [
        f"{incident.reference}: SEV2 (raised) incident of {system}: Refund policy invented in chat"
    ]


def mitigation_data(owner):
    return {"title": "Filter prompts", "kind": "architecture", "layer": "input", "owner": owner}


def test_a_mitigation_planned_with_an_owner_is_told_to_its_owner(system, contributor, teammate):
    mitigation = mitigation_services.create_mitigation(
        system=system, by=contributor, data=mitigation_data(teammate)
    )

    assert told(teammate) == [
        f"{mitigation.reference}: you own the mitigation “Filter prompts” of {system}"
    ]


def test_a_mitigation_given_to_a_new_owner_is_told_to_them_only(
    system, contributor, teammate, team
):
    third = MembershipFactory(team=team).user
    mitigation = mitigation_services.create_mitigation(
        system=system, by=contributor, data=mitigation_data(teammate)
    )

    mitigation_services.update_mitigation(
        mitigation=mitigation, by=contributor, data={"title": "Filter every prompt"}
    )
    mitigation_services.update_mitigation(
        mitigation=mitigation, by=contributor, data={"owner": third}
    )

    assert len(told(teammate)) == 1  # an edit that keeps the owner tells nobody
    assert told(third) == [
        f"{mitigation.reference}: you own the mitigation “Filter every prompt” of {system}"
    ]


def test_taking_a_mitigation_oneself_tells_nobody(system, contributor):
    mitigation_services.create_mitigation(
        system=system, by=contributor, data=mitigation_data(contributor)
    )

    assert not Notification.objects.exists()


def test_conditions_of_approval_tell_the_business_owner_of_their_follow_ups(
    system, contributor, teammate, committee_member
):
    review = ReviewFactory(system=system, submitted_by=teammate, reviewers=[committee_member])

    review_services.decide_review(
        review=review,
        reviewer=committee_member,
        decision="approve",
        conditions="Monitor refunds weekly",
    )

    assignments = told(contributor, ReminderReason.MITIGATION_ASSIGNED)
    assert len(assignments) == 1
    assert "Monitor refunds weekly" in assignments[0]


# --- The rules of telling -----------------------------------------------------------------------
def test_the_notification_is_written_in_the_changes_transaction_and_goes_with_its_rollback(
    system, teammate, committee_member
):
    with pytest.raises(RuntimeError), transaction.atomic():
        incident_services.open_incident(system=system, by=teammate, data=incident_data(1))
        assert told(committee_member)  # at once, before any commit
        raise RuntimeError("the request fails after the change")

    assert not Notification.objects.exists()
    assert not Reminder.objects.exists()


def test_the_same_event_is_never_told_twice(system, risk, committee_member):
    for _ in range(2):
        events.notify(
            reason=ReminderReason.INCIDENT_OPENED,
            record=risk,
            recipients=[committee_member, committee_member.pk],
            title="Twice?",
        )

    assert told(committee_member) == ["Twice?"]


def test_people_who_left_are_not_told(risk):
    gone = UserFactory(is_active=False)

    assert (
        events.notify(
            reason=ReminderReason.INCIDENT_OPENED, record=risk, recipients=[gone], title="x"
        )
        == 0
    )


def test_only_events_are_told_this_way(risk, committee_member):
    with pytest.raises(ValueError, match="is not an event"):
        events.notify(
            reason=ReminderReason.REVIEW_OVERDUE,
            record=risk,
            recipients=[committee_member],
            title="x",
        )


def test_telling_many_people_takes_the_same_queries_as_telling_one(risk, django_assert_num_queries):
    one = [UserFactory()]
    many = [UserFactory() for _ in range(25)]
    for person in many[:10]:
        prefers(person, DigestFrequency.IMMEDIATE)
    prefers(one[0], DigestFrequency.IMMEDIATE)

    def tell(people, title):
        # Each call in a savepoint, as in a service's transaction.
        with transaction.atomic():
            events.notify(
                reason=ReminderReason.INCIDENT_OPENED, record=risk, recipients=people, title=title
            )

    tell([UserFactory()], "warm-up")  # content types cached
    with django_assert_num_queries(7):
        tell(one, "one")
    with django_assert_num_queries(7):
        tell(many, "many")


# --- E-mail, as each person prefers ---------------------------------------------------------------
def test_immediately_e_mails_the_event_once_the_change_commits(
    system, teammate, committee_member, settings, django_capture_on_commit_callbacks
):
    prefers(committee_member, DigestFrequency.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_services.open_incident(
            system=system, by=teammate, data=incident_data(1)
        )

    [message] = [m for m in mail.outbox if m.to == [committee_member.email]]
    assert message.subject == (
        f"[AI Risk Register] {incident.reference}: SEV1 incident of {system}: "
        "Refund policy invented in chat"
    )
    assert f"{settings.SITE_URL}{incident.get_absolute_url()}" in message.body
    assert 'your e-mail preference is "immediately"' in message.body
    reminder = Reminder.objects.get(recipient=committee_member)
    assert reminder.emailed_at is not None  # no digest repeats it


def test_an_immediate_event_is_not_in_the_next_digest(system, teammate, committee_member):
    prefers(committee_member, DigestFrequency.IMMEDIATE)
    incident_services.open_incident(system=system, by=teammate, data=incident_data(1))
    outbox.relay()
    mail.outbox.clear()

    run_sweep()

    assert [m for m in mail.outbox if m.to == [committee_member.email]] == []


def test_with_a_daily_digest_the_event_waits_for_the_digest(
    system, teammate, committee_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_services.open_incident(
            system=system, by=teammate, data=incident_data(1)
        )

    assert not OutboxMessage.objects.exists()
    assert [m for m in mail.outbox if m.to == [committee_member.email]] == []

    run_sweep()

    [digest] = [m for m in mail.outbox if m.to == [committee_member.email]]
    assert "WHAT HAPPENED" in digest.body
    assert incident.reference in digest.body
    mail.outbox.clear()
    run_sweep()
    assert mail.outbox == []  # told once


def test_with_no_e_mail_the_event_is_only_in_the_notifications(system, teammate, committee_member):
    prefers(committee_member, DigestFrequency.OFF)
    incident_services.open_incident(system=system, by=teammate, data=incident_data(1))

    run_sweep()

    assert told(committee_member)
    assert [m for m in mail.outbox if m.to == [committee_member.email]] == []


def test_an_event_e_mail_to_someone_who_left_meanwhile_is_not_sent(
    system, teammate, committee_member
):
    prefers(committee_member, DigestFrequency.IMMEDIATE)
    incident_services.open_incident(system=system, by=teammate, data=incident_data(1))
    committee_member.is_active = False
    committee_member.save()

    assert outbox.relay().sent == 1  # delivered: nothing to send

    assert [m for m in mail.outbox if m.to == [committee_member.email]] == []


def test_a_mail_server_failure_keeps_the_event_e_mail_for_a_retry(
    system, teammate, committee_member, monkeypatch
):
    prefers(committee_member, DigestFrequency.IMMEDIATE)
    incident_services.open_incident(system=system, by=teammate, data=incident_data(1))

    def refused(self, messages):
        raise ConnectionRefusedError("SMTP down")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refused)
        assert outbox.relay().retried == 1
    OutboxMessage.objects.update(next_attempt_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    assert outbox.relay().sent == 1

    assert len([m for m in mail.outbox if m.to == [committee_member.email]]) == 1


# --- The preference ---------------------------------------------------------------------------
def test_i_choose_to_be_e_mailed_immediately_and_it_is_in_the_history(client_for, contributor):
    response = client_for(contributor).post(
        reverse("reminders:digest_preference"), {"digest": "immediate"}
    )

    assert response.status_code == 302
    preference = contributor.notification_preference
    assert preference.digest == DigestFrequency.IMMEDIATE
    assert preference.history.first().history_user == contributor


def test_the_profile_offers_immediately(client_for):
    response = client_for("contributor").get(reverse("accounts:profile"))

    assert b'value="immediate"' in response.content
    assert b"Immediately" in response.content
