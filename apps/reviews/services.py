"""The review workflow: every transition is one function here.

Each function checks its rules, writes inside one transaction, leaves history with who and why,
and raises ``PermissionDenied`` or ``ValidationError`` with a message a person can act on.
Pages (and later the API) call these same functions. The people concerned are told in the same
transaction (:mod:`apps.reviews.notifications`): notifications at once, e-mails through the
outbox once it has committed.

    submit_safety_plan ──► pending ──decide_review──► approved | rejected
                              ▲            │
       resubmit_safety_plan   │            ▼
                              └──── changes requested          (withdraw_review: any open one)
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.core import services as core_services
from apps.core.audit import save_with_history
from apps.core.concurrency import StateConflict
from apps.core.models import Level
from apps.core.validation import ErrorCollector
from apps.mitigations import services as mitigation_services
from apps.mitigations.models import Mitigation
from apps.reviews import notifications, permissions, selectors, submission_checks
from apps.reviews.models import (
    OPEN_STATUSES,
    ChecklistItem,
    ChecklistKey,
    ChecklistStatus,
    Decision,
    DecisionOutcome,
    PlanVersion,
    Review,
    ReviewerAssignment,
    ReviewKind,
    ReviewSettings,
    ReviewStatus,
)
from apps.reviews.plan import assemble_plan, open_checklist_items, untreated_critical_risks
from apps.risks.models import RiskMatrix
from apps.risks.treatment import DefenceLayer, MitigationKind, MitigationStatus
from apps.systems import services as system_services
from apps.systems import versions as system_versions
from apps.systems.models import AISystem, SystemVersion

NO_EVIDENCE = " (done, but without evidence)"


# --- Helpers --------------------------------------------------------------------------------------
def _lock_review(pk: int) -> Review:
    """The review row, locked until the transaction ends: decisions on one review are serial."""
    return (
        Review.objects.select_for_update(of=("self",))
        .select_related("system", "current_version", "submitted_by")
        .get(pk=pk)
    )


def _lock_system(pk: int) -> AISystem:
    """Serialises submissions of one system, and so the numbering of its versions."""
    return AISystem.objects.select_for_update().get(pk=pk)


def _unique(people: Iterable) -> list:
    return list({person.pk: person for person in people}.values())


def _submission_problems(kind: str, plan: dict, system: AISystem) -> list[str]:
    """Why this plan cannot be submitted for this kind of review (empty when it can): the plan's
    own problems, then those of the checks other apps registered (compliance…)."""
    problems = []
    if not plan["risks"]:
        problems.append(
            "The plan catalogues no risk yet: add what can go wrong with the system first."
        )
    if kind == ReviewKind.INITIAL:
        items = open_checklist_items(plan)
        if items:
            labels = [
                item["label"] + NO_EVIDENCE
                if item["status"] == ChecklistStatus.DONE
                else item["label"]
                for item in items
            ]
            problems.append(
                "An initial deployment review needs the whole deployment checklist; still open: "
                + "; ".join(labels)
                + "."
            )
        critical = untreated_critical_risks(plan)
        if critical:
            problems.append(
                "Critical residual risks are untreated: "
                + ", ".join(f"{risk['reference']} “{risk['title']}”" for risk in critical)
                + ". Put their mitigations in place and mark them treated, or have their "
                "acceptance approved, before an initial deployment review."
            )
    problems.extend(submission_checks.submission_problems(system, kind, plan))
    return problems


def _check_reviewers(review_or_system, reviewers: list, submitter_ids: set[int]) -> None:
    system = getattr(review_or_system, "system", review_or_system)
    refusals = [
        reason
        for reviewer in reviewers
        if (reason := permissions.why_not_reviewer(reviewer, system, submitter_ids))
    ]
    if refusals:
        raise ValidationError({"reviewers": refusals})


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def reviewer_shortage(*, required: int, available: int, criticality: int) -> str:
    """Why a plan of this criticality cannot be submitted now whoever submits it — fewer
    committee members may review it than the approvals it needs — and who can fix that; ""
    when there are enough. The submit page shows it before anyone tries."""
    if available >= required:
        return ""
    level = Level(criticality).label.lower()
    return (
        f"A {level}-criticality plan needs {_plural(required, 'approval')}, but only "
        f"{_plural(available, 'committee member')} may review it (never its submitter nor the "
        "system's owners). An administrator can fix this: make more people committee members "
        "(Administration → Users), or change how many approvals a "
        f"{level}-criticality plan needs (Administration → Review settings)."
    )


def _check_enough_reviewers(
    count: int, required: int, criticality: int, *, system: AISystem, submitter_ids: set[int]
) -> None:
    if count >= required:
        return
    available = selectors.eligible_reviewers(system, submitter_ids).count()
    shortage = reviewer_shortage(required=required, available=available, criticality=criticality)
    raise ValidationError(
        {
            "reviewers": shortage
            or f"A {Level(criticality).label.lower()}-criticality plan needs "
            f"{_plural(required, 'approval')}: assign at least {_plural(required, 'reviewer')}."
        }
    )


def _freeze(review: Review, system: AISystem, plan: dict, by) -> PlanVersion:
    number = (PlanVersion.objects.filter(system=system).aggregate(n=Max("number"))["n"] or 0) + 1
    version = PlanVersion(
        system=system,
        review=review,
        number=number,
        content=plan,
        criticality=system.criticality,
        submitted_by=by,
    )
    save_with_history(version, by=by, reason=f"Version {number} submitted for {review.reference}")
    return version


def _cover_material_changes(review: Review, version: PlanVersion) -> None:
    """The system's new versions still waiting for a change review, recorded before this plan
    version was frozen: the plan read covers them (approving the review approves them)."""
    pending = SystemVersion.objects.pending().filter(
        system_id=review.system_id, recorded_at__lte=version.submitted_at
    )
    review.material_changes.add(*pending)


def _decision_days_from_today(review_settings: ReviewSettings) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=review_settings.decision_days)


# --- Submitting -----------------------------------------------------------------------------------
def check_submission(*, system: AISystem, by, kind: str, reviewers: Iterable) -> dict:
    """Every reason why ``by`` cannot submit ``system``'s plan now as a ``kind`` review to
    ``reviewers``, raised together in one ``ValidationError`` (the kind, a review in progress,
    each refused reviewer, too few reviewers, what the plan lacks); the live plan otherwise.

    Writes nothing: :func:`submit_safety_plan` asks it, and so does the submit page when its
    own form has errors, so that the person sees every problem at once.
    """
    errors = ErrorCollector()
    if kind not in ReviewKind.values:
        errors.add("Choose the kind of review.", field="kind")
    in_progress = system.reviews.filter(status__in=OPEN_STATUSES).first()
    if in_progress is not None:
        if in_progress.status == ReviewStatus.CHANGES_REQUESTED:
            hint = "submit a new version of it"
        else:
            hint = "wait for the committee's decision or withdraw it"
        errors.add(
            f"{in_progress.reference} is already in progress for {system.reference}: {hint}."
        )
    if (
        kind in ReviewKind.values
        and kind != ReviewKind.INITIAL
        and not system.reviews.filter(status=ReviewStatus.APPROVED).exists()
    ):
        errors.add(
            f"{system.reference} has no approved safety plan yet: its first review "
            "is an initial deployment review.",
            field="kind",
        )
    required = ReviewSettings.load().approvals_required(system.criticality)
    reviewers = _unique(reviewers)
    with errors.check():
        _check_reviewers(system, reviewers, {by.pk})
    with errors.check():
        _check_enough_reviewers(
            len(reviewers), required, system.criticality, system=system, submitter_ids={by.pk}
        )
    plan = assemble_plan(system)
    for problem in _submission_problems(kind, plan, system):
        errors.add(problem)
    errors.raise_if_any()
    return plan


@transaction.atomic
def submit_safety_plan(*, system: AISystem, by, kind: str, reviewers: Iterable) -> Review:
    """Freeze the system's live plan as its next version and ask the committee to review it.

    Refused while another review of the system is in progress; an initial deployment review is
    refused while checklist items are open or a Critical residual risk is untreated, and a
    system with no approved plan yet starts with an initial deployment review.
    """
    system = _lock_system(system.pk)
    if not permissions.can_submit_safety_plan(by, system):
        raise PermissionDenied(permissions.SUBMITTERS_ONLY)
    reviewers = _unique(reviewers)
    plan = check_submission(system=system, by=by, kind=kind, reviewers=reviewers)
    review_settings = ReviewSettings.load()
    required = review_settings.approvals_required(system.criticality)

    review = Review(
        system=system,
        kind=kind,
        submitted_by=by,
        due_date=_decision_days_from_today(review_settings),
        required_approvals=required,
    )
    save_with_history(
        review, by=by, reason=f"Submitted for review ({ReviewKind(kind).label.lower()})"
    )
    for reviewer in reviewers:
        save_with_history(
            ReviewerAssignment(review=review, reviewer=reviewer, assigned_by=by),
            by=by,
            reason=f"Asked to review {review.reference}",
        )
    version = _freeze(review, system, plan, by)
    review.current_version = version
    save_with_history(review, by=by, reason=f"Version {version.number} is with the committee")
    _cover_material_changes(review, version)
    notifications.tell_reviewers(review, version, by=by, reviewers=reviewers)
    return review


@transaction.atomic
def resubmit_safety_plan(*, review: Review, by) -> Review:
    """After changes were requested: freeze the revised live plan as a new version of the same
    review, back to the same reviewers (earlier decisions stay on the earlier version)."""
    review = _lock_review(review.pk)
    system = _lock_system(review.system_id)
    if not permissions.can_submit_safety_plan(by, system):
        raise PermissionDenied(permissions.SUBMITTERS_ONLY)
    if review.status != ReviewStatus.CHANGES_REQUESTED:
        raise ValidationError(
            f"{review.reference} is {review.get_status_display().lower()}: only a review sent "
            "back for changes takes a new version."
        )
    if review.assignments.filter(reviewer=by).exists():
        raise PermissionDenied("You review this plan: someone else in the team submits it.")
    review_settings = ReviewSettings.load()
    required = review_settings.approvals_required(system.criticality)
    errors = ErrorCollector()
    with errors.check():
        _check_enough_reviewers(
            review.assignments.count(),
            required,
            system.criticality,
            system=system,
            submitter_ids=selectors.submitter_ids(review) | {by.pk},
        )
    plan = assemble_plan(system)
    for problem in _submission_problems(review.kind, plan, system):
        errors.add(problem)
    errors.raise_if_any()
    version = _freeze(review, system, plan, by)
    review.current_version = version
    review.status = ReviewStatus.PENDING
    review.required_approvals = required
    review.due_date = _decision_days_from_today(review_settings)
    save_with_history(
        review, by=by, reason=f"Version {version.number} submitted after changes were requested"
    )
    _cover_material_changes(review, version)
    notifications.tell_reviewers(review, version, by=by)
    return review


@transaction.atomic
def assign_reviewers(*, review: Review, by, reviewers: Iterable) -> list[ReviewerAssignment]:
    """Ask more committee members to review an open plan (never its submitters or owners)."""
    review = _lock_review(review.pk)
    refusal = permissions.why_cannot_assign_reviewers(by, review)
    if refusal:
        raise PermissionDenied(refusal)
    if not review.is_open:
        raise ValidationError(
            f"{review.reference} is {review.get_status_display().lower()}: it takes no more "
            "reviewers."
        )
    assigned = set(review.assignments.values_list("reviewer_id", flat=True))
    new = [person for person in _unique(reviewers) if person.pk not in assigned]
    if not new:
        raise ValidationError({"reviewers": "Choose a committee member who is not a reviewer yet."})
    _check_reviewers(review, new, selectors.submitter_ids(review))
    assignments = []
    for reviewer in new:
        assignment = ReviewerAssignment(review=review, reviewer=reviewer, assigned_by=by)
        save_with_history(assignment, by=by, reason=f"Asked to review {review.reference}")
        assignments.append(assignment)
    if review.status == ReviewStatus.PENDING:
        notifications.tell_reviewers(review, review.current_version, by=by, reviewers=new)
    return assignments


@transaction.atomic
def withdraw_review(*, review: Review, by, reason: str = "") -> Review:
    """The team takes back a plan the committee has not decided on."""
    review = _lock_review(review.pk)
    refusal = permissions.why_cannot_withdraw_review(by, review)
    if refusal:
        raise PermissionDenied(refusal)
    if not review.is_open:
        raise ValidationError(
            f"{review.reference} is {review.get_status_display().lower()}: it cannot be withdrawn."
        )
    review.status = ReviewStatus.WITHDRAWN
    review.closed_at = timezone.now()
    save_with_history(review, by=by, reason=reason.strip()[:255] or "Withdrawn by the team")
    return review


# --- Deciding -------------------------------------------------------------------------------------
@transaction.atomic
def decide_review(
    *,
    review: Review,
    reviewer,
    decision: str,
    comment: str = "",
    conditions: str | Iterable[str] = "",
    version: int | None = None,
) -> Decision:
    """An assigned committee member approves, requests changes or rejects the current version.

    ``version`` is the number of the version the reviewer read: a decision on an older one is
    refused. The review row is locked, so two reviewers deciding at once are counted one after
    the other: no vote is lost and the plan is approved once.
    """
    review = _lock_review(review.pk)
    refusal = permissions.why_cannot_decide_review(reviewer, review)
    if refusal:
        raise PermissionDenied(refusal)
    if review.status == ReviewStatus.CHANGES_REQUESTED:
        raise StateConflict(
            f"{review.reference} went back to its submitter for changes: decide on the next "
            "version when it is submitted."
        )
    if review.status != ReviewStatus.PENDING:
        raise StateConflict(f"{review.reference} is already {review.get_status_display().lower()}.")
    current = review.current_version
    if version is not None and int(version) != current.number:
        raise StateConflict(
            f"You read version {version}, but version {current.number} has been submitted "
            "since: read it before deciding."
        )
    if Decision.objects.filter(version=current, reviewer=reviewer).exists():
        raise StateConflict(
            f"You already decided on version {current.number} of {review.reference}."
        )
    if decision not in DecisionOutcome.values:
        raise ValidationError({"decision": "Approve, request changes or reject."})
    comment = comment.strip()
    if isinstance(conditions, str):
        conditions = conditions.splitlines()
    condition_lines = [line.strip() for line in conditions if line.strip()]
    if decision == DecisionOutcome.REQUEST_CHANGES and not comment:
        raise ValidationError({"comment": "Say what must change."})
    if decision == DecisionOutcome.REJECT and not comment:
        raise ValidationError({"comment": "Say why the plan is rejected."})
    if condition_lines and decision != DecisionOutcome.APPROVE:
        raise ValidationError({"conditions": "Only an approval carries conditions."})
    if any(len(line) > 255 for line in condition_lines):
        raise ValidationError({"conditions": "Keep each condition to one line of 255 characters."})

    outcome = DecisionOutcome(decision)
    record = Decision(
        review=review,
        version=current,
        reviewer=reviewer,
        outcome=outcome,
        comment=comment,
        conditions="\n".join(condition_lines),
    )
    reason = f"{record.outcome_verb.capitalize()} version {current.number}"
    save_with_history(record, by=reviewer, reason=reason)
    _settle(review, by=reviewer)
    notifications.tell_decision(record)
    return record


def _settle(review: Review, *, by) -> None:
    """Move the (locked) review on once its current version's decisions say so."""
    decisions = list(
        review.decisions.filter(version=review.current_version).select_related("reviewer")
    )
    outcomes = [d.outcome for d in decisions]
    number = review.current_version.number
    if DecisionOutcome.REJECT in outcomes:
        review.status = ReviewStatus.REJECTED
        review.closed_at = timezone.now()
        save_with_history(review, by=by, reason=f"Rejected (version {number})")
    elif DecisionOutcome.REQUEST_CHANGES in outcomes:
        review.status = ReviewStatus.CHANGES_REQUESTED
        save_with_history(
            review, by=by, reason=f"Changes requested on version {number}: back to the team"
        )
    elif outcomes.count(DecisionOutcome.APPROVE) >= review.required_approvals:
        review.status = ReviewStatus.APPROVED
        review.closed_at = timezone.now()
        save_with_history(review, by=by, reason=f"Approved (version {number})")
        system_services.record_plan_approval(
            review.system,
            approved_on=timezone.localdate(),
            by=by,
            reason=f"Safety plan approved ({review.reference}, version {number})",
        )
        # The material changes the approved version was frozen after are reviewed now.
        approved = system_versions.approve_pending_versions(
            review.system,
            recorded_before=review.current_version.submitted_at,
            by=by,
            note=f"Approved with the safety plan ({review.reference}, version {number})",
        )
        review.material_changes.add(*approved)
        _create_follow_ups(review, [d for d in decisions if d.condition_lines])


