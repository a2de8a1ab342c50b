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

A document of the system (a classification, an impact assessment: :mod:`apps.reviews.subjects`)
goes the same way with :func:`submit_document_for_review` and :func:`resubmit_document`; its
approval, rejection or withdrawal is handed to the app that keeps the document.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from apps.core import services as core_services
from apps.core.audit import save_with_history
from apps.core.concurrency import StateConflict
from apps.core.models import Level
from apps.core.validation import ErrorCollector
from apps.mitigations import services as mitigation_services
from apps.mitigations.models import Mitigation
from apps.reviews import notifications, permissions, selectors, subjects, submission_checks
from apps.reviews.models import (
    DOCUMENT_KINDS,
    OPEN_STATUSES,
    PLAN_KINDS,
    ChecklistItem,
    ChecklistKey,
    ChecklistStatus,
    Decision,
    DecisionOutcome,
    Delegation,
    PlanVersion,
    Review,
    ReviewerAssignment,
    ReviewKind,
    ReviewSettings,
    ReviewStatus,
    Seat,
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


def _seat_holders_to_add(
    seats: list[Seat], reviewers: list, *, system: AISystem, submitter_ids: set[int]
) -> list:
    """Who must join ``reviewers`` so that every required seat has a holder among them: each
    seat's holders who may review the plan (never its submitters nor the system's owners).
    A seat nobody eligible holds is refused, with who can fix it."""
    chosen = {person.pk for person in reviewers}
    added, missing = [], []
    for seat in seats:
        holders = list(
            selectors.holders_of(seat).filter(
                pk__in=selectors.eligible_reviewers(system, submitter_ids)
            )
        )
        if not holders:
            missing.append(seat.name)
        elif not any(holder.pk in chosen for holder in holders):
            added.extend(holders)
            chosen.update(holder.pk for holder in holders)
    if missing:
        raise ValidationError(
            {
                "reviewers": f"A {Level(system.criticality).label.lower()}-criticality plan "
                f"needs the approval of the seat(s) {', '.join(missing)}, but no committee "
                "member who may review it holds them. An administrator can fix this: give the "
                "seat to a committee member (Administration → Seats), or change the seats this "
                "criticality needs (Administration → Review settings)."
            }
        )
    return added


def _decision_days_from_today(review_settings: ReviewSettings) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=review_settings.decision_days)


def _require_seats(review: Review, seats: list[Seat], *, by) -> None:
    """Record the seats the review needs now (with a line in its history when they change)."""
    before = set(review.required_seats.values_list("pk", flat=True))
    if before == {seat.pk for seat in seats}:
        return
    review.required_seats.set(seats)
    names = ", ".join(seat.name for seat in seats) or "none"
    save_with_history(review, by=by, reason=f"Seats that must approve: {names}")


# --- Submitting -----------------------------------------------------------------------------------
def _check_committee(errors: ErrorCollector, *, system: AISystem, by, reviewers: Iterable) -> None:
    """Into ``errors``: each refused reviewer, a required seat nobody eligible holds, and too
    few reviewers for the approvals a first submission by ``by`` needs."""
    required = ReviewSettings.load().approvals_required(system.criticality)
    reviewers = _unique(reviewers)
    with errors.check():
        _check_reviewers(system, reviewers, {by.pk})
    seat_holders = []
    with errors.check():
        seat_holders = _seat_holders_to_add(
            selectors.required_seats(system.criticality),
            reviewers,
            system=system,
            submitter_ids={by.pk},
        )
    with errors.check():
        _check_enough_reviewers(
            len(reviewers) + len(seat_holders),
            required,
            system.criticality,
            system=system,
            submitter_ids={by.pk},
        )


def check_submission(*, system: AISystem, by, kind: str, reviewers: Iterable) -> dict:
    """Every reason why ``by`` cannot submit ``system``'s plan now as a ``kind`` review to
    ``reviewers``, raised together in one ``ValidationError`` (the kind, a review in progress,
    each refused reviewer, too few reviewers, what the plan lacks); the live plan otherwise.

    Writes nothing: :func:`submit_safety_plan` asks it, and so does the submit page when its
    own form has errors, so that the person sees every problem at once.
    """
    errors = ErrorCollector()
    if kind not in PLAN_KINDS:
        errors.add("Choose the kind of review.", field="kind")
    in_progress = system.reviews.filter(status__in=OPEN_STATUSES, kind__in=PLAN_KINDS).first()
    if in_progress is not None:
        if in_progress.status == ReviewStatus.CHANGES_REQUESTED:
            hint = "submit a new version of it"
        else:
            hint = "wait for the committee's decision or withdraw it"
        errors.add(
            f"{in_progress.reference} is already in progress for {system.reference}: {hint}."
        )
    if (
        kind in PLAN_KINDS
        and kind != ReviewKind.INITIAL
        and not system.reviews.filter(status=ReviewStatus.APPROVED, kind__in=PLAN_KINDS).exists()
    ):
        errors.add(
            f"{system.reference} has no approved safety plan yet: its first review "
            "is an initial deployment review.",
            field="kind",
        )
    _check_committee(errors, system=system, by=by, reviewers=reviewers)
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
    review, version, reviewers = _open_review(
        Review(system=system, kind=kind, submitted_by=by), plan=plan, by=by, reviewers=reviewers
    )
    _cover_material_changes(review, version)
    notifications.tell_reviewers(review, version, by=by, reviewers=reviewers)
    return review


