"""Reads of the review workflow that pages (and later the API) share: tuned querysets."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from apps.accounts.models import User
from apps.core import services as core_services
from apps.core.models import AuditEvent, Evidence
from apps.reviews import subjects
from apps.reviews.models import (
    CHECKLIST_ORDER,
    PLAN_KINDS,
    ChecklistItem,
    ChecklistKey,
    Decision,
    DecisionOutcome,
    Delegation,
    PlanVersion,
    RequiredSeat,
    Review,
    ReviewerAssignment,
    ReviewStatus,
    Seat,
    is_item_complete,
)
from apps.systems.models import AISystem


def _with_progress(queryset: QuerySet[Review]) -> QuerySet[Review]:
    """Approvals on the current version, and whether the review is overdue."""
    today = timezone.localdate()
    return queryset.annotate(
        approvals=Count(
            "decisions",
            filter=Q(
                decisions__outcome=DecisionOutcome.APPROVE,
                decisions__version_id=F("current_version_id"),
            ),
            distinct=True,
        ),
        overdue=Case(
            When(status=ReviewStatus.PENDING, due_date__lt=today, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )


def review_list(user) -> QuerySet[Review]:
    """The reviews a user may see, with what the list shows joined in (no per-row queries)."""
    return _with_progress(
        Review.objects.visible_to(user).select_related(
            "system__team", "submitted_by", "current_version"
        )
    )


def review_detail(user) -> QuerySet[Review]:
    return Review.objects.visible_to(user).select_related(
        "system__team",
        "system__business_owner",
        "system__technical_owner",
        "submitted_by",
        "current_version__submitted_by",
    )


def review_queue(user) -> QuerySet[Review]:
    """Reviews waiting for this committee member: pending, assigned to them, not yet decided by
    them on the current version, of a system in the inventory (an archived one is read-only);
    overdue first, then by due date."""
    decided = Decision.objects.filter(version_id=OuterRef("current_version_id"), reviewer=user)
    # Mine, and those of the seat holders I stand in for today.
    reviewers = [user.pk, *delegators_of(user)]
    assigned = ReviewerAssignment.objects.filter(review=OuterRef("pk"), reviewer_id__in=reviewers)
    return (
        review_list(user)
        .filter(Exists(assigned), status=ReviewStatus.PENDING, system__archived_at__isnull=True)
        .exclude(Exists(decided))
        .order_by("-overdue", "due_date", "submitted_at", "pk")
    )


def queue_count(user) -> int:
    if not (user.is_authenticated and user.is_committee_member):
        return 0
    return review_queue(user).count()


def decisions_of(review: Review) -> list[Decision]:
    """Every decision on every version of the review, oldest first, with follow-ups."""
    return list(
        review.decisions.select_related("reviewer", "version", "on_behalf_of").prefetch_related(
            "follow_up_mitigations", "seats"
        )
    )


def assignments_of(review: Review) -> list[ReviewerAssignment]:
    return list(review.assignments.select_related("reviewer", "assigned_by"))


def versions_of(review: Review) -> QuerySet[PlanVersion]:
    return review.versions.select_related("submitted_by").defer("content").order_by("-number")


def submitter_ids(review: Review) -> set[int]:
    """Everyone who submitted a version of the review: none of them may review it (four eyes)."""
    return {review.submitted_by_id, *review.versions.values_list("submitted_by", flat=True)}


def eligible_reviewers(review_or_system, submitter_ids: set[int]) -> QuerySet[User]:
    """Active committee members who may review the system's plan (four eyes)."""
    system = getattr(review_or_system, "system", review_or_system)
    return (
        User.objects.filter(is_active=True, is_committee_member=True, is_auditor=False)
        .exclude(pk__in=submitter_ids)
        .exclude(pk__in=[system.business_owner_id, system.technical_owner_id])
        .order_by("full_name", "email")
    )


def version_of(system, number: int) -> PlanVersion:
    return (
        PlanVersion.objects.select_related("review", "submitted_by", "system")
        .filter(system=system)
        .get(number=number)
    )


def other_versions(version: PlanVersion) -> QuerySet[PlanVersion]:
    """The system's other versions, newest first (what a version may be compared with)."""
    return (
        PlanVersion.objects.filter(system_id=version.system_id)
        .exclude(pk=version.pk)
        .defer("content")
        .order_by("-number")
    )


def decisions_on(version: PlanVersion) -> list[Decision]:
    return list(
        version.decisions.select_related("reviewer", "on_behalf_of").prefetch_related(
            "follow_up_mitigations", "seats"
        )
    )


