"""Committee reviews of safety plans: frozen plan versions, reviewers, decisions, the checklist.

A system's *safety plan* is assembled live from its record, risks, mitigations, acceptances and
deployment checklist (:mod:`apps.reviews.plan`). Submitting it for review freezes that plan as a
numbered, immutable :class:`PlanVersion`; the committee's :class:`Decision` records are made on
one version, so that what was approved is exactly what was read.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.accounts.permissions import TeamScopedQuerySet
from apps.core.models import Evidence, Level, ReferenceMixin, TimeStampedModel


class ReviewKind(models.TextChoices):
    INITIAL = "initial", "Initial deployment"
    PERIODIC = "periodic", "Periodic"
    CHANGE = "change", "Change"
    POST_INCIDENT = "post_incident", "Post-incident"
    # Reviews of a document of the system rather than of its safety plan (apps.reviews.subjects).
    CLASSIFICATION = "classification", "Classification"
    FRIA = "fria", "Fundamental rights impact assessment"


# The reviews of a system's safety plan, and those of one of its documents (whose ``subject`` is
# the document under review).
PLAN_KINDS = (ReviewKind.INITIAL, ReviewKind.PERIODIC, ReviewKind.CHANGE, ReviewKind.POST_INCIDENT)
DOCUMENT_KINDS = (ReviewKind.CLASSIFICATION, ReviewKind.FRIA)
# What each kind of review reads, in a sentence: "the classification of SYS-0001".
DOCUMENT_NAMES = {
    ReviewKind.CLASSIFICATION: "classification",
    ReviewKind.FRIA: "fundamental rights impact assessment",
}


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the committee"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# A system has at most one review in one of these statuses.
OPEN_STATUSES = (ReviewStatus.PENDING, ReviewStatus.CHANGES_REQUESTED)


class DecisionOutcome(models.TextChoices):
    APPROVE = "approve", "Approve"
    REQUEST_CHANGES = "request_changes", "Request changes"
    REJECT = "reject", "Reject"


OUTCOME_PAST_TENSE = {
    DecisionOutcome.APPROVE: "Approved",
    DecisionOutcome.REQUEST_CHANGES: "Requested changes",
    DecisionOutcome.REJECT: "Rejected",
}
# What a reviewer did to a version, in a sentence: "Ada requested changes to version 1".
OUTCOME_VERBS = {
    DecisionOutcome.APPROVE: "approved",
    DecisionOutcome.REQUEST_CHANGES: "requested changes to",
    DecisionOutcome.REJECT: "rejected",
}


class ChecklistKey(models.TextChoices):
    """The eight items of the deployment checklist, in the order the plan shows them."""

    MODEL_PERFORMANCE = "model_performance", "Model performance validated"
    SECURITY_ASSESSMENT = "security_assessment", "Security vulnerability assessment passed"
    FAIRNESS_EVALUATION = "fairness_evaluation", "Bias and fairness evaluation done"
    MONITORING = "monitoring", "Monitoring and alerting configured"
    INCIDENT_RESPONSE = "incident_response", "Incident response procedure documented"
    ROLLBACK_TESTED = "rollback_tested", "Rollback tested"
    COMPLIANCE = "compliance", "Compliance requirements verified"
    STAKEHOLDER_SIGN_OFF = "stakeholder_sign_off", "Stakeholder sign-off obtained"


CHECKLIST_ORDER = {key: position for position, key in enumerate(ChecklistKey.values)}


class ChecklistStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


def is_item_complete(status: str, evidence_count: int) -> bool:
    """Done with evidence, or not applicable (which says why)."""
    if status == ChecklistStatus.NOT_APPLICABLE:
        return True
    return status == ChecklistStatus.DONE and evidence_count > 0


class ImmutableRecordError(Exception):
    """Raised on any attempt to change or delete a submitted plan version."""


# --- Settings -------------------------------------------------------------------------------------
class ReviewSettings(models.Model):
    """How many approvals a plan needs by the system's criticality, and how long the committee
    has to decide (a single row that administrators edit)."""

    approvals_low = models.PositiveSmallIntegerField(
        "approvals for a low-criticality plan", default=1
    )
    approvals_medium = models.PositiveSmallIntegerField(
        "approvals for a medium-criticality plan", default=1
    )
    approvals_high = models.PositiveSmallIntegerField(
        "approvals for a high-criticality plan", default=2
    )
    approvals_critical = models.PositiveSmallIntegerField(
        "approvals for a critical plan", default=3
    )
    decision_days = models.PositiveSmallIntegerField("days the committee has to decide", default=14)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "review settings"
        verbose_name_plural = "review settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="review_settings_single_row"),
            models.CheckConstraint(
                condition=Q(approvals_low__gte=1)
                & Q(approvals_medium__gte=F("approvals_low"))
                & Q(approvals_high__gte=F("approvals_medium"))
                & Q(approvals_critical__gte=F("approvals_high"))
                & Q(decision_days__gte=1),
                name="review_settings_approvals_ordered",
                violation_error_message="Every plan needs at least one approval, and a more "
                "critical plan at least as many as a less critical one.",
            ),
        ]

    def __str__(self):
        return "Review settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> ReviewSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    def approvals_required(self, criticality: int) -> int:
        return {
            Level.CRITICAL: self.approvals_critical,
            Level.HIGH: self.approvals_high,
            Level.MEDIUM: self.approvals_medium,
            Level.LOW: self.approvals_low,
        }[criticality]


# --- The deployment checklist ---------------------------------------------------------------------
class ChecklistItem(TimeStampedModel):
    """One of the eight deployment checklist items of one system, with its evidence.

    Rows are created on the first change; until then an item is open.
    """

    system = models.ForeignKey(
        "systems.AISystem", on_delete=models.PROTECT, related_name="checklist_items"
    )
    key = models.CharField("item", max_length=40, choices=ChecklistKey.choices)
    status = models.CharField(
        max_length=20, choices=ChecklistStatus.choices, default=ChecklistStatus.OPEN
    )
    note = models.TextField(
        blank=True, help_text="How it was done, or why it does not apply to this system."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    evidence = GenericRelation(Evidence, related_query_name="checklist_item")

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["system", "key"]
        constraints = [
            models.UniqueConstraint(fields=["system", "key"], name="one_checklist_item_per_key"),
            models.CheckConstraint(
                condition=~Q(status=ChecklistStatus.NOT_APPLICABLE) | ~Q(note=""),
                name="not_applicable_item_says_why",
                violation_error_message="Say why this item does not apply to the system.",
            ),
        ]

    def __str__(self):
        return f"{self.get_key_display()} ({self.system})"

    def get_absolute_url(self):
        return reverse("reviews:checklist", args=[self.system_id]) + f"#item-{self.key}"

    @property
    def position(self) -> int:
        return CHECKLIST_ORDER[self.key]


# --- Reviews --------------------------------------------------------------------------------------
class ReviewQuerySet(TeamScopedQuerySet):
    team_path = "system__team"


class Review(ReferenceMixin, TimeStampedModel):
    """The committee's review of one system's safety plan, through one or more versions — or,
    for a document kind (:data:`DOCUMENT_KINDS`), of one of its documents (``subject``: a
    classification record, an impact assessment…), registered in :mod:`apps.reviews.subjects`.
    """

    REFERENCE_PREFIX = "REV"

    system = models.ForeignKey("systems.AISystem", on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField(max_length=20, choices=ReviewKind.choices)
    status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_reviews"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    due_date = models.DateField("decision due", help_text="When the committee should decide by.")
    required_approvals = models.PositiveSmallIntegerField(
        help_text="Approvals needed, from the system's criticality when the version was submitted."
    )
    current_version = models.ForeignKey(
        "PlanVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The version the committee decides on now.",
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="ReviewerAssignment",
        through_fields=("review", "reviewer"),
        related_name="reviews_to_review",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    material_changes = models.ManyToManyField(
        "systems.SystemVersion",
        blank=True,
        related_name="reviews",
        help_text="The new versions of the system (material changes) the plan reviewed covers: "
        "approving the review approves them.",
    )
    required_seats = models.ManyToManyField(
        "Seat",
        blank=True,
        related_name="+",
        help_text="Committee seats that must approve, from the system's criticality when the "
        "version was submitted (on top of the number of approvals).",
    )
    # The document under review (document kinds only); a resubmission points it at the new
    # version of the document, and the history keeps which one each version was.
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    note = models.TextField(
        blank=True, help_text="What the team asks the committee to look at in this version."
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="review_status_due_idx"),
            models.Index(fields=["system", "status"], name="review_system_status_idx"),
            models.Index(fields=["submitted_by"], name="review_submitter_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="review_subject_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["system"],
                condition=Q(status__in=["pending", "changes_requested"])
                & Q(kind__in=[kind.value for kind in PLAN_KINDS]),
                name="one_open_review_per_system",
                violation_error_message="This system already has a review in progress.",
            ),
            models.UniqueConstraint(
                fields=["system", "kind"],
                condition=Q(status__in=["pending", "changes_requested"])
                & Q(kind__in=[kind.value for kind in DOCUMENT_KINDS]),
                name="one_open_document_review_per_system_kind",
                violation_error_message="This system already has a review of this document in "
                "progress.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=[kind.value for kind in DOCUMENT_KINDS])
                    & Q(subject_type__isnull=False, subject_id__isnull=False)
                )
                | (
                    Q(kind__in=[kind.value for kind in PLAN_KINDS])
                    & Q(subject_type__isnull=True, subject_id__isnull=True)
                ),
                name="review_subject_iff_document_kind",
                violation_error_message="A review of a document names the document; a review "
                "of a safety plan names none.",
            ),
            models.CheckConstraint(
                condition=Q(required_approvals__gte=1), name="review_needs_an_approval"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "changes_requested"])
                | Q(closed_at__isnull=False),
                name="closed_review_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.get_kind_display().lower()} review of {self.system}"

    def get_absolute_url(self):
        return reverse("reviews:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_document_review(self) -> bool:
        """A review of one of the system's documents (its ``subject``), not of its safety plan."""
        return self.kind in DOCUMENT_KINDS

    @property
    def document_name(self) -> str:
        """What the committee reads, in words: “safety plan”, “classification”…"""
        return DOCUMENT_NAMES.get(self.kind, "safety plan")

    @property
    def is_overdue(self) -> bool:
        return self.status == ReviewStatus.PENDING and self.due_date < timezone.localdate()


class PlanVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecordError("Submitted plan versions never change.")

    def delete(self):
        raise ImmutableRecordError("Submitted plan versions are never deleted.")


class PlanVersion(models.Model):
    """A safety plan frozen when it was submitted: what the reviewers read, and nothing else.

    ``content`` is the whole plan as :func:`apps.reviews.plan.assemble_plan` built it. Versions
    are numbered per system (1, 2, 3…) across its reviews; once saved, a version never changes.
    """

    system = models.ForeignKey(
        "systems.AISystem", on_delete=models.PROTECT, related_name="plan_versions"
    )
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    criticality = models.PositiveSmallIntegerField(choices=Level.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    objects = PlanVersionQuerySet.as_manager()
    # The content is frozen in this table; the history records who submitted which version.
    history = HistoricalRecords(excluded_fields=["content"])

    class Meta:
        ordering = ["system", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "number"], name="unique_plan_version_number_per_system"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="plan_version_number_positive"),
        ]

    def __str__(self):
        return f"{self.system} · safety plan version {self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError("A submitted plan version never changes.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("reviews:version", args=[self.system_id, self.number])

    @property
    def version_date(self):
        """When the version was submitted (the "Compare with" list: core/_compare_with.html)."""
        return self.submitted_at

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("A submitted plan version is never deleted.")


