"""Who may do what to concerns.

* Raising: anyone active who may see the system, viewers included (auditors write nothing),
  while the system is not archived.
* Reading: the raiser (always, with its answer), contributors of the system's team (who triage
  it), and global readers (committee members, auditors, administrators); see
  :meth:`apps.concerns.models.ConcernQuerySet.visible_to`.
* Triage: the system's contributors and administrators (never auditors), while it is open.
* Who raised an anonymous concern: the raiser, administrators and auditors only.

Registered with :mod:`apps.core.rules` for the generic views and the API.
"""

from __future__ import annotations

from apps.accounts.permissions import can_read_team, may_write
from apps.concerns.models import Concern
from apps.core import rules
from apps.systems.models import AISystem
from apps.systems.permissions import can_edit_system


def can_raise_concern(user, system: AISystem) -> bool:
    return may_write(user) and not system.is_archived and can_read_team(user, system.team_id)


def why_cannot_raise_concern(user, system: AISystem) -> str:
    if can_raise_concern(user, system):
        return ""
    if not may_write(user):
        return "Auditors read every concern and raise none."
    if system.is_archived:
        return f"{system.reference} is archived: it is read-only."
    return "You cannot see this system."


def can_view_concern(user, concern: Concern) -> bool:
    return Concern.objects.visible_to(user).filter(pk=concern.pk).exists()


def can_triage_concern(user, concern: Concern) -> bool:
    """The system's contributors (and administrators) triage its concerns; never auditors."""
    return can_edit_system(user, concern.system)


def why_cannot_triage_concern(user, concern: Concern) -> str:
    if can_triage_concern(user, concern):
        return ""
    if concern.system.is_archived:
        return f"{concern.system.reference} is archived: it is read-only."
    return "Only contributors of the system's team can triage its concerns."


def can_see_raiser(user, concern: Concern) -> bool:
    """Who raised an anonymous concern is for the raiser, administrators and auditors only."""
    if not concern.is_anonymous:
        return True
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.pk == concern.raised_by_id or user.is_superuser or user.is_auditor


def register_rules() -> None:
    rules.register(
        Concern, "view", rules.explained(can_view_concern, "You cannot see this concern.")
    )
    rules.register(Concern, "change", why_cannot_triage_concern)
    rules.register(AISystem, "raise_concern", why_cannot_raise_concern)


def can_see_raiser_in_history(user) -> bool:
    """The audit trail's person behind “Anonymous raiser”: administrators and auditors."""
    return bool(user and user.is_authenticated and (user.is_superuser or user.is_auditor))