def _open_review(
    review: Review, *, plan: dict, by, reviewers: list, reason: str = ""
) -> tuple[Review, PlanVersion, list]:
    """Save a new review of ``review.system`` with its due date, approvals and seats from the
    system's criticality, its reviewers (with the holders of the seats it needs), and its first
    version frozen from ``plan``; the version and everyone asked to review it."""
    system = review.system
    review_settings = ReviewSettings.load()
    review.required_approvals = review_settings.approvals_required(system.criticality)
    review.due_date = _decision_days_from_today(review_settings)
    seats = selectors.required_seats(system.criticality)
    # The holders of the seats the review needs review it too.
    reviewers = reviewers + _seat_holders_to_add(
        seats, reviewers, system=system, submitter_ids={by.pk}
    )
    save_with_history(
        review,
        by=by,
        reason=_short(reason or f"Submitted for review ({ReviewKind(review.kind).label.lower()})"),
    )
    _require_seats(review, seats, by=by)
    for reviewer in reviewers:
        save_with_history(
            ReviewerAssignment(review=review, reviewer=reviewer, assigned_by=by),
            by=by,
            reason=f"Asked to review {review.reference}",
        )
    version = _freeze(review, system, plan, by)
    review.current_version = version
    save_with_history(review, by=by, reason=f"Version {version.number} is with the committee")
    return review, version, reviewers


@transaction.atomic
def resubmit_safety_plan(*, review: Review, by) -> Review:
    """After changes were requested: freeze the revised live plan as a new version of the same
    review, back to the same reviewers (earlier decisions stay on the earlier version)."""
    review = _lock_review(review.pk)
    system = _lock_system(review.system_id)
    if review.is_document_review:
        raise ValidationError(
            f"{review.reference} reviews the {review.document_name} of {system.reference}: "
            "submit its new version from the document's page."
        )
    _check_may_resubmit(review, system, by)
    errors = ErrorCollector()
    seat_holders = _check_resubmission(errors, review=review, system=system, by=by)
    plan = assemble_plan(system)
    for problem in _submission_problems(review.kind, plan, system):
        errors.add(problem)
    errors.raise_if_any()
    version = _reopen(review, system=system, plan=plan, by=by, seat_holders=seat_holders)
    _cover_material_changes(review, version)
    notifications.tell_reviewers(review, version, by=by)
    return review


def _check_may_resubmit(review: Review, system: AISystem, by) -> None:
    """Only the system's team, only after changes were requested, never one of its reviewers."""
    if not permissions.can_submit_safety_plan(by, system):
        raise PermissionDenied(permissions.submitters_only(review.kind))
    if review.status != ReviewStatus.CHANGES_REQUESTED:
        raise ValidationError(
            f"{review.reference} is {review.get_status_display().lower()}: only a review sent "
            "back for changes takes a new version."
        )
    if review.assignments.filter(reviewer=by).exists():
        raise PermissionDenied(
            f"You review this {review.document_name}: someone else in the team submits it."
        )


def _check_resubmission(errors: ErrorCollector, *, review: Review, system: AISystem, by) -> list:
    """Into ``errors``: too few reviewers for the approvals the system's criticality needs now,
    a required seat nobody eligible holds; the seat holders to add to the reviewers."""
    submitters = selectors.submitter_ids(review) | {by.pk}
    with errors.check():
        _check_enough_reviewers(
            review.assignments.count(),
            ReviewSettings.load().approvals_required(system.criticality),
            system.criticality,
            system=system,
            submitter_ids=submitters,
        )
    seat_holders = []
    with errors.check():
        seat_holders = _seat_holders_to_add(
            selectors.required_seats(system.criticality),
            [a.reviewer for a in review.assignments.select_related("reviewer")],
            system=system,
            submitter_ids=submitters,
        )
    return seat_holders


