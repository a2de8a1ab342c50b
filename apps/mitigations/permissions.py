"""Who may do what to mitigations, built on the systems' and risks' rules (a mitigation belongs
to a system and treats some of its risks).

Registered with :mod:`apps.core.rules` (see :func:`register_rules`) for the generic views, the
evidence service and the API; pages, services and templates ask the functions directly.
"""

from __future__ import annotations

from apps.accounts.permissions import can_read_team
from apps.core import rules
from apps.mitigations.models import Mitigation
from apps.systems.permissions import can_edit_system


def can_view_mitigation(user, mitigation: Mitigation) -> bool:
    return can_read_team(user, mitigation.system.team_id)


def can_edit_mitigation(user, mitigation: Mitigation) -> bool:
    return can_edit_system(user, mitigation.system)


def why_cannot_edit_mitigation(user, mitigation: Mitigation) -> str:
    if can_edit_mitigation(user, mitigation):
        return ""
    if mitigation.system.is_archived:
        return f"{mitigation.system.reference} is archived: its mitigations are read-only."
    return "Only contributors of the system's team can change this mitigation."


def register_rules() -> None:
    rules.register(
        Mitigation, "view", rules.explained(can_view_mitigation, "You cannot see this mitigation.")
    )
    rules.register(Mitigation, "change", why_cannot_edit_mitigation)
