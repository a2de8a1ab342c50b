"""Reminders of incidents: a post-incident review owed, a regulator's deadline coming.

Collected by the daily sweep (see :mod:`apps.reminders.registry`); both owners of the incident's
system are told (the team submits the post-incident review and notifies the regulator). A review
still owed after the configured delay is escalated to the committee. Incidents of archived
systems are left out.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from apps.incidents import selectors
from apps.incidents.models import Incident
from apps.reminders.models import ReminderReason
from apps.reminders.registry import Candidate, collector, keyset_batches, url_maker, when
from apps.systems.models import AISystem
from apps.systems.reminders import system_owners

REGULATOR_NOTICE = datetime.timedelta(hours=72)

FIELDS = [
    "title",
    "system_id",
    "system__name",
    "system__business_owner_id",
    "system__business_owner__is_active",
    "system__business_owner__full_name",
    "system__technical_owner_id",
    "system__technical_owner__is_active",
]


def _subject(row) -> str:
    return (
        f"Incident {Incident.format_reference(row['pk'])} “{row['title']}” of "
        f"{AISystem.format_reference(row['system_id'])} “{row['system__name']}”"
    )


@collector
def post_incident_reviews_owed(today: datetime.date):
    """Closed SEV1/SEV2 incidents whose post-incident review is not submitted → the owners."""
    incidents = Incident.objects.filter(
        selectors.review_outstanding(),
        closed_at__isnull=False,
        system__archived_at__isnull=True,
    )
    url = url_maker("incidents:detail")
    for rows in keyset_batches(incidents, [*FIELDS, "closed_at"]):
        batch = []
        for row in rows:
            owed_since = timezone.localdate(row["closed_at"])
            title = (
                f"{_subject(row)}: the post-incident review of the safety plan is owed since "
                f"{owed_since:%d %b %Y}"
            )
            batch.extend(
                Candidate(
                    recipient_id=owner_id,
                    model=Incident,
                    object_id=row["pk"],
                    reason=ReminderReason.POST_INCIDENT_REVIEW_OWED,
                    due_date=owed_since,
                    title=title,
                    url=url(row["pk"]),
                    responsible=row["system__business_owner__full_name"],
                )
                for owner_id in system_owners(row, "system__")
            )
        yield batch


@collector
def regulator_deadlines(today: datetime.date):
    """Regulator notifications due within 72 hours (or past due) and not made → the owners."""
    incidents = Incident.objects.filter(
        regulator_notification_required=True,
        regulator_notified_at__isnull=True,
        regulator_deadline__isnull=False,
        regulator_deadline__lte=timezone.now() + REGULATOR_NOTICE,
        system__archived_at__isnull=True,
    )
    url = url_maker("incidents:detail")
    for rows in keyset_batches(incidents, [*FIELDS, "regulator_deadline"]):
        batch = []
        for row in rows:
            deadline = timezone.localtime(row["regulator_deadline"])
            due = deadline.date()
            title = (
                f"{_subject(row)}: the regulator must be notified by "
                f"{deadline:%d %b %Y %H:%M} ({when(due, today)})"
            )
            batch.extend(
                Candidate(
                    recipient_id=owner_id,
                    model=Incident,
                    object_id=row["pk"],
                    reason=ReminderReason.REGULATOR_DEADLINE,
                    due_date=due,
                    title=title,
                    url=url(row["pk"]),
                    responsible=row["system__business_owner__full_name"],
                )
                for owner_id in system_owners(row, "system__")
            )
        yield batch
