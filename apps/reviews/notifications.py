"""E-mails of the review workflow, sent by the tasks in :mod:`apps.reviews.tasks`.

One message per recipient (nobody sees the others' addresses), with absolute links built from
``SITE_URL``. Every function returns the number of messages sent.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse

from apps.reviews.models import Decision, Review

SUBJECT_PREFIX = "[AI Risk Register] "


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(recipients, subject: str, template: str, context: dict) -> int:
    messages = []
    for person in recipients:
        body = render_to_string(template, {**context, "recipient": person})
        messages.append(
            EmailMessage(
                SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [person.email]
            )
        )
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


def send_submission_notice(
    review_id: int, version_number: int, reviewer_ids: list[int] | None = None
) -> int:
    """To each reviewer who has not decided on the version yet: a plan waits for you."""
    review = Review.objects.select_related("system", "submitted_by").get(pk=review_id)
    version = review.versions.select_related("submitted_by").get(number=version_number)
    if review.current_version_id != version.pk:
        return 0  # a newer version was submitted since; its own notice went out
    decided = set(version.decisions.values_list("reviewer_id", flat=True))
    recipients = [
        assignment.reviewer
        for assignment in review.assignments.select_related("reviewer")
        if assignment.reviewer.is_active
        and assignment.reviewer_id not in decided
        and (reviewer_ids is None or assignment.reviewer_id in reviewer_ids)
    ]
    return _send(
        recipients,
        f"{review.reference}: the safety plan of {review.system} waits for your decision",
        "reviews/email/submitted.txt",
        {
            "review": review,
            "version": version,
            "review_url": _absolute(review.get_absolute_url()),
            "queue_url": _absolute(reverse("reviews:queue")),
        },
    )


def send_decision_notice(decision_id: int) -> int:
    """To the people who submitted the plan and the system's owners: a reviewer decided."""
    decision = Decision.objects.select_related(
        "review__system__business_owner",
        "review__system__technical_owner",
        "review__submitted_by",
        "version__submitted_by",
        "reviewer",
    ).get(pk=decision_id)
    review, system = decision.review, decision.review.system
    people = [
        decision.version.submitted_by,
        review.submitted_by,
        system.business_owner,
        system.technical_owner,
    ]
    recipients = list(
        {p.pk: p for p in people if p.is_active and p.pk != decision.reviewer_id}.values()
    )
    return _send(
        recipients,
        f"{review.reference}: {decision.reviewer} {decision.outcome_verb} the safety "
        f"plan of {system}",
        "reviews/email/decided.txt",
        {
            "review": review,
            "decision": decision,
            "review_url": _absolute(review.get_absolute_url()),
        },
    )
