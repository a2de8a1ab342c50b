"""Writes to incidents: open one, edit it, walk it through its phases, close it, and act on what
it taught (link the risk that materialised, raise its likelihood, plan a follow-up mitigation).

Every function checks its rules, writes in one transaction, leaves history with who and why,
and raises ``PermissionDenied`` / ``ValidationError`` with a message a person can act on. The
pages and the API (a monitoring system reporting a failure) call these same functions.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.audit import save_with_history
from apps.core.concurrency import check_version
from apps.core.validation import ErrorCollector
from apps.incidents import permissions
from apps.incidents.models import (
    ART73_DAYS,
    PHASE_FIELDS,
    PHASE_STEPS,
    REVIEW_OWED_SEVERITIES,
    STEP_BY_FIELD,
    Incident,
    Phase,
    ReportedVia,
    SeriousIncident,
    Severity,
)
from apps.mitigations import services as mitigation_services
from apps.mitigations.models import Mitigation
from apps.reminders.events import committee_ids, notify
from apps.reminders.models import ReminderReason
from apps.risks import services as risk_services
from apps.risks.models import Risk
from apps.systems.models import AISystem, EUAIActTier

# Fields a person (or a monitoring system) sets; phase, flags and deadlines are derived.
# Incidents told at once to the system's owners and the committee.
SERIOUS_SEVERITIES = (Severity.SEV1, Severity.SEV2)

EDITABLE_FIELDS = [
    "title",
    "description",
    "severity",
    *PHASE_FIELDS,
    "root_cause",
    "lessons_learned",
    "people_affected",
    "serious_incident",
    "regulator_notification_required",
    "regulator_deadline",
    "regulator_notified_at",
    "regulator_reference",
]
# Phases recorded with the “next phase” action (occurred and detected come with the incident).
RECORDABLE_PHASES = [step.field for step in PHASE_STEPS[2:]]


# --- Derived values -------------------------------------------------------------------------------
def art73_deadline(
    *, tier: str, serious_incident: str, detected_at: datetime.datetime
) -> datetime.datetime | None:
    """The EU AI Act Art. 73 reporting deadline, counted from when the team became aware.

    Only a serious incident of a high-risk system has one: 15 days in general, 10 days after a
    death, 2 days for a widespread infringement or a serious and irreversible disruption of
    critical infrastructure.
    """
    if tier != EUAIActTier.HIGH_RISK or not serious_incident:
        return None
    return detected_at + datetime.timedelta(days=ART73_DAYS[SeriousIncident(serious_incident)])


def derive_phase(incident: Incident) -> Phase:
    """The furthest phase whose time is recorded."""
    phase = Phase.DETECTED
    for step in PHASE_STEPS[2:]:
        if getattr(incident, step.field) is not None:
            phase = Phase(step.key)
    return phase


def apply_derived_fields(incident: Incident) -> None:
    """Phase and, under Art. 73, the notification duty and its deadline (not saved).

    Outside Art. 73 the team's own “a regulator must be notified” and deadline stand; without
    that duty there is no deadline.
    """
    incident.phase = derive_phase(incident)
    deadline = None
    if incident.detected_at is not None:
        deadline = art73_deadline(
            tier=incident.system.eu_ai_act_tier,
            serious_incident=incident.serious_incident,
            detected_at=incident.detected_at,
        )
    if deadline is not None:
        incident.regulator_notification_required = True
        incident.regulator_deadline = deadline
    elif not incident.regulator_notification_required:
        incident.regulator_deadline = None


# --- Helpers ------------------------------------------------------------------------------------
def _assign(incident: Incident, data: dict[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable fields of an incident: {', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(incident, name, value)


def _check_risks(system: AISystem, risks: Iterable[Risk], *, keep: Iterable[int] = ()) -> list:
    """Risks of the incident's own system, live (already linked archived ones may stay)."""
    risks = list(risks)
    keep = set(keep)
    foreign = [risk for risk in risks if risk.system_id != system.pk]
    if foreign:
        raise ValidationError(
            {
                "materialised_risks": "Only risks of the incident's own system can have "
                f"materialised; {', '.join(r.reference for r in foreign)} belong to another "
                "system."
            }
        )
    archived = [risk for risk in risks if risk.is_archived and risk.pk not in keep]
    if archived:
        raise ValidationError(
            {
                "materialised_risks": f"{', '.join(r.reference for r in archived)} "
                f"{'is' if len(archived) == 1 else 'are'} archived: restore the risk first."
            }
        )
    return risks


def _check_mitigations(system: AISystem, mitigations: Iterable[Mitigation]) -> list:
    mitigations = list(mitigations)
    foreign = [m for m in mitigations if m.system_id != system.pk]
    if foreign:
        raise ValidationError(
            {
                "follow_up_mitigations": "Follow-up mitigations belong to the incident's own "
                f"system; {', '.join(m.reference for m in foreign)} belong to another system."
            }
        )
    return mitigations


