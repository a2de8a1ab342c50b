"""Every write to concerns: raising one, and the team's triage (a risk, an incident, a link to an
existing one, or an answer). Each checks the rules, writes in one transaction with its history,
and tells people through :func:`apps.reminders.events.notify`.

Anonymity: the concern's history names the raiser through :class:`AnonymousRaiser` (the audit
event keeps the person; its readable name is “Anonymous raiser”), and no notification to the
team says who raised it.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Membership
from apps.concerns import permissions
from apps.concerns.models import AnonymousRaiser, Concern, ConcernStatus
from apps.core.audit import save_with_history
from apps.core.services import _check_file
from apps.core.validation import ErrorCollector
from apps.incidents import services as incident_services
from apps.incidents.models import Incident
from apps.reminders.events import notify
from apps.reminders.models import ReminderReason
from apps.risks import services as risk_services
from apps.risks.models import Risk
from apps.systems.models import AISystem

RAISED_FIELDS = ("summary", "description", "is_anonymous")


def history_person(concern: Concern, by):
    """Who the history names for the raiser's own writes: the masked raiser when anonymous."""
    if concern.is_anonymous and by is not None and by.pk == concern.raised_by_id:
        return AnonymousRaiser.objects.get(pk=by.pk)
    return by


def team_to_tell(system: AISystem) -> set[int]:
    """The system's owners and its team's contributors: who triages its concerns."""
    people = {system.business_owner_id, system.technical_owner_id}
    people.update(
        Membership.objects.filter(
            team_id=system.team_id, role=Membership.Role.CONTRIBUTOR
        ).values_list("user_id", flat=True)
    )
    return people - {None}


@transaction.atomic
def raise_concern(*, system: AISystem, by, data: dict[str, Any], attachment=None) -> Concern:
    """Raise a concern about a system; its team is told (without the raiser's name when it is
    anonymous)."""
    refusal = permissions.why_cannot_raise_concern(by, system)
    if refusal:
        raise PermissionDenied(refusal)
    unknown = set(data) - set(RAISED_FIELDS)
    if unknown:
        raise ValueError(f"Not fields of a raised concern: {', '.join(sorted(unknown))}")
    concern = Concern(system=system, raised_by=by)
    for name, value in data.items():
        setattr(concern, name, value.strip() if isinstance(value, str) else value)
    errors = ErrorCollector()  # every problem at once
    with errors.check():
        concern.full_clean(exclude=["raised_by", "attachment", "risk", "incident", "triaged_by"])
    if attachment:
        with errors.check():
            try:
                concern.attachment_type = _check_file(attachment)
            except ValidationError as error:
                raise ValidationError({"attachment": error.messages}) from error
    errors.raise_if_any()
    if attachment:
        name = PurePath(attachment.name).name
        if concern.is_anonymous:  # a file's own name may say who made it
            name = f"attachment{PurePath(name).suffix.lower()[:10]}"
        concern.attachment_name = name[:255]
        concern.attachment_size = attachment.size
        concern.attachment.save(attachment.name, attachment, save=False)
    try:
        save_with_history(concern, by=history_person(concern, by), reason="Raised")
    except Exception:
        if concern.attachment:  # rolled back: take the stored file away too
            concern.attachment.delete(save=False)
        raise
    who = "Someone (anonymously)" if concern.is_anonymous else str(by)
    notify(
        reason=ReminderReason.CONCERN_RAISED,
        record=concern,
        recipients=team_to_tell(system),
        by=by,
        title=f"{who} raised concern {concern.reference} “{concern.summary}” about "
        f"{system.reference} {system.name}",
    )
    return concern


def _locked_open(concern: Concern, by) -> Concern:
    concern = Concern.objects.select_for_update().select_related("system").get(pk=concern.pk)
    refusal = permissions.why_cannot_triage_concern(by, concern)
    if refusal:
        raise PermissionDenied(refusal)
    if not concern.is_open:
        raise ValidationError(
            f"{concern.reference} is already triaged ({concern.get_status_display().lower()})."
        )
    return concern


def _triage(concern: Concern, *, by, status: str, answer: str, reason: str) -> Concern:
    concern.status = status
    concern.answer = answer
    concern.triaged_by = by
    concern.triaged_at = timezone.now()
    save_with_history(concern, by=by, reason=reason)
    notify(
        reason=ReminderReason.CONCERN_ANSWERED,
        record=concern,
        recipients=[concern.raised_by_id],
        by=by,
        title=f"Your concern {concern.reference} “{concern.summary}”: "
        f"{concern.get_status_display().lower()}",
    )
    return concern


def risk_initial(concern: Concern) -> dict:
    """What a risk made from the concern starts with."""
    return {
        "title": concern.summary,
        "scenario": f"Raised as concern {concern.reference}:\n\n{concern.description}",
    }


@transaction.atomic
def create_risk_from_concern(
    *, concern: Concern, by, data: dict[str, Any], answer: str = "", reason: str = ""
) -> Risk:
    """Turn the concern into a new risk of its system (the link is kept on the concern)."""
    concern = _locked_open(concern, by)
    risk = risk_services.create_risk(
        system=concern.system, by=by, data=data, reason=reason or f"From {concern.reference}"
    )
    concern.risk = risk
    _triage(
        concern,
        by=by,
        status=ConcernStatus.RISK,
        answer=answer.strip()
        or f"Thank you: the team added it to the register as {risk.reference}.",
        reason=f"Became {risk.reference}",
    )
    return risk


@transaction.atomic
def create_incident_from_concern(
    *,
    concern: Concern,
    by,
    data: dict[str, Any],
    risks=(),
    mitigations=(),
    answer: str = "",
    reason: str = "",
) -> Incident:
    """Turn the concern into a new incident of its system (the link is kept on the concern)."""
    concern = _locked_open(concern, by)
    incident = incident_services.open_incident(
        system=concern.system,
        by=by,
        data=data,
        risks=risks,
        mitigations=mitigations,
        reason=reason or f"From {concern.reference}",
    )
    concern.incident = incident
    _triage(
        concern,
        by=by,
        status=ConcernStatus.INCIDENT,
        answer=answer.strip() or f"Thank you: the team logged it as incident {incident.reference}.",
        reason=f"Became {incident.reference}",
    )
    return incident


@transaction.atomic
def link_concern(
    *, concern: Concern, by, risk: Risk | None = None, incident: Incident | None = None, answer=""
) -> Concern:
    """Link the concern to an existing risk or incident of its system."""
    concern = _locked_open(concern, by)
    if (risk is None) == (incident is None):
        raise ValidationError("Choose one existing risk or one existing incident.")
    record = risk or incident
    field = "risk" if risk is not None else "incident"
    if record.system_id != concern.system_id:
        raise ValidationError(
            {
                field: f"{record.reference} is not of {concern.system.reference}: choose one of "
                "the concern's own system."
            }
        )
    setattr(concern, field, record)
    return _triage(
        concern,
        by=by,
        status=ConcernStatus.LINKED,
        answer=answer.strip() or f"Thank you: the team already knows of it, as {record.reference}.",
        reason=f"Linked to {record.reference}",
    )


@transaction.atomic
def close_concern(*, concern: Concern, by, answer: str) -> Concern:
    """Close the concern with an answer the raiser reads."""
    concern = _locked_open(concern, by)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": "Write the answer the raiser will read."})
    return _triage(
        concern, by=by, status=ConcernStatus.CLOSED, answer=answer, reason="Closed with an answer"
    )
