"""Reminders of the AI system inventory: safety-plan reviews coming due and overdue, and systems
in service that were never approved.

Collected by the daily sweep (see :mod:`apps.reminders.registry`); both owners of a system are
told. Archived and retired systems are not reviewed, so they are left out.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from apps.reminders.models import ReminderReason
from apps.reminders.registry import (
    Candidate,
    active_people,
    collector,
    keyset_batches,
    url_maker,
    when,
)
from apps.systems.models import AISystem, LifecycleStage

REVIEW_NOTICE_DAYS = 14


def review_reason(days_left: int) -> ReminderReason:
    """Which reminder a review ``days_left`` days away calls for.

    Windows rather than exact days (8–14 days → the 14-day reminder, 2–7 → the 7-day one, 0–1 →
    the last one), so that a day the sweep did not run is caught up the next day; the reminder's
    unique constraint keeps each one to a single message per due date.
    """
    if days_left < 0:
        return ReminderReason.REVIEW_OVERDUE
    if days_left <= 1:
        return ReminderReason.REVIEW_DUE_1
    if days_left <= 7:
        return ReminderReason.REVIEW_DUE_7
    return ReminderReason.REVIEW_DUE_14


def system_owners(row: dict, prefix: str = "") -> list[int]:
    """The system's business and technical owners who are still active, from a batch's row
    that has their columns (under ``prefix``, ``system__`` for a record of the system)."""
    return active_people(
        (row[f"{prefix}business_owner_id"], row[f"{prefix}business_owner__is_active"]),
        (row[f"{prefix}technical_owner_id"], row[f"{prefix}technical_owner__is_active"]),
    )


@collector
def reviews_due(today: datetime.date):
    """Systems whose next review is due within 14 days, or overdue → business and technical
    owner."""
    systems = (
        AISystem.objects.active()
        .exclude(lifecycle_stage=LifecycleStage.RETIRED)
        .filter(
            next_review_due__isnull=False,
            next_review_due__lte=today + datetime.timedelta(days=REVIEW_NOTICE_DAYS),
        )
    )
    fields = [
        "name",
        "next_review_due",
        "business_owner_id",
        "business_owner__is_active",
        "business_owner__full_name",
        "technical_owner_id",
        "technical_owner__is_active",
    ]
    url = url_maker("systems:detail")
    for rows in keyset_batches(systems, fields):
        batch = []
        for row in rows:
            due = row["next_review_due"]
            reason = review_reason((due - today).days)
            reference = AISystem.format_reference(row["pk"])
            if reason == ReminderReason.REVIEW_OVERDUE:
                title = f"Review of {reference} “{row['name']}” is overdue (due {due:%d %b %Y})"
            else:
                title = (
                    f"Review of {reference} “{row['name']}” is due {when(due, today)} "
                    f"({due:%d %b %Y})"
                )
            batch.extend(
                Candidate(
                    recipient_id=owner_id,
                    model=AISystem,
                    object_id=row["pk"],
                    reason=reason,
                    due_date=due,
                    title=title,
                    url=url(row["pk"]),
                    responsible=row["business_owner__full_name"],
                )
                for owner_id in system_owners(row)
            )
        yield batch


@collector
def never_approved_in_service(today: datetime.date):
    """Systems in pilot or production that were never approved (ungoverned: see
    :func:`apps.systems.models.ungoverned_condition`) → both owners, as their initial review
    overdue, and the committee at once, as an escalation: a system serving people with no
    approved plan is the committee's business from its first day.

    The due date is the day the system went into service (``in_service_since``), so each person
    is told once per spell in service, however often the sweep runs; the owners' reminder would
    be escalated as any overdue one is, under the same key (one escalation). A plan
    that lapsed is a review overdue: :func:`reviews_due` tells its owners, and the escalation
    after the configured delay the committee.
    """
    systems = AISystem.objects.ungoverned(today).filter(last_approved__isnull=True)
    fields = [
        "name",
        "lifecycle_stage",
        "in_service_since",
        "created_at",
        "business_owner_id",
        "business_owner__is_active",
        "business_owner__full_name",
        "technical_owner_id",
        "technical_owner__is_active",
    ]
    url = url_maker("systems:detail")
    for rows in keyset_batches(systems, fields):
        batch = []
        for row in rows:
            since = row["in_service_since"] or timezone.localtime(row["created_at"]).date()
            stage = LifecycleStage(row["lifecycle_stage"]).label.lower()
            what = (
                f"{AISystem.format_reference(row['pk'])} “{row['name']}” is in {stage} "
                f"(since {since:%d %b %Y}) with no approved safety plan"
            )
            common = {
                "model": AISystem,
                "object_id": row["pk"],
                "due_date": since,
                "url": url(row["pk"]),
                "responsible": row["business_owner__full_name"],
            }
            batch.extend(
                Candidate(
                    recipient_id=owner_id,
                    reason=ReminderReason.REVIEW_OVERDUE,
                    title=f"{what}: submit it for an initial deployment review",
                    **common,
                )
                for owner_id in system_owners(row)
            )
            batch.append(
                Candidate(
                    recipient_id=None,  # escalated to the committee at once
                    reason=ReminderReason.REVIEW_OVERDUE,
                    title=f"Ungoverned: {what}",
                    **common,
                )
            )
        yield batch
