"""Reminders of concerns: one still waiting for triage 7 days after it was raised.

Collected by the daily sweep (see :mod:`apps.reminders.registry`); both owners of the system are
told, once (the due date is the day it became late: the reminders' unique constraint keeps it
to one reminder per person). The title never names the raiser. Concerns of archived systems are
left out.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from apps.concerns.models import Concern, ConcernStatus
from apps.reminders.models import ReminderReason
from apps.reminders.registry import Candidate, collector, keyset_batches, url_maker
from apps.systems.models import AISystem
from apps.systems.reminders import system_owners

UNTRIAGED_AFTER = datetime.timedelta(days=7)

FIELDS = [
    "summary",
    "created_at",
    "system_id",
    "system__name",
    "system__business_owner_id",
    "system__business_owner__is_active",
    "system__business_owner__full_name",
    "system__technical_owner_id",
    "system__technical_owner__is_active",
]


@collector
def concerns_untriaged(today: datetime.date):
    """Concerns raised 7 days ago or more and not triaged → the system's owners."""
    cutoff = timezone.now() - UNTRIAGED_AFTER
    concerns = Concern.objects.filter(
        status=ConcernStatus.OPEN, created_at__lte=cutoff, system__archived_at__isnull=True
    )
    url = url_maker("concerns:detail")
    for rows in keyset_batches(concerns, FIELDS):
        batch = []
        for row in rows:
            late_since = timezone.localdate(row["created_at"] + UNTRIAGED_AFTER)
            title = (
                f"Concern {Concern.format_reference(row['pk'])} “{row['summary']}” about "
                f"{AISystem.format_reference(row['system_id'])} “{row['system__name']}” waits "
                f"for triage since {late_since:%d %b %Y}"
            )
            batch.extend(
                Candidate(
                    recipient_id=owner_id,
                    model=Concern,
                    object_id=row["pk"],
                    reason=ReminderReason.CONCERN_UNTRIAGED,
                    due_date=late_since,
                    title=title,
                    url=url(row["pk"]),
                    responsible=row["system__business_owner__full_name"],
                )
                for owner_id in system_owners(row, "system__")
            )
        yield batch
