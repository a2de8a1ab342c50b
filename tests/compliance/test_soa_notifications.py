"""Who is told of the Statement of Applicability's workflow: a submitted version goes to the
committee (not to its submitter), a decision to the submitter; in-app at once, by e-mail as each
person prefers, through the outbox once the change commits."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from apps.compliance import soa
from apps.core import outbox
from apps.core.models import OutboxMessage
from apps.reminders.models import DigestFrequency, Notification, ReminderReason
from tests.compliance.conftest import answer_all, submitted
from tests.factories import NotificationPreferenceFactory, UserFactory

pytestmark = pytest.mark.django_db


def told(person, reason=None) -> list[str]:
    """The titles of ``person``'s notifications (of one reason if given), oldest first."""
    notifications = Notification.objects.filter(recipient=person).order_by("pk")
    if reason:
        notifications = notifications.filter(reminder__reason=reason)
    return list(notifications.values_list("title", flat=True))


def e_mails_to(person) -> list:
    return [message for message in mail.outbox if message.to == [person.email]]


def prefers_each_event(person):
    NotificationPreferenceFactory(user=person, digest=DigestFrequency.IMMEDIATE)
    return person


# --- Submitted: the committee ---------------------------------------------------------------------
def test_a_submitted_version_is_told_to_each_committee_member_not_to_its_submitter(
    controls, committee_member, second_member, auditor, administrator
):
    third = UserFactory(is_committee_member=True)

    version = submitted(controls, committee_member)

    title = "Version 1 of the Statement of Applicability waits for your decision"
    assert told(second_member, ReminderReason.SOA_SUBMITTED) == [title]
    assert told(third) == [title]
    assert told(committee_member) == []
    assert told(auditor) == told(administrator) == []
    notification = Notification.objects.filter(recipient=second_member).get()
    assert notification.url == version.get_absolute_url()


def test_a_refused_submission_tells_nobody(controls, committee_member, second_member):
    answer_all(controls[1:], committee_member)  # one control not decided

    with pytest.raises(ValidationError, match="not decided yet"):
        soa.submit_soa(by=committee_member)

    assert told(second_member) == []


def test_the_submission_is_e_mailed_once_the_change_commits_to_who_wants_each_event(
    controls, committee_member, second_member, settings, django_capture_on_commit_callbacks
):
    prefers_each_event(second_member)
    answer_all(controls, committee_member)
    with django_capture_on_commit_callbacks() as callbacks:
        version = soa.submit_soa(by=committee_member, note="Annex A reviewed")
    assert callbacks  # the relay is asked once the submission commits, not before
    assert e_mails_to(second_member) == []

    outbox.relay()

    [message] = e_mails_to(second_member)
    assert message.subject == (
        "[AI Risk Register] Version 1 of the Statement of Applicability waits for your decision"
    )
    assert f"{committee_member} submitted version 1" in message.body
    assert "Annex A reviewed" in message.body
    assert f"{settings.SITE_URL}{version.get_absolute_url()}" in message.body


def test_with_a_daily_digest_the_submission_waits_for_the_digest(
    controls, committee_member, second_member
):
    submitted(controls, committee_member)

    assert not OutboxMessage.objects.exists()
    assert told(second_member)


def test_the_submission_e_mail_is_not_sent_once_the_version_was_withdrawn(
    controls, committee_member, second_member
):
    prefers_each_event(second_member)
    version = submitted(controls, committee_member)
    soa.withdraw_soa(version=version, by=committee_member)

    assert outbox.relay().sent == 1  # delivered: nothing left to say

    assert e_mails_to(second_member) == []


# --- Decided: the submitter -----------------------------------------------------------------------
def test_an_approval_is_told_to_the_submitter_not_to_who_decided(
    controls, committee_member, second_member
):
    version = submitted(controls, committee_member)

    soa.decide_soa(version=version, by=second_member, approve=True)

    assert told(committee_member, ReminderReason.SOA_DECIDED) == [
        "Sean Second approved version 1 of the Statement of Applicability"
    ]
    assert told(second_member, ReminderReason.SOA_DECIDED) == []


def test_a_rejection_is_e_mailed_to_the_submitter_with_what_to_change(
    controls, committee_member, second_member
):
    prefers_each_event(committee_member)
    version = submitted(controls, committee_member)

    soa.decide_soa(version=version, by=second_member, approve=False, comment="Justify A.6.2.4.")
    outbox.relay()

    [message] = e_mails_to(committee_member)
    assert message.subject == (
        "[AI Risk Register] Sean Second rejected version 1 of the Statement of Applicability"
    )
    assert "Justify A.6.2.4." in message.body
    assert "Revise the draft and submit it again." in message.body


def test_a_withdrawal_tells_nobody_of_a_decision(controls, committee_member, second_member):
    version = submitted(controls, committee_member)

    soa.withdraw_soa(version=version, by=committee_member)

    assert told(committee_member) == []
    assert told(second_member, ReminderReason.SOA_DECIDED) == []
