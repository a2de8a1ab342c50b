"""Reminders of risk acceptances: about to expire, or expired (the risk is open again).

Collected by the daily sweep (see :mod:`apps.reminders.registry`), which first expires the
acceptances past their date (the housekeeping step registered here). The person who
asked for the acceptance is told, and the risk's owner when that is someone else: the risk is
back in front of them. Risks and systems that are archived are left out.
"""

from __future__ import annotations

import datetime

from apps.reminders.models import ReminderReason
from apps.reminders.registry import (
    Candidate,
    active_people,
    collector,
    keyset_batches,
    register_housekeeping,
    url_maker,
    when,
)
from apps.risks import tally
from apps.risks.models import AcceptanceStatus, Risk, RiskAcceptance
from apps.risks.services import expire_acceptances

EXPIRY_NOTICE_DAYS = 14
# An expired acceptance is reminded of if it expired this recently (a missed sweep catches up);
# older ones were reminded of long ago and are not scanned every day.
EXPIRED_LOOKBACK_DAYS = 30

FIELDS = [
    "expires_on",
    "requested_by_id",
    "requested_by__is_active",
    "requested_by__full_name",
    "risk_id",
    "risk__title",
    "risk__owner_id",
    "risk__owner__is_active",
]


def expire_lapsed_acceptances(today: datetime.date) -> int:
    """The sweep's first step: approved acceptances past their date expire and their risks are
    open again (:func:`apps.risks.services.expire_acceptances`), before the collectors below
    look for what expired."""
    return len(expire_acceptances(today))


register_housekeeping("expired_acceptances", expire_lapsed_acceptances)


def compact_risk_tally(today: datetime.date) -> int:
    """Fold the day's appended rows of the dashboard's risk tally into one per group
    (:func:`apps.risks.tally.compact`); returns how many rows fewer there are."""
    return tally.compact()


register_housekeeping("risk_tally_compacted", compact_risk_tally)


def _live(queryset):
    return queryset.filter(risk__archived_at__isnull=True, risk__system__archived_at__isnull=True)


def _candidates(rows, reason: ReminderReason, today: datetime.date) -> list[Candidate]:
    url = url_maker("risks:acceptance_detail")
    batch = []
    for row in rows:
        expires_on = row["expires_on"]
        risk = f"{Risk.format_reference(row['risk_id'])} “{row['risk__title']}”"
        reference = RiskAcceptance.format_reference(row["pk"])
        if reason == ReminderReason.ACCEPTANCE_EXPIRED:
            title = (
                f"Acceptance {reference} of {risk} expired on {expires_on:%d %b %Y}: "
                "the risk is open again"
            )
        else:
            # Valid through ``expires_on``: it lapses the day after.
            title = (
                f"Acceptance {reference} of {risk} expires {when(expires_on, today)} "
                f"({expires_on:%d %b %Y}): renew it or treat the risk"
            )
        people = active_people(
            (row["requested_by_id"], row["requested_by__is_active"]),
            (row["risk__owner_id"], row["risk__owner__is_active"]),
        )
        batch.extend(
            Candidate(
                recipient_id=person_id,
                model=RiskAcceptance,
                object_id=row["pk"],
                reason=reason,
                due_date=expires_on,
                title=title,
                url=url(row["pk"]),
                responsible=row["requested_by__full_name"],
            )
            for person_id in people
        )
    return batch


@collector
def acceptances_expiring(today: datetime.date):
    """Approved acceptances that lapse within 14 days → who asked for them and the risk owner."""
    acceptances = _live(
        RiskAcceptance.objects.filter(
            status=AcceptanceStatus.APPROVED,
            expires_on__gte=today,
            expires_on__lte=today + datetime.timedelta(days=EXPIRY_NOTICE_DAYS),
        )
    )
    for rows in keyset_batches(acceptances, FIELDS):
        yield _candidates(rows, ReminderReason.ACCEPTANCE_EXPIRING, today)


@collector
def acceptances_expired(today: datetime.date):
    """Acceptances that expired (recently) → who asked for them and the risk owner."""
    acceptances = _live(
        RiskAcceptance.objects.filter(
            status=AcceptanceStatus.EXPIRED,
            expires_on__gte=today - datetime.timedelta(days=EXPIRED_LOOKBACK_DAYS),
        )
    )
    for rows in keyset_batches(acceptances, FIELDS):
        yield _candidates(rows, ReminderReason.ACCEPTANCE_EXPIRED, today)