def _reopen(
    review: Review,
    *,
    system: AISystem,
    plan: dict,
    by,
    seat_holders: list,
    reason: str = "",
    **changes,
) -> PlanVersion:
    """Back to the committee with a new version frozen from ``plan``: the seats and approvals
    the (locked) system's criticality needs now, a new due date, the missing seat holders, and
    ``changes`` (the new document…) saved with the new version in one line of history."""
    review_settings = ReviewSettings.load()
    for reviewer in seat_holders:
        save_with_history(
            ReviewerAssignment(review=review, reviewer=reviewer, assigned_by=by),
            by=by,
            reason=f"Asked to review {review.reference} for a required seat",
        )
    _require_seats(review, selectors.required_seats(system.criticality), by=by)
    version = _freeze(review, system, plan, by)
    review.current_version = version
    review.status = ReviewStatus.PENDING
    review.required_approvals = review_settings.approvals_required(system.criticality)
    review.due_date = _decision_days_from_today(review_settings)
    for field, value in changes.items():
        setattr(review, field, value)
    save_with_history(
        review,
        by=by,
        reason=_short(f"Version {version.number} submitted after changes were requested{reason}"),
    )
    return version


# --- Documents ------------------------------------------------------------------------------------
def _check_document(errors: ErrorCollector, *, system: AISystem, kind: str, subject) -> None:
    """Into ``errors``: a kind that is no document's, a document not saved or of another
    system. A kind no installed app registered is a programming error, raised at once."""
    if kind not in DOCUMENT_KINDS:
        errors.add("Choose the kind of document review.", field="kind")
        return
    subjects.subject_for(kind)
    if subject is None or subject.pk is None:
        errors.add("Save the document before submitting it for review.")
    elif getattr(subject, "system_id", system.pk) != system.pk:
        errors.add(f"“{subject}” is not a document of {system.reference}.")


def _short(reason: str) -> str:
    """A history reason within its 100 characters."""
    return reason if len(reason) <= 100 else reason[:99] + "…"


@transaction.atomic
def submit_document_for_review(
    *, system: AISystem, kind: str, subject, by, reviewers: Iterable = (), note: str = ""
) -> Review:
    """Ask the committee to review one of the system's documents (``subject``, of a kind that
    an app registered in :mod:`apps.reviews.subjects`): a classification, an impact assessment.

    Who may submit, the due date, the approvals and committee seats the system's criticality
    needs, the reviewers (four eyes, seat holders added), the notices and the reminders are
    those of a safety plan; the plan's own checks (risks, deployment checklist, compliance) are
    not asked, they are about the plan. A system may have one open review per document kind,
    beside its safety plan's review.

    Why a :class:`PlanVersion` is frozen here too: a decision is made on a version (its number
    guards against deciding on what one did not read), and the queue, the stale-reader guard,
    delegation, seats, the submission e-mails and the API all follow ``current_version``.
    Freezing the system's live plan with each version of the document keeps every one of them
    working unchanged, and gives the committee the plan as the context it decides in (the
    review page shows the document, and links to the plan version). Approving the review
    approves the document only: the plan versions of a document review are never taken for an
    approved safety plan (:func:`apps.reviews.selectors.approved_versions`).
    """
    system = _lock_system(system.pk)
    if not permissions.can_submit_safety_plan(by, system):
        raise PermissionDenied(permissions.submitters_only(kind))
    reviewers = _unique(reviewers)
    errors = ErrorCollector()
    _check_document(errors, system=system, kind=kind, subject=subject)
    in_progress = system.reviews.filter(status__in=OPEN_STATUSES, kind=kind).first()
    if in_progress is not None:
        hint = (
            "submit the new version of the document to it"
            if in_progress.status == ReviewStatus.CHANGES_REQUESTED
            else "wait for the committee's decision or withdraw it"
        )
        errors.add(
            f"{in_progress.reference} already reviews the {in_progress.document_name} of "
            f"{system.reference}: {hint}."
        )
    _check_committee(errors, system=system, by=by, reviewers=reviewers)
    errors.raise_if_any()
    review = Review(system=system, kind=kind, submitted_by=by, subject=subject, note=note.strip())
    review, version, reviewers = _open_review(
        review,
        plan=assemble_plan(system),
        by=by,
        reviewers=reviewers,
        reason=f"Submitted for review ({ReviewKind(kind).label.lower()})"
        + f": {subjects.describe_subject(kind, subject)}",
    )
    notifications.tell_reviewers(review, version, by=by, reviewers=reviewers)
    return review


