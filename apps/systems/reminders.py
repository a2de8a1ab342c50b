"""Reminders of the AI system inventory: safety-plan reviews coming due and overdue.

Collected by the daily sweep (see :mod:`apps.reminders.registry`); both owners of a system are
told. Archived and retired systems are not reviewed, so they are left out.
"""

from __future__ import annotations

import datetime

from apps.reminders.models import ReminderReason
from apps.reminders.registry import Candidate, collector, keyset_batches, url_maker, when
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
            owners = {
                owner_id
                for owner_id, active in (
                    (row["business_owner_id"], row["business_owner__is_active"]),
                    (row["technical_owner_id"], row["technical_owner__is_active"]),
                )
                if active
            }
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
                for owner_id in sorted(owners)
            )
        yield batch