class ReviewerAssignment(models.Model):
    """A committee member asked to review a plan."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "reviewer"], name="one_assignment_per_reviewer"
            ),
        ]

    def __str__(self):
        return f"{self.reviewer} reviews {self.review.reference}"


class Decision(models.Model):
    """One reviewer's decision on one version of a plan."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="decisions")
    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="decisions")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_decisions"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions_by_delegates",
        help_text="The seat holder the reviewer decided for, as their delegate.",
    )
    seats = models.ManyToManyField(
        "Seat",
        blank=True,
        related_name="decisions",
        help_text="The committee seats the decision was made for, when it was made.",
    )
    outcome = models.CharField("decision", max_length=20, choices=DecisionOutcome.choices)
    comment = models.TextField(blank=True)
    conditions = models.TextField(
        "conditions of approval",
        blank=True,
        help_text="One per line; each becomes a follow-up mitigation when the plan is approved.",
    )
    follow_up_mitigations = models.ManyToManyField(
        "mitigations.Mitigation", blank=True, related_name="review_conditions"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["decided_at", "pk"]
        indexes = [models.Index(fields=["reviewer", "-decided_at"], name="decision_reviewer_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "reviewer"],
                condition=Q(on_behalf_of__isnull=True),
                name="one_decision_per_reviewer_per_version",
                violation_error_message="This reviewer already decided on this version.",
            ),
            models.UniqueConstraint(
                fields=["version", "on_behalf_of"],
                condition=Q(on_behalf_of__isnull=False),
                name="one_delegated_decision_per_holder_per_version",
                violation_error_message="A delegate already decided for this person.",
            ),
            models.CheckConstraint(
                condition=~Q(on_behalf_of=F("reviewer")), name="decision_not_on_own_behalf"
            ),
            models.CheckConstraint(
                condition=Q(outcome=DecisionOutcome.APPROVE) | Q(conditions=""),
                name="only_approvals_carry_conditions",
            ),
        ]

    def __str__(self):
        return f"{self.reviewer}: {self.outcome_label} ({self.review.reference})"

    @property
    def outcome_label(self) -> str:
        return OUTCOME_PAST_TENSE[DecisionOutcome(self.outcome)]

    @property
    def outcome_verb(self) -> str:
        """“approved”, “requested changes to”, “rejected”: followed by the version or plan."""
        return OUTCOME_VERBS[DecisionOutcome(self.outcome)]

    @property
    def voter_id(self) -> int:
        """Whose vote it is: the seat holder's when a delegate decided for them."""
        return self.on_behalf_of_id or self.reviewer_id

    @property
    def condition_lines(self) -> list[str]:
        return [line.strip() for line in self.conditions.splitlines() if line.strip()]

    def clean(self):
        if self.conditions.strip() and self.outcome != DecisionOutcome.APPROVE:
            raise ValidationError({"conditions": "Only an approval carries conditions."})


# --- Committee seats and delegation ---------------------------------------------------------------
class Seat(models.Model):
    """A named seat of the committee (legal counsel, ethics representative…), held by one or more
    committee members; approval rules can require a seat's approval (:class:`RequiredSeat`)."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(
        default=True, help_text="An inactive seat is no longer required nor offered."
    )
    holders = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="SeatHolding",
        through_fields=("seat", "holder"),
        related_name="committee_seats",
        blank=True,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SeatHolding(models.Model):
    """A committee member holds a seat."""

    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="holdings")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seat_holdings"
    )
    since = models.DateField(default=timezone.localdate)

    history = HistoricalRecords()

    class Meta:
        ordering = ["seat", "holder"]
        constraints = [
            models.UniqueConstraint(fields=["seat", "holder"], name="one_holding_per_seat_holder")
        ]

    def __str__(self):
        return f"{self.holder} holds {self.seat}"


class RequiredSeat(models.Model):
    """A seat whose approval a plan of this criticality needs, on top of the count."""

    criticality = models.PositiveSmallIntegerField(choices=Level.choices)
    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="requirements")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-criticality", "seat"]
        constraints = [
            models.UniqueConstraint(
                fields=["criticality", "seat"], name="one_required_seat_per_criticality"
            )
        ]

    def __str__(self):
        return f"{Level(self.criticality).label} plans need {self.seat}"


class DelegationQuerySet(models.QuerySet):
    def active_on(self, day) -> DelegationQuerySet:
        """Delegations in force that day (not ended early)."""
        return self.filter(starts_on__lte=day, ends_on__gte=day, ended_at__isnull=True)


class Delegation(models.Model):
    """A seat holder, out of office, names a delegate who decides for their seat(s) for a period:
    the delegate's decisions are recorded “for <seat> on behalf of <holder>”, and the reminders
    of the holder's reviews go to the delegate."""

    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_given"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_received"
    )
    seat = models.ForeignKey(
        Seat,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delegations",
        help_text="Leave empty for every seat the holder holds.",
    )
    starts_on = models.DateField("from")
    ends_on = models.DateField("until", help_text="The last day the delegate decides for you.")
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Ended before its term.")

    history = HistoricalRecords()
    objects = DelegationQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["delegate", "ends_on"], name="delegation_delegate_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="delegation_ends_after_it_starts",
                violation_error_message="A delegation ends on or after the day it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(delegate=F("holder")),
                name="delegation_to_someone_else",
                violation_error_message="Name someone else as your delegate.",
            ),
        ]

    def __str__(self):
        seat = self.seat.name if self.seat_id else "every seat"
        return f"{self.delegate} for {self.holder} ({seat}, {self.starts_on} – {self.ends_on})"

    def get_absolute_url(self):
        return reverse("reviews:delegations")

    def is_active_on(self, day) -> bool:
        return self.ended_at is None and self.starts_on <= day <= self.ends_on