@transaction.atomic
def resubmit_document(*, review: Review, subject, by, note: str = "") -> Review:
    """After changes were requested on a document: the team made a new version of it
    (``subject``, a new record of the same kind), and the same reviewers decide again on it.
    Earlier decisions stay on the earlier version, whose document the review's history names."""
    review = _lock_review(review.pk)
    system = _lock_system(review.system_id)
    if not review.is_document_review:
        raise ValidationError(
            f"{review.reference} reviews the safety plan of {system.reference}: submit its "
            "new version from the review's page."
        )
    _check_may_resubmit(review, system, by)
    errors = ErrorCollector()
    _check_document(errors, system=system, kind=review.kind, subject=subject)
    if (
        subject is not None
        and subject.pk is not None
        and review.subject_type_id == ContentType.objects.get_for_model(subject).pk
        and review.subject_id == subject.pk
    ):
        errors.add(
            "The committee asked for changes to this version of the document: make a new "
            "version of it, then submit that one."
        )
    elif subject is not None and review.subject_type_id != (
        ContentType.objects.get_for_model(subject).pk
    ):
        errors.add(f"“{subject}” is not a {review.document_name}.")
    seat_holders = _check_resubmission(errors, review=review, system=system, by=by)
    errors.raise_if_any()
    _reopen(
        review,
        system=system,
        plan=assemble_plan(system),
        by=by,
        seat_holders=seat_holders,
        reason=f": {subjects.describe_subject(review.kind, subject)}",
        subject=subject,
        note=note.strip(),
    )
    notifications.tell_reviewers(review, review.current_version, by=by)
    return review


def _close_document(review: Review, *, by, status: str) -> None:
    """Tell the document's app that its review was rejected or withdrawn (if it asked to be)."""
    if not review.is_document_review:
        return
    registered = subjects.subject_for(review.kind)
    if registered.on_closed is not None:
        registered.on_closed(review=review, subject=review.subject, by=by, status=status)


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
    _close_document(review, by=by, status=ReviewStatus.WITHDRAWN)
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
    on_behalf_of=None,
) -> Decision:
    """An assigned committee member approves, requests changes or rejects the current version.

    ``version`` is the number of the version the reviewer read: a decision on an older one is
    refused. The review row is locked, so two reviewers deciding at once are counted one after
    the other: no vote is lost and the plan is approved once.

    ``on_behalf_of`` is the assigned seat holder the reviewer stands in for, as the delegate they
    named for today: the decision is the holder's vote, recorded “for <seat> on behalf of
    <holder>”. The decision counts for the seats its voter holds (or the delegated ones).
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
    seats = _voting_seats(review, current, reviewer=reviewer, on_behalf_of=on_behalf_of)
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
    if condition_lines and review.is_document_review:
        # Conditions become follow-up mitigations of a safety plan; a document has none.
        raise ValidationError(
            {
                "conditions": f"The approval of a {review.document_name} carries no conditions: "
                "request changes instead."
            }
        )
    if any(len(line) > 255 for line in condition_lines):
        raise ValidationError({"conditions": "Keep each condition to one line of 255 characters."})

    outcome = DecisionOutcome(decision)
    record = Decision(
        review=review,
        version=current,
        reviewer=reviewer,
        on_behalf_of=on_behalf_of,
        outcome=outcome,
        comment=comment,
        conditions="\n".join(condition_lines),
    )
    reason = f"{record.outcome_verb.capitalize()} version {current.number}"
    if on_behalf_of is not None:
        seat_names = ", ".join(seat.name for seat in seats)
        reason += f" for {seat_names} on behalf of {on_behalf_of}"
    save_with_history(record, by=reviewer, reason=reason)
    record.seats.set(seats)
    _settle(review, by=reviewer)
    notifications.tell_decision(record)
    return record


def _voting_seats(review: Review, current: PlanVersion, *, reviewer, on_behalf_of) -> list[Seat]:
    """The seats the decision counts for; refused when the vote was already cast (by the
    reviewer, by the holder, or by a delegate for them) or the delegation does not hold."""
    if on_behalf_of is None:
        if not review.assignments.filter(reviewer=reviewer).exists():
            raise PermissionDenied(
                "You review this plan as a delegate: say whose seat you decide for."
            )
        voter = reviewer
    else:
        if not review.assignments.filter(reviewer=on_behalf_of).exists():
            raise PermissionDenied(f"{on_behalf_of} does not review {review.reference}.")
        seats = selectors.delegated_seats(holder=on_behalf_of, delegate=reviewer)
        if not seats:
            raise PermissionDenied(
                f"You are not {on_behalf_of}'s delegate today: only a delegation in force lets "
                "you decide for their seat."
            )
        voter = on_behalf_of
    decided = current.decisions.filter(
        Q(reviewer=voter, on_behalf_of__isnull=True) | Q(on_behalf_of=voter)
    )
    if on_behalf_of is None and decided.exists():
        raise StateConflict(
            f"You already decided on version {current.number} of {review.reference}, or your "
            "delegate did for you."
        )
    if on_behalf_of is not None and decided.exists():
        raise StateConflict(
            f"{on_behalf_of} already has a decision on version {current.number} of "
            f"{review.reference}."
        )
    if on_behalf_of is None:
        return selectors.seats_held(reviewer)
    return seats


def missing_seats(review: Review, decisions: list[Decision]) -> list[Seat]:
    """The seats the review requires that no approval on its current version covers yet."""
    covered = {
        seat.pk for d in decisions if d.outcome == DecisionOutcome.APPROVE for seat in d.seats.all()
    }
    return [seat for seat in review.required_seats.all() if seat.pk not in covered]


def _settle(review: Review, *, by) -> None:
    """Move the (locked) review on once its current version's decisions say so."""
    decisions = list(
        review.decisions.filter(version=review.current_version)
        .select_related("reviewer")
        .prefetch_related("seats")
    )
    outcomes = [d.outcome for d in decisions]
    number = review.current_version.number
    if DecisionOutcome.REJECT in outcomes:
        review.status = ReviewStatus.REJECTED
        review.closed_at = timezone.now()
        save_with_history(review, by=by, reason=f"Rejected (version {number})")
        _close_document(review, by=by, status=ReviewStatus.REJECTED)
    elif DecisionOutcome.REQUEST_CHANGES in outcomes:
        review.status = ReviewStatus.CHANGES_REQUESTED
        save_with_history(
            review, by=by, reason=f"Changes requested on version {number}: back to the team"
        )
    elif outcomes.count(DecisionOutcome.APPROVE) >= review.required_approvals and not missing_seats(
        review, decisions
    ):
        review.status = ReviewStatus.APPROVED
        review.closed_at = timezone.now()
        save_with_history(review, by=by, reason=f"Approved (version {number})")
        if review.is_document_review:
            # The document's app records what the approval means; the plan is not approved.
            subjects.subject_for(review.kind).on_approved(
                review=review, subject=review.subject, by=by
            )
            return
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


