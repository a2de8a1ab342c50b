"""Who may do what to mitigations, built on the systems' and risks' rules (a mitigation belongs
to a system and treats some of its risks).

Registered with :mod:`apps.core.rules` (see :func:`register_rules`) for the generic views, the
evidence service and the API; pages, services and templates ask the functions directly. Two of
the rules are about other apps' records: planning a mitigation for a system, and changing which
mitigations treat a risk (the risk page's panel).
"""

from __future__ import annotations

from apps.accounts.permissions import can_read_team
from apps.core import rules
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk
from apps.risks.permissions import can_edit_risk
from apps.systems.models import AISystem
from apps.systems.permissions import can_create_system, can_edit_system


def can_view_mitigation(user, mitigation: Mitigation) -> bool:
    return can_read_team(user, mitigation.system.team_id)


def can_plan_mitigations_somewhere(user) -> bool:
    """A contributor of some team (or an administrator) may plan mitigations somewhere."""
    return can_create_system(user)


def can_plan_mitigations(user, system: AISystem) -> bool:
    return can_edit_system(user, system)


def can_edit_mitigation(user, mitigation: Mitigation) -> bool:
    return can_edit_system(user, mitigation.system)


def can_change_mitigations_of_risk(user, risk: Risk) -> bool:
    """Plan, link, unlink and move on the mitigations of a risk from its page."""
    return can_edit_risk(user, risk)


def why_cannot_edit_mitigation(user, mitigation: Mitigation) -> str:
    if can_edit_mitigation(user, mitigation):
        return ""
    if mitigation.system.is_archived:
        return f"{mitigation.system.reference} is archived: its mitigations are read-only."
    return "Only contributors of the system's team can change this mitigation."


def why_cannot_plan_mitigations(user, system: AISystem) -> str:
    if can_plan_mitigations(user, system):
        return ""
    if system.is_archived:
        return f"{system.reference} is archived: it is read-only."
    return "Only contributors of the system's team can plan its mitigations."


def why_cannot_change_mitigations_of_risk(user, risk: Risk) -> str:
    if can_change_mitigations_of_risk(user, risk):
        return ""
    if risk.system.is_archived:
        return f"{risk.system.reference} is archived: it is read-only."
    if risk.is_archived:
        return f"{risk.reference} is archived: its mitigations cannot change."
    return "Only contributors of the system's team can change its mitigations."


def register_rules() -> None:
    rules.register(
        Mitigation, "view", rules.explained(can_view_mitigation, "You cannot see this mitigation.")
    )
    rules.register(Mitigation, "change", why_cannot_edit_mitigation)
    rules.register(AISystem, "plan_mitigations", why_cannot_plan_mitigations)
    rules.register(Risk, "plan_mitigations", why_cannot_change_mitigations_of_risk)
