"""E-mails on submission and decision, sent by Celery tasks once the transaction commits."""

import pytest
from django.core import mail

from apps.reviews import services, tasks
from tests.reviews.conftest import submit

pytestmark = pytest.mark.django_db


def test_submission_e_mails_each_reviewer_after_commit(
    ready_system, submitter, committee_member, reviewer2, django_capture_on_commit_callbacks
):
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


def test_a_notice_for_a_superseded_version_is_not_sent(review, committee_member, submitter):
    services.decide_review(
        review=review, reviewer=committee_member, decision="request_changes", comment="More."
    )
    services.resubmit_safety_plan(review=review, by=submitter)
    mail.outbox.clear()
    assert tasks.notify_plan_submitted.delay(review.pk, 1).get() == 0
    assert mail.outbox == []


def test_reviewers_added_later_are_told_and_only_they(
    review, submitter, reviewer2, committee_member, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_reviewers(review=review, by=submitter, reviewers=[reviewer2])
    assert [m.to[0] for m in mail.outbox] == [reviewer2.email]