# --- Delegation -----------------------------------------------------------------------------------
@transaction.atomic
def create_delegation(
    *, by, delegate, starts_on, ends_on, seat: Seat | None = None, reason: str = ""
) -> Delegation:
    """A seat holder names a committee member who decides for their seat(s) from ``starts_on``
    to ``ends_on`` (out of office); the holder's review notices go to the delegate meanwhile."""
    if not permissions.can_delegate(by):
        raise PermissionDenied("Committee members name delegates for their seats.")
    errors = ErrorCollector()
    held = selectors.seats_held(by)
    if not held:
        errors.add("You hold no committee seat: there is nothing to delegate.")
    elif seat is not None and seat.pk not in {s.pk for s in held}:
        errors.add(f"You do not hold the seat {seat}.", field="seat")
    if delegate is None or delegate.pk == by.pk:
        errors.add("Name someone else as your delegate.", field="delegate")
    elif not selectors.delegate_choices(by).filter(pk=delegate.pk).exists():
        errors.add(f"{delegate} is not a committee member.", field="delegate")
    if starts_on and ends_on and ends_on < starts_on:
        errors.add("A delegation ends on or after the day it starts.", field="ends_on")
    if ends_on and ends_on < timezone.localdate():
        errors.add("This period is over: choose an end date from today on.", field="ends_on")
    errors.raise_if_any()
    delegation = Delegation(
        holder=by,
        delegate=delegate,
        seat=seat,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip()[:255],
    )
    save_with_history(delegation, by=by, reason=f"Delegate named: {delegate}")
    return delegation


@transaction.atomic
def end_delegation(*, delegation: Delegation, by) -> Delegation:
    """The holder is back: the delegation ends now (its record stays)."""
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    refusal = permissions.why_cannot_end_delegation(by, delegation)
    if refusal:
        raise PermissionDenied(refusal)
    if delegation.ended_at is not None or delegation.ends_on < timezone.localdate():
        raise ValidationError("This delegation has already ended.")
    delegation.ended_at = timezone.now()
    save_with_history(delegation, by=by, reason="Delegation ended by the seat holder")
    return delegation


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
