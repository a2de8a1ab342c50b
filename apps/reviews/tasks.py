"""Celery tasks of the review workflow: thin wrappers around :mod:`apps.reviews.notifications`.

The services queue them once their transaction has committed, so a worker always reads the
committed review. Without ``REDIS_URL`` they run eagerly in the web process.
"""

from __future__ import annotations

from celery import shared_task

from apps.reviews import notifications


@shared_task
def notify_plan_submitted(
    review_id: int, version_number: int, reviewer_ids: list[int] | None = None
) -> int:
    """E-mail the reviewers who have a version to read; returns the number of e-mails sent."""
    return notifications.send_submission_notice(review_id, version_number, reviewer_ids)


@shared_task
def notify_review_decided(decision_id: int) -> int:
    """E-mail the submitter and the system's owners a reviewer's decision."""
    return notifications.send_decision_notice(decision_id)
