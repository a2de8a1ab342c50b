"""Who the review workflow tells, and what their e-mails say.

The services call :func:`tell_reviewers` and :func:`tell_decision` inside their transaction:
each person concerned gets a notification at once and, as their preference says, an e-mail
through the outbox or a line in their next digest (:func:`apps.reminders.events.notify`). The
e-mails are written by :func:`submission_message` and :func:`decision_message` when the outbox
delivers them (registered in :mod:`apps.reviews.reminders`): one message per recipient (nobody
sees the others' addresses), with absolute links built from ``SITE_URL``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.mail import EmailMessage
from django.db.models import Q
from django.urls import reverse

from apps.reminders import events
from apps.reminders.models import ReminderReason
from apps.reviews import selectors
from apps.reviews.models import Decision, PlanVersion, Review, ReviewStatus


def submission_title(review: Review) -> str:
    return (
        f"{review.reference}: the {review.document_name} of {review.system} waits for your decision"
    )


def decision_title(decision: Decision) -> str:
    review = decision.review
    return (
        f"{review.reference}: {decision.reviewer} {decision.outcome_verb} the "
        f"{review.document_name} of {review.system}"
    )


# --- Telling people (in the services' transactions) ---------------------------------------------
def tell_reviewers(review: Review, version: PlanVersion, *, by, reviewers: Iterable = ()) -> int:
    """A version waits for its reviewers: those given, or else every reviewer of the review
    who has not decided on it. A reviewer out of office is replaced by the delegate they named
    for today."""
    reviewers = [getattr(person, "pk", person) for person in reviewers]
    if not reviewers:
        decided = version.decisions.values_list("reviewer_id", flat=True)
        reviewers = list(
            review.assignments.exclude(reviewer_id__in=decided).values_list(
                "reviewer_id", flat=True
            )
        )
    return events.notify(
        reason=ReminderReason.REVIEW_SUBMITTED,
        record=version,
        recipients=with_delegates(reviewers),
        by=by,
        title=submission_title(review),
        url=review.get_absolute_url(),
    )


def with_delegates(reviewer_ids) -> list[int]:
    """The people to remind: each reviewer, or the delegate standing in for them today."""
    delegates = selectors.delegates_for(reviewer_ids)
    return list(dict.fromkeys(delegates.get(pk, pk) for pk in reviewer_ids))


def tell_decision(decision: Decision) -> int:
    """A reviewer decided: the people who submitted the plan and the system's owners."""
    review, system = decision.review, decision.review.system
    return events.notify(
        reason=ReminderReason.REVIEW_DECIDED,
        record=decision,
        recipients=[
            decision.version.submitted_by_id,
            review.submitted_by_id,
            system.business_owner_id,
            system.technical_owner_id,
        ],
        by=decision.reviewer,
        title=decision_title(decision),
        url=review.get_absolute_url(),
    )


# --- The e-mails (when the outbox delivers them) ------------------------------------------------
def submission_message(reminder) -> EmailMessage | None:
    """To a reviewer: a plan waits for you. ``None`` once it no longer does: a newer version
    was submitted (its own notice went out), the review was withdrawn or settled, or the
    reviewer has decided meanwhile."""
    version = (
        PlanVersion.objects.select_related("review__system", "submitted_by")
        .filter(pk=reminder.object_id)
        .first()
    )
    if version is None:
        return None
    review = version.review
    if review.current_version_id != version.pk or review.status != ReviewStatus.PENDING:
        return None
    recipient = reminder.recipient_id
    if version.decisions.filter(Q(reviewer_id=recipient) | Q(on_behalf_of_id=recipient)).exists():
        return None
    return events.event_message(
        reminder.recipient,
        submission_title(review),
        "reviews/email/submitted.txt",
        {
            "review": review,
            "version": version,
            "review_url": events.absolute(review.get_absolute_url()),
            "queue_url": events.absolute(reverse("reviews:queue")),
        },
    )


def decision_message(reminder) -> EmailMessage | None:
    """To the submitters and the system's owners: a reviewer decided."""
    decision = (
        Decision.objects.select_related(
            "review__system", "review__submitted_by", "version", "reviewer"
        )
        .filter(pk=reminder.object_id)
        .first()
    )
    if decision is None:
        return None
    review = decision.review
    return events.event_message(
        reminder.recipient,
        decision_title(decision),
        "reviews/email/decided.txt",
        {
            "review": review,
            "decision": decision,
            "review_url": events.absolute(review.get_absolute_url()),
        },
    )