def _validate(incident: Incident) -> None:
    incident.full_clean(exclude=["created_by", "system"])


def _set_m2m(manager, wanted: Iterable) -> None:
    """Set a many-to-many only when it changes (each change is one more version in history)."""
    wanted_ids = {obj.pk for obj in wanted}
    if wanted_ids != set(manager.values_list("pk", flat=True)):
        manager.set(list(wanted_ids))


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().select_related("system").get(pk=incident.pk)


def _after_closing(incident: Incident, *, by) -> None:
    """A closed SEV1/SEV2 incident owes the committee a post-incident review of the plan.

    The incident is flagged ``post_incident_review_due``. The review itself is submitted by the
    team through ``apps.reviews.services.submit_safety_plan(kind="post_incident")``, which needs
    reviewers chosen by people (and refuses while another review is in progress), so it is not
    opened blindly here; the first post-incident review of the system submitted since the
    incident was detected settles the debt (:func:`apps.incidents.selectors.with_review_state`).
    Until then the incident page, the list and the dashboard show it as owed.
    """
    if incident.severity in REVIEW_OWED_SEVERITIES and not incident.post_incident_review_due:
        incident.post_incident_review_due = True
        save_with_history(
            incident, by=by, reason="Closed: a post-incident review of the safety plan is owed"
        )


def _tell_if_serious(incident: Incident, *, by, severity_before: int | None = None) -> None:
    """A SEV1 or SEV2 incident (opened so, or raised to it) is told at once to the system's
    owners and the committee."""
    if incident.severity not in SERIOUS_SEVERITIES or severity_before in SERIOUS_SEVERITIES:
        return
    system = incident.system
    raised = " (raised)" if severity_before is not None else ""
    notify(
        reason=ReminderReason.INCIDENT_OPENED,
        record=incident,
        recipients=[system.business_owner_id, system.technical_owner_id, *committee_ids()],
        by=by,
        title=f"{incident.reference}: {incident.get_severity_display()}{raised} incident of "
        f"{system}: {incident.title}",
    )


# --- Incidents ----------------------------------------------------------------------------------
@transaction.atomic
def open_incident(
    *,
    system: AISystem,
    by,
    data: dict[str, Any],
    risks: Iterable[Risk] = (),
    mitigations: Iterable[Mitigation] = (),
    via: str = ReportedVia.WEB,
    reason: str = "",
) -> Incident:
    """Log an incident of a system; with no materialised risk it is flagged uncatalogued.

    Used by the pages and by the API (``via=ReportedVia.API``), e.g. for a monitoring system
    that reports a failure. An incident logged after the fact may come already closed.
    """
    refusal = permissions.why_cannot_add_incident(by, system)
    if refusal:
        raise PermissionDenied(refusal)
    errors = ErrorCollector()  # every problem at once
    with errors.check():
        risks = _check_risks(system, risks)
    with errors.check():
        mitigations = _check_mitigations(system, mitigations)
    incident = Incident(system=system, created_by=by, reported_via=via)
    _assign(incident, data)
    incident.uncatalogued = not risks
    apply_derived_fields(incident)
    with errors.check():
        _validate(incident)
    errors.raise_if_any()
    save_with_history(incident, by=by, reason=reason or "Logged")
    _tell_if_serious(incident, by=by)
    if risks:
        incident.materialised_risks.set(risks)
    if mitigations:
        incident.follow_up_mitigations.set(mitigations)
    if incident.closed_at is not None:
        _after_closing(incident, by=by)
    return incident


