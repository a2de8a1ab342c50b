"""The AI system inventory."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.accounts.permissions import TeamScopedQuerySet
from apps.core.indexes import CoveringIndex
from apps.core.links import reverse_pk
from apps.core.models import (
    ArchivableModel,
    ArchivableQuerySet,
    ConstraintErrorFieldsMixin,
    Level,
    ReferenceMixin,
    TimeStampedModel,
    VersionedModel,
)


class LifecycleStage(models.TextChoices):
    CONCEPT = "concept", "Concept"
    DEVELOPMENT = "development", "Development"
    PILOT = "pilot", "Pilot"
    PRODUCTION = "production", "Production"
    RETIRED = "retired", "Retired"


# The stages in which a system serves real people: it needs a current approved safety plan.
IN_SERVICE_STAGES = (LifecycleStage.PILOT, LifecycleStage.PRODUCTION)


class AIKind(models.TextChoices):
    GENERATIVE = "generative", "Generative / LLM"
    CLASSIFICATION = "classification", "Classification or scoring"
    RECOMMENDATION = "recommendation", "Recommendation"
    VISION = "vision", "Vision"
    FORECASTING = "forecasting", "Forecasting"
    AGENT = "agent", "Agent acting autonomously"
    OTHER = "other", "Other"


class DecisionRole(models.TextChoices):
    ADVISES = "advises", "Advises a person, who decides"
    DECIDES = "decides", "Decides on its own"


class OversightMode(models.TextChoices):
    IN_THE_LOOP = "in_the_loop", "Human in the loop (a person approves each output)"
    ON_THE_LOOP = "on_the_loop", "Human on the loop (a person monitors and can intervene)"
    IN_COMMAND = "in_command", "Human in command (a person decides when and how it is used)"
    NONE = "none", "No human oversight"


class EUAIActTier(models.TextChoices):
    PROHIBITED = "prohibited", "Prohibited (Art. 5)"
    HIGH_RISK = "high_risk", "High-risk (Art. 6, Annex I or III)"
    LIMITED = "limited", "Limited risk: transparency duties (Art. 50)"
    MINIMAL = "minimal", "Minimal risk"


class AnnexIIIArea(models.TextChoices):
    BIOMETRICS = "1", "1. Biometrics"
    CRITICAL_INFRASTRUCTURE = "2", "2. Critical infrastructure"
    EDUCATION = "3", "3. Education and vocational training"
    EMPLOYMENT = "4", "4. Employment, workers management, access to self-employment"
    ESSENTIAL_SERVICES = "5", "5. Access to essential private and public services"
    LAW_ENFORCEMENT = "6", "6. Law enforcement"
    MIGRATION = "7", "7. Migration, asylum and border control"
    JUSTICE = "8", "8. Administration of justice and democratic processes"
    ANNEX_I = "annex_i", "Annex I: safety component of a regulated product"


class EUAIActRole(models.TextChoices):
    """The organisation's role for a system under the EU AI Act: which of its duties bind us."""

    PROVIDER = "provider", "Provider"
    DEPLOYER = "deployer", "Deployer"
    PROVIDER_AND_DEPLOYER = "provider_and_deployer", "Provider and deployer"
    IMPORTER_DISTRIBUTOR = "importer_distributor", "Importer or distributor"


# The roles in which the organisation is the system's provider (or its deployer).
PROVIDER_ROLES = (EUAIActRole.PROVIDER, EUAIActRole.PROVIDER_AND_DEPLOYER)
DEPLOYER_ROLES = (EUAIActRole.DEPLOYER, EUAIActRole.PROVIDER_AND_DEPLOYER)


class AnnexIIIPoint(models.TextChoices):
    """The lettered use case within an Annex III area, e.g. 5(b) creditworthiness."""

    A = "a", "(a)"
    B = "b", "(b)"
    C = "c", "(c)"
    D = "d", "(d)"
    E = "e", "(e)"


# Annex III areas that have lettered points (Annex I and area 2 have none).
AREAS_WITH_POINTS = {"1", "3", "4", "5", "6", "7", "8"}


class TrainingDataPolicy(models.TextChoices):
    NEVER = "never", "Never: customer data is not used for training"
    OPT_IN = "opt_in", "Only for customers who opted in"
    ALLOWED = "allowed", "Allowed by default (customers may opt out)"


# Short labels of the yes/no fields, for forms and pages that group them under a heading.
DATA_CATEGORY_LABELS = {
    "processes_personal_data": "personal data",
    "processes_special_category_data": "special-category data (e.g. health)",
    "processes_financial_data": "financial data",
    "processes_confidential_data": "confidential business data",
    "processes_public_data": "public data",
}
AFFECTED_PARTY_LABELS = {
    "affects_customers": "customers",
    "affects_employees": "employees",
    "affects_public": "the public",
}


