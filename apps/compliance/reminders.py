"""Reminders of obligations: coming due (14, 7 and 1 days ahead) and overdue; and, first, the
housekeeping that expires the committee's exceptions past their date.

Collected by the daily sweep (see :mod:`apps.reminders.registry`). The obligation's owner is
told — or, while it has none, the system's business owner, who answers for the system — once per
due date and step (the reminders' unique constraint: running the sweep twice tells nobody
twice; a due date that moves is a new reminder). Overdue ones escalate to the committee after
the configured delay. Obligations that no longer apply, that are met or justified as not
applicable, and those of archived systems are left out.

Also the e-mails of the Statement of Applicability's events (:mod:`.notifications_soa`).
"""

from __future__ import annotations

import datetime

from django.db.models import F
from django.db.models.functions import Coalesce

from apps.compliance import notifications_soa
from apps.compliance.models import OPEN_STATUSES, Applicability, Obligation
from apps.compliance.services import expire_exceptions
from apps.reminders.models import ReminderReason
from apps.reminders.registry import (
    Candidate,
    collector,
    keyset_batches,
    register_event_email,
    register_housekeeping,
    url_maker,
    when,
)
from apps.systems.models import AISystem

NOTICE_DAYS = 14

# An overdue obligation is late (OVERDUE_REASONS): it escalates to the committee like the rest.
DUE_REASONS = {
    14: ReminderReason.OBLIGATION_DUE_14,
    7: ReminderReason.OBLIGATION_DUE_7,
    1: ReminderReason.OBLIGATION_DUE_1,
}
OVERDUE_REASON = ReminderReason.OBLIGATION_OVERDUE


def due_reason(days_left: int) -> ReminderReason:
    """Windows rather than exact days (8–14 → the 14-day step, 2–7 → the 7-day one, 0–1 → the
    last), so that a day the sweep did not run is caught up the next day."""
    if days_left < 0:
        return OVERDUE_REASON
    if days_left <= 1:
        return DUE_REASONS[1]
    if days_left <= 7:
        return DUE_REASONS[7]
    return DUE_REASONS[14]


def expire_lapsed_exceptions(today: datetime.date) -> int:
    """The sweep's first step: approved exceptions past their date expire (the obligation
    blocks again), before the collectors look at anything."""
    return expire_exceptions(today)


register_housekeeping("expired_obligation_exceptions", expire_lapsed_exceptions)


def _open_obligations():
    """Open obligations that apply, of active systems, with someone active to tell."""
    return (
        Obligation.objects.filter(
            applicability=Applicability.APPLIES,
            status__in=OPEN_STATUSES,
            due_date__isnull=False,
            system__archived_at__isnull=True,
        )
        .annotate(
            recipient_id=Coalesce(F("owner_id"), F("system__business_owner_id")),
            recipient_active=Coalesce(
                F("owner__is_active"), F("system__business_owner__is_active")
            ),
        )
        .filter(recipient_active=True)
    )


FIELDS = [
    "due_date",
    "recipient_id",
    "owner__full_name",
    "system__business_owner__full_name",
    "system_id",
    "system__name",
    "requirement__identifier",
    "requirement__title",
]


def _candidates(rows, today: datetime.date) -> list[Candidate]:
    url = url_maker("compliance:obligation_detail")
    batch = []
    for row in rows:
        due = row["due_date"]
        reason = due_reason((due - today).days)
        what = (
            f"Obligation {Obligation.format_reference(row['pk'])} "
            f"({row['requirement__identifier']} {row['requirement__title']}) of "
            f"{AISystem.format_reference(row['system_id'])} “{row['system__name']}”"
        )
        if reason == OVERDUE_REASON:
            title = f"{what} is overdue (due {due:%d %b %Y})"
        else:
            title = f"{what} is due {when(due, today)} ({due:%d %b %Y})"
        batch.append(
            Candidate(
                recipient_id=row["recipient_id"],
                model=Obligation,
                object_id=row["pk"],
                reason=reason,
                due_date=due,
                title=title,
                url=url(row["pk"]),
                responsible=row["owner__full_name"] or row["system__business_owner__full_name"],
            )
        )
    return batch


@collector
def obligations_coming_due(today: datetime.date):
    """Open obligations due within 14 days → their owner (or the system's business owner)."""
    obligations = _open_obligations().filter(
        due_date__gte=today, due_date__lte=today + datetime.timedelta(days=NOTICE_DAYS)
    )
    for rows in keyset_batches(obligations, FIELDS):
        yield _candidates(rows, today)


@collector
def obligations_overdue(today: datetime.date):
    """Open obligations past their due date → their owner (or the system's business owner);
    the committee after the escalation delay."""
    for rows in keyset_batches(_open_obligations().filter(due_date__lt=today), FIELDS):
        yield _candidates(rows, today)


# The e-mails of the Statement of Applicability's events (a version submitted, decided).
register_event_email(ReminderReason.SOA_SUBMITTED, notifications_soa.submission_message)
register_event_email(ReminderReason.SOA_DECIDED, notifications_soa.decision_message)