def previous_version(version: PlanVersion) -> PlanVersion | None:
    return (
        PlanVersion.objects.filter(system_id=version.system_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )


def approved_versions(system) -> QuerySet[PlanVersion]:
    """Plan versions the committee approved: the final version of each approved review of the
    safety plan (the plan frozen with an approved document is not an approved plan)."""
    return PlanVersion.objects.filter(
        system=system,
        review__kind__in=PLAN_KINDS,
        review__status=ReviewStatus.APPROVED,
        review__current_version=F("pk"),
    ).order_by("-number")


def last_approved_version(system, before: int | None = None) -> PlanVersion | None:
    versions = approved_versions(system)
    if before is not None:
        versions = versions.filter(number__lt=before)
    return versions.select_related("review").first()


def reviews_of_system(system) -> QuerySet[Review]:
    return _with_progress(
        system.reviews.select_related("submitted_by", "current_version").order_by(
            "-submitted_at", "-pk"
        )
    )


def plan_status(system) -> dict:
    """The plan's state for the system's page: open review, approved version, checklist."""
    reviews = list(reviews_of_system(system)[:10])
    open_review = next((r for r in reviews if r.is_open and not r.is_document_review), None)
    complete = sum(1 for row in checklist_of(system) if row["complete"])
    return {
        "open_review": open_review,
        "approved_version": last_approved_version(system),
        "reviews": reviews,
        "review_count": system.reviews.count(),
        "checklist_complete": complete,
        "checklist_total": len(ChecklistKey),
    }


def reviews_of_subject(subject) -> QuerySet[Review]:
    """The committee's reviews of one document (a classification record, an impact assessment
    version…) that were, or are, deciding on it, newest first. A review that moved on to a
    newer version of the document after changes were requested names only that one."""
    return _with_progress(
        Review.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
        ).select_related("system", "submitted_by", "current_version")
    ).order_by("-submitted_at", "-pk")


def document_versions(review: Review) -> list[dict]:
    """The versions of a document review, newest first, each with the document the committee
    decided on in it (read from the review's history: a resubmission points the review at the
    new document): ``[{version, subject}]``; ``subject`` is ``None`` once the record is gone."""
    versions = list(versions_of(review))
    if not review.is_document_review:
        return [{"version": version, "subject": None} for version in versions]
    subject_ids = {}
    rows = (
        review.history.filter(current_version_id__in=[v.pk for v in versions])
        .order_by("history_date", "history_id")
        .values_list("current_version_id", "subject_id")
    )
    for version_id, subject_id in rows:
        subject_ids[version_id] = subject_id  # the latest line of each version wins
    model = review.subject_type.model_class()
    found = (
        model._base_manager.in_bulk([pk for pk in subject_ids.values() if pk is not None])
        if model is not None
        else {}
    )
    return [
        {"version": version, "subject": found.get(subject_ids.get(version.pk))}
        for version in versions
    ]


def document_of_version(version: PlanVersion) -> str:
    """The document the committee decided on with this plan version, in words ("" for a
    safety plan's version, or a document no longer in the register)."""
    row = next(
        (row for row in document_versions(version.review) if row["version"].pk == version.pk),
        None,
    )
    if row is None or row["subject"] is None:
        return ""
    return subjects.describe_subject(version.review.kind, row["subject"])


# The path from each part of the workflow to the system it belongs to.
_SYSTEM_PATHS = {
    PlanVersion: "system",
    ChecklistItem: "system",
    Decision: "review__system",
    ReviewerAssignment: "review__system",
}


def parts_visible_to(model, user) -> QuerySet:
    """The plan versions, checklist items, decisions or reviewer assignments (``model``) of the
    systems the person may see, with that system joined in: another team's is not found."""
    path = _SYSTEM_PATHS[model]
    visible = {f"{path}__in": AISystem.objects.visible_to(user)}
    return model.objects.filter(**visible).select_related(path)


def checklist_of(system) -> list[dict]:
    """The eight items of the system's checklist, each with its row (if any) and live evidence."""
    items = {
        item.key: item
        for item in ChecklistItem.objects.filter(system=system).select_related("updated_by")
    }
    evidence: dict[int, list[Evidence]] = {}
    if items:
        for row in Evidence.objects.filter(
            content_type=ContentType.objects.get_for_model(ChecklistItem),
            object_id__in=[item.pk for item in items.values()],
            removed_at__isnull=True,
        ).select_related("added_by"):
            evidence.setdefault(row.object_id, []).append(row)
    rows = []
    for key in ChecklistKey:
        item = items.get(key.value)
        item_evidence = evidence.get(item.pk, []) if item else []
        status = item.status if item else "open"
        rows.append(
            {
                "key": key.value,
                "label": key.label,
                "item": item,
                "status": status,
                "evidence": item_evidence,
                "complete": is_item_complete(status, len(item_evidence)),
            }
        )
    return sorted(rows, key=lambda row: CHECKLIST_ORDER[row["key"]])


