"""Who may do what to AI systems, built on the role helpers of :mod:`apps.accounts.permissions`.

Registered with :mod:`apps.core.rules` (see :func:`register_rules`) for the generic views and the
API; pages, services and templates ask the functions directly.
"""

from __future__ import annotations

from apps.accounts.permissions import (
    can_read_team,
    can_write_team,
    is_contributor_somewhere,
    may_write,
)
from apps.core import rules
from apps.systems.models import AISystem, SystemVersion


def can_view_system(user, system: AISystem) -> bool:
    return can_read_team(user, system.team_id)


def can_create_system(user) -> bool:
    return is_contributor_somewhere(user)


def can_edit_system(user, system: AISystem) -> bool:
    """Archived systems are read-only until restored."""
    return not system.is_archived and can_write_team(user, system.team_id)


def can_archive_system(user, system: AISystem) -> bool:
    return can_write_team(user, system.team_id)


def is_owner_of_system(user, system: AISystem) -> bool:
    return user.pk in (system.business_owner_id, system.technical_owner_id)


def why_cannot_own(person, team) -> str:
    """Why ``person`` may not own a record of ``team`` — the system itself (its business or
    technical owner), one of its risks or mitigations — or "" if they may.

    An owner must be able to read what they own: a member of the team (contributor or viewer), a
    committee member or an administrator, with an active account. Never an auditor, whatever
    other role they hold: auditors read every record and own none, so that they stay
    independent of what they audit. The choosers offer the same people
    (:func:`apps.systems.selectors.possible_owners`); the services refuse anyone else.
    """
    if person is None:
        return ""
    if not person.is_active:
        return f"{person}'s account is closed: choose someone active."
    if person.is_auditor:
        return f"{person} is an auditor: auditors own no record, to stay independent."
    if not can_read_team(person, team.pk):
        return (
            f"{person} cannot read {team}'s records: choose a member of {team}, a committee "
            "member or an administrator."
        )
    return ""


def why_cannot_edit_system(user, system: AISystem) -> str:
    if can_edit_system(user, system):
        return ""
    return "This system is archived." if system.is_archived else "You cannot edit this system."


def why_cannot_add_to_system(user, system: AISystem, *, what: str) -> str:
    """Why the person may not add ``what`` (“risks”, “mitigations”…) to the system, or ""."""
    if can_edit_system(user, system):
        return ""
    if system.is_archived:
        return "This system is archived."
    return f"Only contributors of the system's team can add {what} to it."


def why_cannot_record_version(user, system: AISystem) -> str:
    """Why the person may not record a new version of the system (a material change), or ""."""
    if can_edit_system(user, system):
        return ""
    if system.is_archived:
        return f"{system.reference} is archived: it is read-only."
    return "Only contributors of the system's team record its new versions."


def why_cannot_waive_version(user, version: SystemVersion) -> str:
    """Why the person may not waive the change review of a recorded version, or "": a committee
    member who does not own the system (four eyes), while the system is in the inventory."""
    system = version.system
    if not (may_write(user) and user.is_committee_member):
        return "Only committee members waive a change review."
    if system.is_archived:
        return f"{system.reference} is archived: it is read-only."
    if is_owner_of_system(user, system):
        return f"You own {system.reference}: another committee member decides on its changes."
    return ""


def can_view_version(user, version: SystemVersion) -> bool:
    return can_read_team(user, version.system.team_id)


def register_rules() -> None:
    rules.register(
        AISystem, "view", rules.explained(can_view_system, "You cannot see this system.")
    )
    rules.register(AISystem, "change", why_cannot_edit_system)
    rules.register(
        AISystem,
        "archive",
        rules.explained(can_archive_system, "You cannot archive or restore this system."),
    )
    # Material changes: recording a new version, and the committee's waiver of its review.
    rules.register(AISystem, "record_version", why_cannot_record_version)
    rules.register(
        SystemVersion,
        "view",
        rules.explained(can_view_version, "You cannot see this system's versions."),
    )
    rules.register(SystemVersion, "waive", why_cannot_waive_version)