@transaction.atomic
def update_incident(
    *,
    incident: Incident,
    by,
    data: dict[str, Any],
    risks: Iterable[Risk] | None = None,
    mitigations: Iterable[Mitigation] | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Edit an incident; ``risks`` / ``mitigations`` replace the linked ones when given.
    ``expected_version``: the version the editor read (see :mod:`apps.core.concurrency`)."""
    incident = _locked(incident)
    if not permissions.can_edit_incident(by, incident):
        raise PermissionDenied("Only contributors of the system's team can edit this incident.")
    data = check_version(incident, expected_version, data)
    was_closed, severity_before = incident.closed_at is not None, incident.severity
    errors = ErrorCollector()  # every problem at once
    if risks is not None:
        linked = incident.materialised_risks.values_list("pk", flat=True)
        with errors.check():
            risks = _check_risks(incident.system, risks, keep=linked)
            incident.uncatalogued = not risks
    if mitigations is not None:
        with errors.check():
            mitigations = _check_mitigations(incident.system, mitigations)
    _assign(incident, data)
    apply_derived_fields(incident)
    with errors.check():
        _validate(incident)
    errors.raise_if_any()
    save_with_history(incident, by=by, reason=reason or "Edited")
    _tell_if_serious(incident, by=by, severity_before=severity_before)
    if risks is not None:
        _set_m2m(incident.materialised_risks, risks)
    if mitigations is not None:
        _set_m2m(incident.follow_up_mitigations, mitigations)
    if incident.closed_at is not None and not was_closed:
        _after_closing(incident, by=by)
    return incident


@transaction.atomic
def record_phase(
    *,
    incident: Incident,
    by,
    phase_field: str,
    at: datetime.datetime | None = None,
    reason: str = "",
) -> Incident:
    """Record that the incident reached a phase (now, or at ``at``), in order.

    Closing a SEV1/SEV2 incident needs its post-incident review, root cause and lessons
    learned, and then owes the committee a post-incident review of the safety plan.
    """
    if phase_field not in RECORDABLE_PHASES:
        raise ValueError(f"Not a phase that can be recorded: {phase_field}")
    incident = _locked(incident)
    if not permissions.can_edit_incident(by, incident):
        raise PermissionDenied("Only contributors of the system's team can update this incident.")
    step = STEP_BY_FIELD[phase_field]
    if getattr(incident, phase_field) is not None:
        raise ValidationError(
            {"at": f"{step.label} is already recorded; edit the incident to correct it."}
        )
    setattr(incident, phase_field, at or timezone.now())
    apply_derived_fields(incident)
    try:
        _validate(incident)
    except ValidationError as error:
        # The time typed for this phase is the “at” field of the action's form.
        errors = error.update_error_dict({})
        if phase_field in errors:
            errors["at"] = errors.pop(phase_field)
        raise ValidationError(errors) from error
    save_with_history(incident, by=by, reason=reason or step.label)
    if phase_field == "closed_at":
        _after_closing(incident, by=by)
    return incident


def close_incident(
    *, incident: Incident, by, at: datetime.datetime | None = None, reason: str = ""
) -> Incident:
    """Close an incident (see :func:`record_phase`)."""
    return record_phase(
        incident=incident, by=by, phase_field="closed_at", at=at, reason=reason or "Closed"
    )


# --- What the incident taught the register --------------------------------------------------------
@transaction.atomic
def link_risk(*, incident: Incident, risk: Risk, by) -> Incident:
    """Name a risk of the system as one that materialised: the incident is catalogued now."""
    incident = _locked(incident)
    if not permissions.can_edit_incident(by, incident):
        raise PermissionDenied("Only contributors of the system's team can edit this incident.")
    _check_risks(incident.system, [risk])
    if incident.materialised_risks.filter(pk=risk.pk).exists():
        raise ValidationError({"risk": f"{risk.reference} is already linked to this incident."})
    incident.uncatalogued = False
    save_with_history(incident, by=by, reason=f"{risk.reference} materialised")
    incident.materialised_risks.add(risk)
    return incident


@transaction.atomic
def raise_risk_likelihood(*, incident: Incident, risk: Risk, by, likelihood: int) -> Risk:
    """Re-assess a risk that materialised: its residual likelihood goes up to ``likelihood``.

    The residual score may not exceed the inherent one, so the inherent likelihood follows
    when it must (which restarts the treatment deadline, as any new inherent assessment does).
    """
    if not incident.materialised_risks.filter(pk=risk.pk).exists():
        raise ValidationError(
            {"risk": f"{risk.reference} is not one of the risks that materialised here."}
        )
    if not 1 <= likelihood <= 5:
        raise ValidationError({"likelihood": "Likelihood is on a scale of 1 to 5."})
    if likelihood <= risk.residual_likelihood:
        raise ValidationError(
            {
                "likelihood": f"Choose a likelihood above the current one "
                f"({risk.residual_likelihood}): the risk materialised."
            }
        )
    data: dict[str, Any] = {"residual_likelihood": likelihood}
    residual_score = likelihood * risk.residual_impact
    if residual_score > risk.inherent_score:
        needed = -(-residual_score // risk.inherent_impact)  # ceiling division
        if needed > 5:
            raise ValidationError(
                {
                    "likelihood": "The residual risk would score above any inherent "
                    "assessment at this impact: raise the inherent impact on the risk's "
                    "page first."
                }
            )
        data["inherent_likelihood"] = max(risk.inherent_likelihood, needed)
    return risk_services.update_risk(
        risk=risk,
        by=by,
        data=data,
        reason=f"Likelihood raised: the risk materialised in {incident.reference}",
    )


@transaction.atomic
def plan_follow_up_mitigation(
    *, incident: Incident, by, data: dict[str, Any], risks: Iterable[Risk] | None = None
) -> Mitigation:
    """Plan a mitigation that follows up the incident, treating the risks that materialised."""
    incident = _locked(incident)
    if not permissions.can_edit_incident(by, incident):
        raise PermissionDenied("Only contributors of the system's team can plan follow-ups.")
    if risks is None:
        risks = incident.materialised_risks.filter(archived_at__isnull=True)
    mitigation = mitigation_services.create_mitigation(
        system=incident.system,
        by=by,
        data=data,
        risks=risks,
        reason=f"Follow-up of {incident.reference}",
    )
    incident._history_user = by
    incident._change_reason = f"Follow-up {mitigation.reference} planned"
    incident.follow_up_mitigations.add(mitigation)
    return mitigation
