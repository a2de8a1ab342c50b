"""Who may do what to classifications, built on the role helpers of
:mod:`apps.accounts.permissions` and the systems' rules (a classification belongs to a system).

* A classification is read by whoever reads its system: the team's contributors and viewers,
  committee members, auditors, administrators.
* The system's contributors (and administrators) classify it, apply a classification to it and
  ask the committee to confirm one; viewers and auditors read only, committee members decide on
  the confirmation through the review workflow (:mod:`apps.reviews`). An archived system's
  classifications are read-only.

Registered with :mod:`apps.core.rules` (see :func:`register_rules`) for the generic views and the
API; pages, services and templates ask the functions directly.
"""

from __future__ import annotations

from apps.accounts.permissions import can_read_team
from apps.classification.models import ClassificationRecord
from apps.core import rules
from apps.systems.models import AISystem
from apps.systems.permissions import can_edit_system


def can_view_classification(user, record: ClassificationRecord) -> bool:
    return can_read_team(user, record.system.team_id)


def can_classify(user, system: AISystem) -> bool:
    return can_edit_system(user, system)


def why_cannot_classify(user, system: AISystem) -> str:
    if can_classify(user, system):
        return ""
    if system.is_archived:
        return f"{system.reference} is archived: it is read-only."
    return "Only contributors of the system's team classify it."


def why_cannot_act_on(user, record: ClassificationRecord) -> str:
    """Apply a classification to its system, or ask the committee to confirm it."""
    system = record.system
    if can_edit_system(user, system):
        return ""
    if system.is_archived:
        return f"{system.reference} is archived: its classifications are read-only."
    return "Only contributors of the system's team apply its classifications."


def register_rules() -> None:
    rules.register(
        ClassificationRecord,
        "view",
        rules.explained(can_view_classification, "You cannot see this classification."),
    )
    rules.register(ClassificationRecord, "change", why_cannot_act_on)
    rules.register(AISystem, "classify", why_cannot_classify)