def current_plan_condition(today: datetime.date | None = None) -> models.Q:
    """The systems whose safety plan is **current** on ``today``: the committee approved it and its
    next review is not past.

    The review service records each approval on the system (``last_approved``, the day a review
    reached its approvals, through :func:`apps.systems.services.record_plan_approval`), and
    ``next_review_due`` is one review cadence after it (recomputed when the criticality, and so
    the cadence, changes). A review in progress does not make a plan current, and a later review
    that is rejected or withdrawn leaves the last approval in force until its next review date:
    only an approval moves it.
    """
    today = today or timezone.localdate()
    return models.Q(last_approved__isnull=False, next_review_due__gte=today)


def ungoverned_condition(today: datetime.date | None = None) -> models.Q:
    """The systems that are **ungoverned** on ``today``: in the inventory (not archived), in pilot
    or production, and without a current approved safety plan (:func:`current_plan_condition`):
    never approved, or their approved plan lapsed when the next review date passed.

    Computed from stored columns and the date (never stored itself: it changes at midnight), so
    every list, filter, count, export and reminder reads the same rule in the same query.
    """
    return models.Q(archived_at__isnull=True) & in_service_without_plan_condition(today)


def in_service_without_plan_condition(today: datetime.date | None = None) -> models.Q:
    """:func:`ungoverned_condition` without its test of the archive, for a query that reads live
    systems only: it can then be answered from the index of live systems alone (at 50,000
    systems, the dashboard's count read the table, 33 ms, instead of the index)."""
    return models.Q(lifecycle_stage__in=IN_SERVICE_STAGES) & ~current_plan_condition(today)


