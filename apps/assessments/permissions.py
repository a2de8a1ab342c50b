"""Who may do what to fundamental rights impact assessments, built on the systems' rules.

* Reading: whoever reads the system (its team's members; committee members, auditors and
  administrators), see :class:`apps.assessments.models.AssessmentQuerySet`.
* Starting, editing the draft, adding risks to it and submitting it: the system's contributors
  and administrators (as for its safety plan), never auditors; only while the compliance rules
  say Art. 27 applies to the system, and never on an archived system.
* Deciding: the committee, through the review (:mod:`apps.reviews`), with its four-eyes rule.

Registered with :mod:`apps.core.rules` for the generic views and the API.
"""

from __future__ import annotations

from apps.accounts.permissions import can_read_team, may_write
from apps.assessments import selectors
from apps.assessments.models import AssessmentVersion, FundamentalRightsAssessment
from apps.core import rules
from apps.systems.models import AISystem
from apps.systems.permissions import can_edit_system

TEAM_ONLY = "Only contributors of the system's team write its fundamental rights impact assessment."


def _why_team_cannot_write(user, system: AISystem) -> str:
    if can_edit_system(user, system):
        return ""
    if not may_write(user):
        return "Auditors read assessments and write none."
    if system.is_archived:
        return f"{system.reference} is archived: it is read-only."
    return TEAM_ONLY


def why_cannot_start_assessment(user, system: AISystem) -> str:
    """Why the person may not start the system's assessment, or "" if they may."""
    refusal = selectors.why_not_required(system) or _why_team_cannot_write(user, system)
    if refusal:
        return refusal
    existing = selectors.assessment_of(system)
    if existing is not None:
        return f"{system.reference} already has its assessment, {existing.reference}."
    return ""


def can_start_assessment(user, system: AISystem) -> bool:
    return not why_cannot_start_assessment(user, system)


def why_cannot_edit_assessment(user, assessment: FundamentalRightsAssessment) -> str:
    """Why the person may not edit the draft (or submit it, or add a risk to it), or ""."""
    system = assessment.system
    return selectors.why_not_required(system) or _why_team_cannot_write(user, system)


def can_edit_assessment(user, assessment: FundamentalRightsAssessment) -> bool:
    return not why_cannot_edit_assessment(user, assessment)


def can_view_assessment(user, assessment: FundamentalRightsAssessment) -> bool:
    return can_read_team(user, assessment.system.team_id)


def register_rules() -> None:
    rules.register(
        FundamentalRightsAssessment,
        "view",
        rules.explained(can_view_assessment, "You cannot see this assessment."),
    )
    for action in ("change", "submit", "add_risk"):
        rules.register(FundamentalRightsAssessment, action, why_cannot_edit_assessment)
    rules.register(
        AssessmentVersion,
        "view",
        rules.explained(
            lambda user, version: can_view_assessment(user, version.assessment),
            "You cannot see this assessment.",
        ),
    )
    rules.register(AISystem, "start_assessment", why_cannot_start_assessment)
