"""Who may do what in the committee's reviews of safety plans, built on the systems' rules.

Registered with :mod:`apps.core.rules` (see :func:`register_rules`) for the generic views, the
evidence service and the API; pages, services and templates ask the functions directly.
"""

from __future__ import annotations

from apps.accounts.permissions import can_read_team, can_write_team, may_write
from apps.core import rules
from apps.reviews.models import ChecklistItem, Review
from apps.systems.models import AISystem
from apps.systems.permissions import can_edit_system, is_owner_of_system


def can_view_review(user, review: Review) -> bool:
    return can_read_team(user, review.system.team_id)


def can_submit_safety_plan(user, system: AISystem) -> bool:
    """The system's team submits its plan (and keeps its checklist); archived ones are read-only."""
    return can_edit_system(user, system)


def why_not_reviewer(candidate, system: AISystem, submitter_ids) -> str:
    """Why a person may not review this system's plan (four eyes), or "" if they may."""
    if not (candidate.is_active and candidate.is_committee_member and not candidate.is_auditor):
        return f"{candidate} is not a committee member."
    if candidate.pk in submitter_ids:
        return f"{candidate} submitted this plan and cannot review it."
    if is_owner_of_system(candidate, system):
        return f"{candidate} owns {system.reference} and cannot review its plan."
    return ""


def why_cannot_decide_review(user, review: Review) -> str:
    """The reason a person may not decide on a review, or "" if they may."""
    if not (may_write(user) and user.is_committee_member):
        return "Only committee members decide on safety plans."
    if review.system.is_archived:
        # A decision moves the system's next review date: archived systems are read-only.
        return f"{review.system.reference} is archived: restore it before deciding on its plan."
    if not review.assignments.filter(reviewer=user).exists():
        return "Only the reviewers assigned to this plan decide on it."
    if review.submitted_by_id == user.pk or review.versions.filter(submitted_by=user).exists():
        return "You cannot decide on a plan you submitted."
    if is_owner_of_system(user, review.system):
        return "You cannot decide on the plan of a system you own."
    return ""


def can_decide_review(user, review: Review) -> bool:
    """An assigned committee member decides, never on their own submission or system."""
    return not why_cannot_decide_review(user, review)


def can_assign_reviewers(user, review: Review) -> bool:
    """The committee, administrators and the system's team ask more reviewers (not while the
    system is archived: it is read-only until restored)."""
    if not may_write(user) or review.system.is_archived:
        return False
    return (
        user.is_committee_member or user.is_superuser or can_write_team(user, review.system.team_id)
    )


def register_rules() -> None:
    rules.register(Review, "view", rules.explained(can_view_review, "You cannot see this review."))
    rules.register(Review, "decide", why_cannot_decide_review)
    # Evidence on a checklist item: the system's team keeps its checklist.
    rules.register(
        ChecklistItem,
        "change",
        rules.explained(
            lambda user, item: can_submit_safety_plan(user, item.system),
            "Only contributors of the system's team can change its checklist.",
        ),
    )
