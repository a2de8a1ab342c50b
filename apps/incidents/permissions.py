"""Who may do what to incidents, built on the systems' rules (an incident happens to a system).

Registered with :mod:`apps.core.rules` (see :func:`register_rules`) for the generic views and the
API; pages, services and templates ask the functions directly.
"""

from __future__ import annotations

from apps.accounts.permissions import can_read_team, is_contributor_somewhere
from apps.core import rules
from apps.incidents.models import Incident
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


def register_rules() -> None:
    rules.register(
        Incident, "view", rules.explained(can_view_incident, "You cannot see this incident.")
    )
    rules.register(
        Incident, "change", rules.explained(can_edit_incident, "You cannot edit this incident.")
    )
