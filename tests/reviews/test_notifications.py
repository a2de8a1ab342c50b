"""E-mails on submission and decision: written to the outbox with the change, sent once the
transaction commits, to the people whose e-mail preference is "immediately" (the others find
them in their digest: tests/reminders/test_events.py)."""

import pytest
from django.core import mail

from apps.core import outbox
from apps.core.models import OutboxMessage, OutboxStatus
from apps.reminders.models import DigestFrequency
from apps.reviews import services
from tests.factories import NotificationPreferenceFactory
from tests.reviews.conftest import submit

pytestmark = pytest.mark.django_db


def immediately(*people):
    for person in people:
        NotificationPreferenceFactory(user=person, digest=DigestFrequency.IMMEDIATE)


def test_submission_e_mails_each_reviewer_after_commit(
    ready_system, submitter, committee_member, reviewer2, django_capture_on_commit_callbacks
):
    immediately(committee_member, reviewer2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review = submit(ready_system, submitter, [committee_member, reviewer2])
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([committee_member.email, reviewer2.email])
    message = mail.outbox[0]
    assert review.reference in message.subject
    assert "waits for your decision" in message.subject
    assert f"/reviews/{review.pk}/" in message.body
    assert "Please decide by" in message.body


def test_a_decision_e_mails_the_submitter_and_the_owners(
    review, committee_member, submitter, contributor, django_capture_on_commit_callbacks
):
    immediately(submitter, contributor)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_review(
            review=review,
            reviewer=committee_member,
            decision="request_changes",
            comment="Attach the bias evaluation.",
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([submitter.email, contributor.email])
    assert "requested changes to the safety plan of" in mail.outbox[0].subject
    body = mail.outbox[0].body
    assert f"requested changes to version 1 of the safety plan of {review.system}" in body
    assert "Attach the bias evaluation." in body
    assert "submit a new version" in body


def test_a_notice_for_a_superseded_version_is_not_sent(ready_system, committee_member, submitter):
    immediately(committee_member)
    review = submit(ready_system, submitter, [committee_member])  # not relayed: no commit here
    first = OutboxMessage.objects.get(kind="reminders.email")
    services.decide_review(
        review=review, reviewer=committee_member, decision="request_changes", comment="More."
    )
    services.resubmit_safety_plan(review=review, by=submitter)
    mail.outbox.clear()

    assert outbox.relay(keys=[first.dedupe_key]).sent == 1  # delivered: nothing to say any more
    assert mail.outbox == []
    first.refresh_from_db()
    assert first.status == OutboxStatus.SENT


def test_reviewers_added_later_are_told_and_only_they(
    review, submitter, reviewer2, committee_member, django_capture_on_commit_callbacks
):
    immediately(reviewer2, committee_member)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_reviewers(review=review, by=submitter, reviewers=[reviewer2])
    assert [m.to[0] for m in mail.outbox] == [reviewer2.email]
