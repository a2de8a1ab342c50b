"""Reminders of evaluations: verifications out of date, and flags nobody has looked at.

The daily sweep (see :mod:`apps.reminders.registry`) first flags each verification whose latest
run is older than ``EVALUATION_STALE_AFTER_DAYS`` (housekeeping), then reminds the owner of each
flagged mitigation once per flag; after the configured delay the committee is told too
(escalation). Mitigations of archived systems are left out.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from apps.evaluations.models import MitigationEvaluation
from apps.evaluations.verification import flag_stale_evaluations
from apps.mitigations.models import Mitigation
from apps.reminders.models import ReminderReason
from apps.reminders.registry import (
    Candidate,
    collector,
    keyset_batches,
    register_housekeeping,
    url_maker,
)
from apps.risks.treatment import MitigationStatus

# The reminders app has no reason of its own for a flagged evaluation yet (it needs a migration
# of apps.reminders): a flag left alone is late like an overdue mitigation, and escalates so.
FLAGGED_REASON = ReminderReason.MITIGATION_OVERDUE

register_housekeeping("stale_evaluations", flag_stale_evaluations)


@collector
def flagged_evaluations(today: datetime.date):
    """Mitigations flagged for review (a failing or out-of-date evaluation) → their owner."""
    flagged = (
        MitigationEvaluation.objects.flagged()
        .filter(
            mitigation__system__archived_at__isnull=True,
            mitigation__owner__is_active=True,
        )
        .exclude(mitigation__status=MitigationStatus.RETIRED)
    )
    fields = [
        "flagged_at",
        "flag_reason",
        "mitigation_id",
        "mitigation__title",
        "mitigation__owner_id",
        "mitigation__owner__full_name",
    ]
    url = url_maker("mitigations:detail")
    for rows in keyset_batches(flagged, fields):
        yield [
            Candidate(
                recipient_id=row["mitigation__owner_id"],
                model=MitigationEvaluation,
                object_id=row["pk"],
                reason=FLAGGED_REASON,
                due_date=timezone.localdate(row["flagged_at"]),
                title=(
                    f"Mitigation {Mitigation.format_reference(row['mitigation_id'])} "
                    f"“{row['mitigation__title']}” is flagged for review: {row['flag_reason']}"
                )[:300],
                url=url(row["mitigation_id"]) + "#evaluation",
                responsible=row["mitigation__owner__full_name"],
            )
            for row in rows
        ]
