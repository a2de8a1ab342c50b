"""Who may do what in the committee's reviews of safety plans, built on the systems' rules.

Registered with :mod:`apps.core.rules` (see :func:`register_rules`) for the generic views, the
evidence service and the API; pages, services and templates ask the functions directly.
"""

from __future__ import annotations

from django.utils import timezone

from apps.accounts.permissions import can_read_team, can_write_team, may_write
from apps.core import rules
from apps.reviews.models import DOCUMENT_NAMES, ChecklistItem, Delegation, Review
from apps.systems.models import AISystem
from apps.systems.permissions import can_edit_system, is_owner_of_system


def can_view_review(user, review: Review) -> bool:
    return can_read_team(user, review.system.team_id)


def can_submit_safety_plan(user, system: AISystem) -> bool:
    """The system's team submits its plan (and keeps its checklist); archived ones are read-only."""
    return can_edit_system(user, system)


def can_see_review_queue(user) -> bool:
    return user.is_committee_member


SUBMITTERS_ONLY = "Only contributors of the system's team submit its safety plan."


def submitters_only(kind: str) -> str:
    """The refusal of a submission of a ``kind`` review to someone outside the system's team."""
    name = DOCUMENT_NAMES.get(kind)
    if name is None:
        return SUBMITTERS_ONLY
    return f"Only contributors of the system's team submit its {name} for review."


def why_cannot_submit_plan(user, system: AISystem) -> str:
    """Why the person may not submit the system's plan (the submit page), or ""."""
    if can_submit_safety_plan(user, system):
        return ""
    return f"{system.reference} is archived." if system.is_archived else SUBMITTERS_ONLY


def why_cannot_resubmit_plan(user, review: Review) -> str:
    return "" if can_submit_safety_plan(user, review.system) else submitters_only(review.kind)


def why_cannot_withdraw_review(user, review: Review) -> str:
    if can_submit_safety_plan(user, review.system):
        return ""
    return "Only contributors of the system's team withdraw its review."


def why_cannot_keep_checklist(user, system: AISystem) -> str:
    """Why the person may not change the system's checklist or its evidence, or ""."""
    if can_submit_safety_plan(user, system):
        return ""
    return "Only contributors of the system's team keep its checklist."


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
    if not review.assignments.filter(reviewer=user).exists() and not _stands_in_on(user, review):
        return "Only the reviewers assigned to this plan decide on it."
    if review.submitted_by_id == user.pk or review.versions.filter(submitted_by=user).exists():
        return "You cannot decide on a plan you submitted."
    if is_owner_of_system(user, review.system):
        return "You cannot decide on the plan of a system you own."
    return ""


def _stands_in_on(user, review: Review) -> bool:
    """The person is, today, the delegate of one of the review's reviewers."""
    holders = review.assignments.values("reviewer")
    return (
        Delegation.objects.active_on(timezone.localdate())
        .filter(delegate=user, holder__in=holders)
        .exists()
    )


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


def why_cannot_assign_reviewers(user, review: Review) -> str:
    if can_assign_reviewers(user, review):
        return ""
    return "Committee members, administrators and the system's team assign reviewers."


def can_delegate(user) -> bool:
    """Committee members name delegates for their seats (and see the delegations)."""
    return may_write(user) and user.is_committee_member


def why_cannot_end_delegation(user, delegation: Delegation) -> str:
    if delegation.holder_id == user.pk and may_write(user):
        return ""
    return "Only the seat holder who named the delegate ends the delegation."


def register_rules() -> None:
    rules.register(
        None,
        "see_review_queue",
        rules.explained(
            lambda user, _: can_see_review_queue(user), "The review queue is the committee's."
        ),
    )
    # A system's plan and its deployment checklist.
    rules.register(AISystem, "submit_plan", why_cannot_submit_plan)
    rules.register(AISystem, "keep_checklist", why_cannot_keep_checklist)
    rules.register(
        ChecklistItem,
        "keep_checklist",
        lambda user, item: why_cannot_keep_checklist(user, item.system),
    )
    # Evidence on a checklist item (the evidence service asks it).
    rules.register(
        ChecklistItem,
        "change",
        rules.explained(
            lambda user, item: can_submit_safety_plan(user, item.system),
            "Only contributors of the system's team can change its checklist.",
        ),
    )
    # A review.
    rules.register(Review, "view", rules.explained(can_view_review, "You cannot see this review."))
    rules.register(Review, "decide", why_cannot_decide_review)
    rules.register(Review, "resubmit", why_cannot_resubmit_plan)
    rules.register(Review, "withdraw", why_cannot_withdraw_review)
    rules.register(Review, "assign", why_cannot_assign_reviewers)
    # Committee seats: delegation while out of office.
    rules.register(
        None,
        "delegate",
        rules.explained(
            lambda user, _: can_delegate(user), "Committee members name delegates for their seats."
        ),
    )
    rules.register(Delegation, "end", why_cannot_end_delegation)
