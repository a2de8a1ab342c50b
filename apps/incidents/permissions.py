"""Who may do what to incidents, built on the systems' rules (an incident happens to a system).

Registered with :mod:`apps.core.rules` (see :func:`register_rules`) for the generic views and the
API; pages, services and templates ask the functions directly.
"""

from __future__ import annotations

from apps.accounts.permissions import can_read_team, is_contributor_somewhere
from apps.core import rules
from apps.incidents.models import Incident
from apps.risks.models import Risk
from apps.risks.permissions import can_edit_risk
from apps.systems.models import AISystem
from apps.systems.permissions import can_edit_system


def can_view_incident(user, incident: Incident) -> bool:
    return can_read_team(user, incident.system.team_id)


def can_create_incident(user, system: AISystem) -> bool:
    """Incidents are logged on an active system by its team's contributors."""
    return can_edit_system(user, system)


def can_edit_incident(user, incident: Incident) -> bool:
    """The system's contributors (and administrators) edit its incidents; never auditors."""
    return can_edit_system(user, incident.system)


def can_log_incidents(user) -> bool:
    """Whether to offer “Log an incident” at all: a contributor of some team, or an admin."""
    return is_contributor_somewhere(user)


def why_cannot_add_incident(user, system: AISystem) -> str:
    """Why the person may not log an incident of the system, or ""."""
    if can_create_incident(user, system):
        return ""
    if system.is_archived:
        return f"{system.reference} is archived: it is read-only."
    return "Only contributors of the system's team can log its incidents."


def why_cannot_edit_incident(user, incident: Incident) -> str:
    """Why the person may not change the incident (edit it, or act on its page), or ""."""
    if can_edit_incident(user, incident):
        return ""
    if incident.system.is_archived:
        return f"{incident.system.reference} is archived: it is read-only."
    return "Only contributors of the system's team can change this incident."


def why_cannot_raise_likelihood(user, risk: Risk) -> str:
    """Why the person may not raise the likelihood of a risk that materialised, or "": on top
    of changing the incident, that is a change to the risk."""
    if can_edit_risk(user, risk):
        return ""
    return f"{risk.reference} is archived or read-only for you."


def register_rules() -> None:
    rules.register(
        Incident, "view", rules.explained(can_view_incident, "You cannot see this incident.")
    )
    rules.register(Incident, "change", why_cannot_edit_incident)
    rules.register(AISystem, "add_incident", why_cannot_add_incident)