def evidence_of_item(item: ChecklistItem):
    return core_services.evidence_of(item)


def history_of_review(review: Review) -> QuerySet[AuditEvent]:
    """The review's own changes, its versions, reviewers and decisions, newest first."""
    types = ContentType.objects.get_for_models(Review, PlanVersion, ReviewerAssignment, Decision)
    return AuditEvent.objects.filter(
        Q(content_type=types[Review], object_id=review.pk)
        | Q(
            content_type=types[PlanVersion],
            object_id__in=review.versions.values("pk"),
        )
        | Q(
            content_type=types[ReviewerAssignment],
            object_id__in=review.assignments.values("pk"),
        )
        | Q(content_type=types[Decision], object_id__in=review.decisions.values("pk"))
    ).select_related("content_type")


def decision_prefetch() -> Prefetch:
    return Prefetch("decisions", queryset=Decision.objects.select_related("reviewer", "version"))


# --- Committee seats and delegation ---------------------------------------------------------------
def seats_held(user) -> list[Seat]:
    """The active seats a person holds."""
    return list(Seat.objects.filter(active=True, holdings__holder=user))


def required_seats(criticality: int) -> list[Seat]:
    """The active seats whose approval a plan of this criticality needs."""
    return list(
        Seat.objects.filter(
            active=True,
            pk__in=RequiredSeat.objects.filter(criticality=criticality).values("seat"),
        )
    )


def holders_of(seat: Seat) -> QuerySet[User]:
    return User.objects.filter(seat_holdings__seat=seat, is_active=True).order_by(
        "full_name", "email"
    )


def active_delegations(day=None) -> QuerySet[Delegation]:
    return Delegation.objects.active_on(day or timezone.localdate())


def delegators_of(user, day=None) -> list[int]:
    """The seat holders ``user`` stands in for that day (today by default)."""
    return list(
        active_delegations(day).filter(delegate=user).values_list("holder_id", flat=True).distinct()
    )


def delegated_seats(*, holder, delegate, day=None) -> list[Seat]:
    """The seats ``delegate`` decides for on behalf of ``holder`` that day: the delegated seat,
    or every seat the holder holds; none without a delegation in force."""
    delegations = list(active_delegations(day).filter(holder=holder, delegate=delegate))
    if not delegations:
        return []
    held = seats_held(holder)
    if any(d.seat_id is None for d in delegations):
        return held
    wanted = {d.seat_id for d in delegations}
    return [seat for seat in held if seat.pk in wanted]


def delegates_for(holder_ids, day=None) -> dict[int, int]:
    """The delegate standing in for each of these holders that day (the latest named)."""
    found: dict[int, int] = {}
    rows = active_delegations(day).filter(holder_id__in=list(holder_ids)).order_by("created_at")
    for holder_id, delegate_id in rows.values_list("holder_id", "delegate_id"):
        found[holder_id] = delegate_id
    return found


def acting_for(user, review: Review) -> list[User]:
    """The reviewers of the review ``user`` may decide for today, as their delegate."""
    holder_ids = delegators_of(user)
    if not holder_ids:
        return []
    return [
        assignment.reviewer
        for assignment in review.assignments.filter(reviewer_id__in=holder_ids).select_related(
            "reviewer"
        )
    ]


def seat_progress(review: Review, decisions: list[Decision]) -> list[dict]:
    """Each seat the review requires, with the approval on the current version that covers it
    (or ``None``: the seat is still needed)."""
    rows = []
    current = [
        d
        for d in decisions
        if d.version_id == review.current_version_id and d.outcome == DecisionOutcome.APPROVE
    ]
    for seat in review.required_seats.all():
        decision = next((d for d in current if seat in d.seats.all()), None)
        rows.append({"seat": seat, "decision": decision})
    return rows


def delegations_of(user) -> QuerySet[Delegation]:
    """The delegations a person gave or received, newest first."""
    return Delegation.objects.filter(Q(holder=user) | Q(delegate=user)).select_related(
        "holder", "delegate", "seat"
    )


def delegate_choices(user) -> QuerySet[User]:
    """Who a seat holder may name as delegate: another active committee member."""
    return (
        User.objects.filter(is_active=True, is_committee_member=True, is_auditor=False)
        .exclude(pk=user.pk)
        .order_by("full_name", "email")
    )