def _create_follow_ups(review: Review, decisions: list[Decision]) -> None:
    """Each condition of approval becomes a planned mitigation of the system, owned by its
    business owner, due within the treatment deadline of the system's criticality."""
    if not decisions:
        return
    system = review.system
    due = timezone.localdate() + datetime.timedelta(
        days=RiskMatrix.load().deadline_days(system.criticality)
    )
    for decision in decisions:
        for condition in decision.condition_lines:
            mitigation = Mitigation(
                system=system,
                title=condition,
                description=f"Condition of approval of {review.reference} (version "
                f"{review.current_version.number}), set by {decision.reviewer}: {condition}",
                kind=MitigationKind.PROCESS_POLICY,
                layer=DefenceLayer.ORGANISATION,
                owner=system.business_owner,
                due_date=due,
                status=MitigationStatus.PLANNED,
                created_by=decision.reviewer,
            )
            save_with_history(
                mitigation,
                by=decision.reviewer,
                reason=f"Condition of approval of {review.reference}",
            )
            decision.follow_up_mitigations.add(mitigation)
            mitigation_services.tell_owner(mitigation, by=decision.reviewer)


# --- The deployment checklist ---------------------------------------------------------------------
def _check_checklist_rights(by, system: AISystem) -> None:
    refusal = permissions.why_cannot_keep_checklist(by, system)
    if refusal:
        raise PermissionDenied(refusal)


