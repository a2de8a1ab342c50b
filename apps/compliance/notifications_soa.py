"""Who the Statement of Applicability's workflow tells, and what their e-mails say.

The services of :mod:`apps.compliance.soa` call :func:`tell_committee` and
:func:`tell_decision` inside their transaction: each person concerned gets a notification at
once and, as their preference says, an e-mail through the outbox or a line in their next digest
(:func:`apps.reminders.events.notify`). The e-mails are written by :func:`submission_message` and
:func:`decision_message` when the outbox delivers them (registered in
:mod:`apps.compliance.reminders`), with absolute links built from ``SITE_URL``.
"""

from __future__ import annotations

from django.core.mail import EmailMessage

from apps.compliance.models_soa import SoAVersion, SoAVersionStatus
from apps.reminders import events
from apps.reminders.models import ReminderReason


def submission_title(version: SoAVersion) -> str:
    return f"Version {version.number} of the Statement of Applicability waits for your decision"


def decision_title(version: SoAVersion) -> str:
    outcome = "approved" if version.status == SoAVersionStatus.APPROVED else "rejected"
    return (
        f"{version.decided_by} {outcome} version {version.number} of the Statement of Applicability"
    )


# --- Telling people (in the services' transactions) ---------------------------------------------
def tell_committee(version: SoAVersion, *, by) -> int:
    """A version waits for the committee: every active committee member but its submitter."""
    return events.notify(
        reason=ReminderReason.SOA_SUBMITTED,
        record=version,
        recipients=events.committee_ids(),
        by=by,
        title=submission_title(version),
    )


def tell_decision(version: SoAVersion) -> int:
    """A committee member decided: its submitter is told."""
    return events.notify(
        reason=ReminderReason.SOA_DECIDED,
        record=version,
        recipients=[version.submitted_by_id],
        by=version.decided_by,
        title=decision_title(version),
    )


# --- The e-mails (when the outbox delivers them) ------------------------------------------------
def _version(reminder) -> SoAVersion | None:
    return (
        SoAVersion.objects.select_related("submitted_by", "decided_by", "catalogue")
        .filter(pk=reminder.object_id)
        .first()
    )


def submission_message(reminder) -> EmailMessage | None:
    """To a committee member: a version waits for you. ``None`` once it no longer does (it was
    decided or withdrawn meanwhile)."""
    version = _version(reminder)
    if version is None or not version.is_pending:
        return None
    return events.event_message(
        reminder.recipient,
        submission_title(version),
        "compliance/email/soa_submitted.txt",
        {"version": version, "version_url": events.absolute(version.get_absolute_url())},
    )


def decision_message(reminder) -> EmailMessage | None:
    """To the submitter: the committee decided on their version."""
    version = _version(reminder)
    if version is None or version.decided_by_id is None:
        return None
    return events.event_message(
        reminder.recipient,
        decision_title(version),
        "compliance/email/soa_decided.txt",
        {"version": version, "version_url": events.absolute(version.get_absolute_url())},
    )