class AISystemQuerySet(ArchivableQuerySet, TeamScopedQuerySet):
    team_path = "team"

    def with_governance(self, today: datetime.date | None = None):
        """Each system with ``ungoverned`` (see :func:`ungoverned_condition`): no extra query."""
        return self.annotate(
            ungoverned=models.Case(
                models.When(ungoverned_condition(today), then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )

    def ungoverned(self, today: datetime.date | None = None):
        return self.filter(ungoverned_condition(today))


class AISystem(
    ConstraintErrorFieldsMixin, ReferenceMixin, ArchivableModel, VersionedModel, TimeStampedModel
):
    """One AI system the organisation runs, with everything needed to reason about its risk."""

    REFERENCE_PREFIX = "SYS"
    constraint_error_fields = {
        "unique_active_system_name_per_team": "name",
        "high_risk_system_has_area": "eu_ai_act_area",
        "systemic_risk_is_a_gpai_model": "has_systemic_risk",
        "annex_iii_point_needs_an_area": "annex_iii_point",
    }

    # What it is and why
    name = models.CharField(max_length=200)
    purpose = models.TextField(help_text="What the system is for, in a sentence or two.")
    business_process = models.TextField(
        help_text="The business process it serves, end to end, and what happens downstream of "
        "its output."
    )
    description = models.TextField(
        blank=True, help_text="How it works: inputs, model, outputs, integrations."
    )

    # Who owns it
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        related_name="systems",
        verbose_name="owning team",
    )
    business_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="business_owned_systems",
        help_text="Accountable for the business outcome.",
    )
    technical_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="technically_owned_systems",
        help_text="Accountable for how it is built and run.",
    )

    # What kind of AI
    lifecycle_stage = models.CharField(max_length=20, choices=LifecycleStage.choices)
    ai_kind = models.CharField("kind of AI", max_length=20, choices=AIKind.choices)
    vendor = models.CharField(
        "third-party model or vendor",
        max_length=200,
        blank=True,
        help_text="Leave empty if the model is built in-house.",
    )

    # Data it processes
    processes_personal_data = models.BooleanField("processes personal data", default=False)
    processes_special_category_data = models.BooleanField(
        "processes special-category data", default=False
    )
    processes_financial_data = models.BooleanField("processes financial data", default=False)
    processes_confidential_data = models.BooleanField(
        "processes confidential business data", default=False
    )
    processes_public_data = models.BooleanField("processes public data", default=False)

    # Who is affected
    affects_customers = models.BooleanField("affects customers", default=False)
    affects_employees = models.BooleanField("affects employees", default=False)
    affects_public = models.BooleanField("affects the public", default=False)

    # How it is overseen
    decision_role = models.CharField(
        "decides or advises", max_length=20, choices=DecisionRole.choices
    )
    oversight_mode = models.CharField(
        "human oversight", max_length=20, choices=OversightMode.choices
    )

    # Regulation
    eu_ai_act_tier = models.CharField(
        "EU AI Act risk tier", max_length=20, choices=EUAIActTier.choices
    )
    eu_ai_act_area = models.CharField(
        "high-risk area",
        max_length=20,
        choices=AnnexIIIArea.choices,
        blank=True,
        help_text="Required for a high-risk system: its Annex III area, or Annex I.",
    )

    annex_iii_point = models.CharField(
        "Annex III point",
        max_length=1,
        choices=AnnexIIIPoint.choices,
        blank=True,
        help_text="The use case's letter within its Annex III area, if known: e.g. 5(b) "
        "creditworthiness, 5(c) life and health insurance pricing.",
    )
    # Facts the compliance rules read (apps.compliance): which EU AI Act duties bind us.
    eu_ai_act_role = models.CharField(
        "our role (EU AI Act)",
        max_length=30,
        choices=EUAIActRole.choices,
        default=EUAIActRole.DEPLOYER,
        help_text="Provider: we develop it (or have it developed) and put it into service or on "
        "the market under our name. Deployer: we use it under our authority. Importer or "
        "distributor: we make someone else's system available.",
    )
    is_general_purpose_model = models.BooleanField(
        "general-purpose AI model",
        default=False,
        help_text="It is a general-purpose AI model (Art. 51–55), not only a system built on one.",
    )
    has_systemic_risk = models.BooleanField(
        "systemic risk",
        default=False,
        help_text="A general-purpose AI model with systemic risk (Art. 51; presumed above 10^25 "
        "FLOP of training compute).",
    )
    serves_public = models.BooleanField(
        "public body or public service",
        default=False,
        help_text="Used by a public body, or by a private organisation providing a public "
        "service (Art. 27).",
    )
    interacts_with_people = models.BooleanField(
        "interacts directly with people",
        default=False,
        help_text="People talk to it or read its output directly, e.g. a chatbot or a voice "
        "assistant: they must be told it is AI (Art. 50).",
    )

    # Reproducibility
    model_version = models.CharField(max_length=200, blank=True)
    training_data_version = models.CharField(max_length=200, blank=True)
    code_version = models.CharField(max_length=200, blank=True)
    configuration_version = models.CharField(max_length=200, blank=True)

    # Safety policy
    rollback_thresholds = models.TextField(
        "rollback thresholds",
        blank=True,
        help_text="The performance thresholds that trigger a rollback, one per line "
        "(e.g. “accuracy on the weekly audit sample below 92%”).",
    )
    customer_data_training = models.CharField(
        "customer data for training",
        max_length=20,
        choices=TrainingDataPolicy.choices,
        default=TrainingDataPolicy.NEVER,
        help_text="Whether customer data may be used to train or fine-tune the model.",
    )

    # Derived, kept by apps.systems.services
    criticality = models.PositiveSmallIntegerField(
        choices=Level.choices, default=Level.LOW, editable=False
    )
    review_cadence_days = models.PositiveIntegerField(
        "review cadence (days)", default=365, editable=False
    )
    last_approved = models.DateField(null=True, blank=True, editable=False)
    next_review_due = models.DateField(null=True, blank=True, editable=False)
    in_service_since = models.DateField(
        "in service since",
        null=True,
        blank=True,
        editable=False,
        help_text="The day it last went into pilot or production (empty while it is not in "
        "service).",
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        editable=False,
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = AISystemQuerySet.as_manager()

    class Meta:
        verbose_name = "AI system"
        ordering = ["name"]
        indexes = [
            models.Index(fields=["team", "name"], name="system_team_name_idx"),
            # Every list's system filter reads the first systems by name (5,000 systems: 3 ms
            # sorted, a fraction of that from the index).
            models.Index(fields=["name"], name="system_name_idx"),
            models.Index(fields=["lifecycle_stage"], name="system_stage_idx"),
            models.Index(fields=["ai_kind"], name="system_kind_idx"),
            models.Index(fields=["eu_ai_act_tier"], name="system_tier_idx"),
            models.Index(fields=["eu_ai_act_role"], name="system_eu_role_idx"),
            models.Index(fields=["criticality"], name="system_criticality_idx"),
            models.Index(fields=["next_review_due"], name="system_next_review_idx"),
            models.Index(fields=["updated_at"], name="system_updated_idx"),
            # The dashboard's systems by team, criticality and tier, overdue reviews and
            # ungoverned systems, read from this index alone (at 50,000 systems a scan of the
            # table took ~50 ms, of the index a fraction of that).
            CoveringIndex(
                fields=["team"],
                include=[
                    "criticality",
                    "eu_ai_act_tier",
                    "next_review_due",
                    "last_approved",
                    "lifecycle_stage",
                    "id",
                ],
                condition=Q(archived_at__isnull=True),
                name="system_live_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "team",
                condition=models.Q(archived_at__isnull=True),
                name="unique_active_system_name_per_team",
                violation_error_message="This team already has an active system with this name.",
            ),
            models.CheckConstraint(
                condition=~models.Q(eu_ai_act_tier="high_risk") | ~models.Q(eu_ai_act_area=""),
                name="high_risk_system_has_area",
                violation_error_message="A high-risk system needs its Annex III area (or Annex I).",
            ),
            models.CheckConstraint(
                condition=Q(has_systemic_risk=False) | Q(is_general_purpose_model=True),
                name="systemic_risk_is_a_gpai_model",
                violation_error_message="Only a general-purpose AI model has systemic risk.",
            ),
            models.CheckConstraint(
                condition=Q(annex_iii_point="") | Q(eu_ai_act_area__in=sorted(AREAS_WITH_POINTS)),
                name="annex_iii_point_needs_an_area",
                violation_error_message="A point needs a numbered Annex III area (1, 3–8).",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse_pk("systems:detail", self.pk)

    @property
    def is_in_service(self) -> bool:
        """In pilot or production: it serves real people and needs a current approved plan."""
        return self.lifecycle_stage in IN_SERVICE_STAGES

    @property
    def data_categories(self) -> list[str]:
        return [label for field, label in DATA_CATEGORY_LABELS.items() if getattr(self, field)]

    @property
    def affected_parties(self) -> list[str]:
        return [label for field, label in AFFECTED_PARTY_LABELS.items() if getattr(self, field)]

    @property
    def rollback_threshold_lines(self) -> list[str]:
        return [line.strip() for line in self.rollback_thresholds.splitlines() if line.strip()]


# --- Versions: material changes of what is deployed ----------------------------------------------
class VersionKind(models.TextChoices):
    """What a new version is of: each kind is one of the system's reproducibility fields."""

    MODEL = "model", "Model"
    DATA = "data", "Training data"
    CODE = "code", "Code"
    CONFIGURATION = "configuration", "Configuration"


# The field of AISystem that holds the current version of each kind.
VERSION_FIELDS = {
    VersionKind.MODEL: "model_version",
    VersionKind.DATA: "training_data_version",
    VersionKind.CODE: "code_version",
    VersionKind.CONFIGURATION: "configuration_version",
}


class VersionStatus(models.TextChoices):
    PENDING = "pending", "Change review owed"
    APPROVED = "approved", "Approved by a change review"
    WAIVED = "waived", "Review waived by the committee"


class SystemVersionQuerySet(TeamScopedQuerySet):
    team_path = "system__team"

    def pending(self):
        return self.filter(status=VersionStatus.PENDING)


class SystemVersion(ReferenceMixin, TimeStampedModel):
    """A new model, training data, code or configuration version recorded for a system: a
    **material change**. Until a change review of the system's safety plan is approved (or the
    committee waives it, saying why), the approved plan is stale for this version and the
    deployment gate refuses it (:mod:`apps.systems.gate`)."""

    REFERENCE_PREFIX = "VER"

    system = models.ForeignKey(AISystem, on_delete=models.PROTECT, related_name="versions")
    kind = models.CharField(max_length=20, choices=VersionKind.choices)
    value = models.CharField(
        "version",
        max_length=200,
        help_text="As the deployment pipeline names it (a tag, a digest, a model name).",
    )
    previous_value = models.CharField("previous version", max_length=200, blank=True)
    note = models.TextField(
        "what changed",
        blank=True,
        help_text="What is different and why: the reviewers read it with the change review.",
    )
    status = models.CharField(
        max_length=20, choices=VersionStatus.choices, default=VersionStatus.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who waived the review, or whose decision approved the change.",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(
        blank=True, help_text="Why the review was waived, or the review that approved it."
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = SystemVersionQuerySet.as_manager()

    class Meta:
        verbose_name = "system version"
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            models.Index(fields=["system", "value"], name="system_version_value_idx"),
            models.Index(
                fields=["system", "recorded_at"],
                condition=Q(status="pending"),
                name="system_version_pending_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="decided_version_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="waived")
                | (Q(decided_by__isnull=False) & ~Q(decision_note="")),
                name="waived_version_says_who_and_why",
                violation_error_message="A waiver says who waived the review and why.",
            ),
            models.CheckConstraint(condition=~Q(value=""), name="version_has_a_value"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} version {self.value}"

    def get_absolute_url(self):
        return reverse_pk("systems:version_detail", self.pk)

    @property
    def is_pending(self) -> bool:
        return self.status == VersionStatus.PENDING
