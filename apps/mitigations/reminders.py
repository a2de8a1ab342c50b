"""Reminders of mitigations: a planned or in-progress mitigation past its due date.

Collected by the daily sweep (see :mod:`apps.reminders.registry`); the mitigation's owner is told,
and after the configured delay the committee too (escalation). Mitigations of archived systems
are left out.
"""

from __future__ import annotations

import datetime

from apps.mitigations.models import Mitigation
from apps.reminders.models import ReminderReason
from apps.reminders.registry import Candidate, collector, keyset_batches, url_maker, when
from apps.risks.treatment import OPEN_STATUSES
from apps.systems.models import AISystem


@collector
def overdue_mitigations(today: datetime.date):
    """Mitigations not yet in place whose due date has passed → their owner."""
    mitigations = Mitigation.objects.filter(
        status__in=OPEN_STATUSES,
        due_date__lt=today,
        system__archived_at__isnull=True,
        owner__is_active=True,
    )
    fields = ["title", "due_date", "owner_id", "owner__full_name", "system_id", "system__name"]
    url = url_maker("mitigations:detail")
    for rows in keyset_batches(mitigations, fields):
        yield [
            Candidate(
                recipient_id=row["owner_id"],
                model=Mitigation,
                object_id=row["pk"],
                reason=ReminderReason.MITIGATION_OVERDUE,
                due_date=row["due_date"],
                title=(
                    f"Mitigation {Mitigation.format_reference(row['pk'])} “{row['title']}” of "
                    f"{AISystem.format_reference(row['system_id'])} “{row['system__name']}” "
                    f"was due {when(row['due_date'], today)} ({row['due_date']:%d %b %Y})"
                ),
                url=url(row["pk"]),
                responsible=row["owner__full_name"],
            )
            for row in rows
        ]