def _item(system: AISystem, key: str, by) -> ChecklistItem:
    """The system's checklist item, locked; created (open) on its first use."""
    if key not in ChecklistKey.values:
        raise ValidationError({"key": "Unknown checklist item."})
    item = ChecklistItem.objects.select_for_update().filter(system=system, key=key).first()
    if item is None:
        item = ChecklistItem(system=system, key=key, updated_by=by)
        save_with_history(item, by=by, reason="Checklist item opened")
    return item


@transaction.atomic
def update_checklist_item(
    *, system: AISystem, key: str, by, status: str, note: str = ""
) -> ChecklistItem:
    """Mark a checklist item done (it needs evidence first), not applicable (say why) or open."""
    _check_checklist_rights(by, system)
    if status not in ChecklistStatus.values:
        raise ValidationError({"status": "Choose open, done or not applicable."})
    item = _item(system, key, by)
    note = note.strip()
    if status == ChecklistStatus.NOT_APPLICABLE and not note:
        raise ValidationError({"note": "Say why this item does not apply to the system."})
    if status == ChecklistStatus.DONE and not core_services.evidence_of(item).exists():
        raise ValidationError(
            {"status": "Add the evidence first (a report, a link or a note), then mark it done."}
        )
    if (item.status, item.note) == (status, note):
        return item
    item.status, item.note, item.updated_by = status, note, by
    item.full_clean(exclude=["system", "updated_by"])
    save_with_history(item, by=by, reason=f"Marked {ChecklistStatus(status).label.lower()}")
    return item


@transaction.atomic
def add_checklist_evidence(
    *, system: AISystem, key: str, by, kind: str, file=None, url: str = "", note: str = ""
):
    """Attach a file, a link or a note to a checklist item."""
    _check_checklist_rights(by, system)
    item = _item(system, key, by)
    return core_services.add_evidence(record=item, by=by, kind=kind, file=file, url=url, note=note)


@transaction.atomic
def remove_checklist_evidence(*, item: ChecklistItem, evidence, by) -> ChecklistItem:
    """Take evidence off an item; a done item left without evidence is open again."""
    _check_checklist_rights(by, item.system)
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    core_services.remove_evidence(evidence=evidence, by=by)
    if item.status == ChecklistStatus.DONE and not core_services.evidence_of(item).exists():
        item.status, item.updated_by = ChecklistStatus.OPEN, by
        save_with_history(item, by=by, reason="Open again: its last evidence was removed")
    return item
