"""Risks: what can go wrong with one AI system, its two assessments and its treatment.

Also the catalogues risks draw on (categories, framework references, the risk library), the
configurable risk matrix, and risk acceptances.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
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
from apps.risks import scoring
from apps.risks.treatment import DefenceLayer, MitigationKind


class Likelihood(models.IntegerChoices):
    RARE = 1, "1 · Rare"
    UNLIKELY = 2, "2 · Unlikely"
    POSSIBLE = 3, "3 · Possible"
    LIKELY = 4, "4 · Likely"
    ALMOST_CERTAIN = 5, "5 · Almost certain"


class Impact(models.IntegerChoices):
    NEGLIGIBLE = 1, "1 · Negligible"
    MINOR = 2, "2 · Minor"
    MODERATE = 3, "3 · Moderate"
    MAJOR = 4, "4 · Major"
    SEVERE = 5, "5 · Severe"


class Treatment(models.TextChoices):
    MITIGATE = "mitigate", "Mitigate"
    ACCEPT = "accept", "Accept"
    TRANSFER = "transfer", "Transfer"
    AVOID = "avoid", "Avoid"


# Where a risk sits in both heat maps: its cells and levels before and after mitigation.
CELL_FIELDS = [
    "inherent_likelihood",
    "inherent_impact",
    "inherent_level",
    "residual_likelihood",
    "residual_impact",
    "residual_level",
]


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    TREATED = "treated", "Treated"
    CLOSED = "closed", "Closed"


class Framework(models.TextChoices):
    NIST_AI_RMF = "nist_ai_rmf", "NIST AI RMF 1.0"
    NIST_AI_600_1 = "nist_ai_600_1", "NIST AI 600-1 (generative AI profile)"
    EU_AI_ACT = "eu_ai_act", "EU AI Act"
    OWASP_LLM = "owasp_llm", "OWASP Top 10 for LLM applications 2025"
    MITRE_ATLAS = "mitre_atlas", "MITRE ATLAS"
    ISO_42001 = "iso_42001", "ISO/IEC 42001 Annex A"


# --- Catalogues ---------------------------------------------------------------------------------
class RiskCategory(models.Model):
    """A node of the two-level taxonomy: a category, or a subcategory of one."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "risk categories"
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "slug"], name="unique_category_slug_per_parent"
            ),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(parent__isnull=True),
                name="unique_top_level_category_slug",
            ),
        ]

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    @property
    def path(self) -> str:
        """``model-error/hallucination``: how imports and the library name a category."""
        return f"{self.parent.slug}/{self.slug}" if self.parent_id else self.slug


class FrameworkReference(models.Model):
    """One item of a public framework that a risk may cite (``LLM01:2025``, ``MAP 2.2``…)."""

    framework = models.CharField(max_length=20, choices=Framework.choices, db_index=True)
    code = models.CharField(max_length=60, unique=True)
    title = models.CharField(max_length=255)

    class Meta:
        ordering = ["framework", "code"]

    def __str__(self):
        return f"{self.code} — {self.title}"


# --- The risk matrix ------------------------------------------------------------------------------
class RiskMatrix(models.Model):
    """Scoring bands (score = likelihood × impact, 1–25) and treatment deadlines per level.

    A single row that administrators edit; changing it recomputes every stored level and due
    date in one set-based update (:func:`apps.risks.services.apply_risk_matrix`).
    """

    critical_min_score = models.PositiveSmallIntegerField("Critical from score", default=16)
    high_min_score = models.PositiveSmallIntegerField("High from score", default=10)
    medium_min_score = models.PositiveSmallIntegerField("Medium from score", default=5)
    critical_days = models.PositiveSmallIntegerField(
        "plan a Critical risk within (days)", default=7
    )
    high_days = models.PositiveSmallIntegerField("plan a High risk within (days)", default=30)
    medium_days = models.PositiveSmallIntegerField("plan a Medium risk within (days)", default=90)
    low_days = models.PositiveSmallIntegerField("plan a Low risk within (days)", default=180)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "risk matrix"
        verbose_name_plural = "risk matrix"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="risk_matrix_single_row"),
            models.CheckConstraint(
                condition=Q(medium_min_score__gte=2)
                & Q(high_min_score__gt=F("medium_min_score"))
                & Q(critical_min_score__gt=F("high_min_score"))
                & Q(critical_min_score__lte=25),
                name="risk_matrix_bands_ordered",
                violation_error_message="Bands must rise: 2 ≤ Medium < High < Critical ≤ 25.",
            ),
            models.CheckConstraint(
                condition=Q(critical_days__gte=1)
                & Q(high_days__gte=F("critical_days"))
                & Q(medium_days__gte=F("high_days"))
                & Q(low_days__gte=F("medium_days")),
                name="risk_matrix_deadlines_ordered",
                violation_error_message="A more severe level cannot have a later deadline.",
            ),
        ]

    def __str__(self):
        return "Risk matrix"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> RiskMatrix:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    def level_for(self, score: int) -> Level:
        return scoring.level_for(score, **scoring.bands(self))

    def min_score(self, level: int) -> int:
        return {
            Level.CRITICAL: self.critical_min_score,
            Level.HIGH: self.high_min_score,
            Level.MEDIUM: self.medium_min_score,
            Level.LOW: 1,
        }[level]

    def deadline_days(self, level: int) -> int:
        return {
            Level.CRITICAL: self.critical_days,
            Level.HIGH: self.high_days,
            Level.MEDIUM: self.medium_days,
            Level.LOW: self.low_days,
        }[level]

    def grid(self) -> list[list[dict]]:
        """The 5×5 matrix, impact rows from 5 down to 1, for display."""
        return [
            [
                {"likelihood": likelihood, "impact": impact, "score": likelihood * impact}
                | {"level": self.level_for(likelihood * impact)}
                for likelihood in range(1, 6)
            ]
            for impact in range(5, 0, -1)
        ]


# --- The risk library -----------------------------------------------------------------------------
class RiskTemplate(models.Model):
    """A reusable risk: suggested scenario, category, references and mitigations."""

    key = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=255)
    category = models.ForeignKey(RiskCategory, on_delete=models.PROTECT, related_name="templates")
    scenario = models.TextField()
    ai_kinds = models.CharField(
        "suggested for kinds of AI",
        max_length=200,
        blank=True,
        help_text="Space-separated AI kinds (e.g. “generative agent”); empty for every kind.",
    )
    inherent_likelihood = models.PositiveSmallIntegerField(choices=Likelihood.choices)
    inherent_impact = models.PositiveSmallIntegerField(choices=Impact.choices)
    framework_references = models.ManyToManyField(
        FrameworkReference, blank=True, related_name="templates"
    )
    is_active = models.BooleanField(
        default=True, help_text="Retired templates are no longer offered."
    )

    history = HistoricalRecords(m2m_fields=[framework_references])

    class Meta:
        ordering = ["category__parent__position", "category__position", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(inherent_likelihood__range=(1, 5), inherent_impact__range=(1, 5)),
                name="template_assessment_in_range",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("library:template_detail", args=[self.key])

    @property
    def ai_kind_list(self) -> list[str]:
        return self.ai_kinds.split()

    def clean(self):
        self.ai_kinds = self.normalise_ai_kinds(self.ai_kinds.split())

    @staticmethod
    def normalise_ai_kinds(kinds) -> str:
        """Stored as `` generative agent `` (spaces around) so that one LIKE finds a kind."""
        kinds = sorted({kind.strip() for kind in kinds if kind.strip()})
        return f" {' '.join(kinds)} " if kinds else ""

    @classmethod
    def for_ai_kind_q(cls, ai_kind: str) -> Q:
        """Templates suggested for a kind of AI, or for every kind."""
        return Q(ai_kinds="") | Q(ai_kinds__contains=f" {ai_kind} ")


class RiskTemplateMitigation(models.Model):
    """A mitigation that a template suggests; copied as a planned mitigation."""

    template = models.ForeignKey(
        RiskTemplate, on_delete=models.CASCADE, related_name="suggested_mitigations"
    )
    title = models.CharField(max_length=255)
    description = models.TextField()
    kind = models.CharField(max_length=30, choices=MitigationKind.choices)
    layer = models.CharField("defence layer", max_length=20, choices=DefenceLayer.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "position"]

    def __str__(self):
        return self.title


# --- Risks ----------------------------------------------------------------------------------------
class RiskQuerySet(ArchivableQuerySet, TeamScopedQuerySet):
    team_path = "system__team"

    def live(self):
        """Risks that count for their system: not archived, not closed."""
        return self.active().exclude(status=RiskStatus.CLOSED)


class Risk(
    ConstraintErrorFieldsMixin, ReferenceMixin, ArchivableModel, VersionedModel, TimeStampedModel
):
    """One thing that can go wrong with one system, assessed before and after mitigation."""

    REFERENCE_PREFIX = "RSK"
    constraint_error_fields = {
        "risk_residual_not_above_inherent": "residual_impact",
        "unique_active_risk_title_per_system": "title",
    }

    system = models.ForeignKey("systems.AISystem", on_delete=models.PROTECT, related_name="risks")
    title = models.CharField(max_length=255)
    scenario = models.TextField(
        help_text="What happens, to whom, and how it would be noticed.",
    )
    category = models.ForeignKey(RiskCategory, on_delete=models.PROTECT, related_name="risks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_risks"
    )
    framework_references = models.ManyToManyField(
        FrameworkReference, blank=True, related_name="risks"
    )
    template = models.ForeignKey(
        RiskTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risks",
        editable=False,
        help_text="The library template this risk was created from.",
    )

    inherent_likelihood = models.PositiveSmallIntegerField(choices=Likelihood.choices)
    inherent_impact = models.PositiveSmallIntegerField(choices=Impact.choices)
    residual_likelihood = models.PositiveSmallIntegerField(choices=Likelihood.choices)
    residual_impact = models.PositiveSmallIntegerField(choices=Impact.choices)

    # Derived, kept by apps.risks.services (and by apply_risk_matrix, set-based).
    inherent_score = models.PositiveSmallIntegerField(editable=False)
    residual_score = models.PositiveSmallIntegerField(editable=False)
    inherent_level = models.PositiveSmallIntegerField(choices=Level.choices, editable=False)
    residual_level = models.PositiveSmallIntegerField(choices=Level.choices, editable=False)
    assessed_on = models.DateField(
        default=datetime.date.today,
        editable=False,
        help_text="When the inherent assessment last changed; the treatment deadline runs "
        "from here.",
    )
    treatment_due = models.DateField("treatment due", editable=False)

    treatment = models.CharField(
        max_length=20, choices=Treatment.choices, default=Treatment.MITIGATE
    )
    status = models.CharField(max_length=20, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    # Derived, kept by the mitigations' writes (apps.mitigations.coverage): whether at least one
    # linked mitigation is implemented or verified. Stored so that the dashboard's coverage is a
    # column of its matrix index rather than a semi-join of every risk with every link.
    has_mitigation_in_place = models.BooleanField(default=False, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        editable=False,
    )

    # The coverage flag is derived from the mitigations (whose own history records the change).
    history = HistoricalRecords(
        excluded_fields=["updated_at", "has_mitigation_in_place"],
        m2m_fields=[framework_references],
    )

    objects = RiskQuerySet.as_manager()

    class Meta:
        ordering = ["-residual_score", "title"]
        indexes = [
            models.Index(fields=["system", "archived_at"], name="risk_system_idx"),
            models.Index(fields=["category"], name="risk_category_idx"),
            models.Index(fields=["owner"], name="risk_owner_idx"),
            models.Index(fields=["inherent_level"], name="risk_inherent_level_idx"),
            models.Index(fields=["residual_level"], name="risk_residual_level_idx"),
            models.Index(fields=["-residual_score", "title"], name="risk_default_order_idx"),
            models.Index(fields=["treatment"], name="risk_treatment_idx"),
            models.Index(fields=["status", "treatment_due"], name="risk_status_due_idx"),
            models.Index(fields=["updated_at"], name="risk_updated_idx"),
            models.Index(
                fields=["inherent_likelihood", "inherent_impact"], name="risk_inherent_cell_idx"
            ),
            models.Index(
                fields=["residual_likelihood", "residual_impact"], name="risk_residual_cell_idx"
            ),
            # The heat maps and counts of live risks, read from this index alone (on
            # PostgreSQL; SQLite has no covering index and gets the plain one).
            CoveringIndex(
                fields=CELL_FIELDS,
                include=["status", "treatment_due", "has_mitigation_in_place", "system", "id"],
                condition=Q(archived_at__isnull=True),
                name="risk_live_matrix_idx",
            ),
            # The dashboard's overdue treatments: open live risks by due date, with their
            # system for a team's count (the heat maps come from RiskTally).
            CoveringIndex(
                fields=["treatment_due"],
                include=["system"],
                condition=Q(archived_at__isnull=True, status="open"),
                name="risk_open_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    inherent_likelihood__range=(1, 5),
                    inherent_impact__range=(1, 5),
                    residual_likelihood__range=(1, 5),
                    residual_impact__range=(1, 5),
                ),
                name="risk_assessment_in_range",
                violation_error_message="Likelihood and impact are on a scale of 1 to 5.",
            ),
            models.CheckConstraint(
                condition=Q(inherent_score=F("inherent_likelihood") * F("inherent_impact"))
                & Q(residual_score=F("residual_likelihood") * F("residual_impact")),
                name="risk_score_is_product",
            ),
            models.CheckConstraint(
                condition=Q(residual_score__lte=F("inherent_score")),
                name="risk_residual_not_above_inherent",
                violation_error_message="The residual risk (after mitigation) cannot score "
                "higher than the inherent risk (before mitigation): lower the residual "
                "likelihood or impact, or raise the inherent assessment.",
            ),
            models.UniqueConstraint(
                "system",
                Lower("title"),
                condition=Q(archived_at__isnull=True),
                name="unique_active_risk_title_per_system",
                violation_error_message="This system already has a risk with this title.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # An edit of a risk never writes the coverage flag back: the value it read may be stale
        # by now (a mitigation put in place meanwhile); only the mitigations' writes set it.
        if not self._state.adding and kwargs.get("update_fields") is None:
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key
                and field.attname not in deferred
                and field.name != "has_mitigation_in_place"
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse_pk("risks:detail", self.pk)

    @property
    def is_overdue(self) -> bool:
        return self.status == RiskStatus.OPEN and self.treatment_due < timezone.localdate()


class RiskTally(models.Model):
    """How many live risks of a team sit in one cell of both heat maps, with or without a
    mitigation in place: the dashboard's risk figures read from a few thousand rows instead of
    every risk (PostgreSQL only; elsewhere the dashboard counts the risks themselves).

    Kept by the database itself: statement-level triggers on the risks (and on a system's team)
    append one row per cell a statement changed, with the signed difference in ``n``
    (migration 0008; a bulk insert of 10,000 risks adds a few hundred rows, never one per risk).
    Append-only, so that two people saving risks of the same team never wait for each other on
    a shared counter; :func:`apps.risks.tally.compact` folds the rows into one per cell (the
    daily sweep's housekeeping). A cell's count is the sum of its rows.
    """

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    inherent_likelihood = models.PositiveSmallIntegerField()
    inherent_impact = models.PositiveSmallIntegerField()
    inherent_level = models.PositiveSmallIntegerField()
    residual_likelihood = models.PositiveSmallIntegerField()
    residual_impact = models.PositiveSmallIntegerField()
    residual_level = models.PositiveSmallIntegerField()
    covered = models.BooleanField(help_text="The risks have a mitigation in place.")
    n = models.BigIntegerField(help_text="How many risks: a signed difference until compacted.")

    class Meta:
        indexes = [models.Index(fields=["team"], name="risk_tally_team_idx")]

    def __str__(self):
        return f"{self.n:+d} risks of team {self.team_id}"


class AcceptanceStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a committee decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


class RiskAcceptanceQuerySet(TeamScopedQuerySet):
    team_path = "risk__system__team"


class RiskAcceptance(ReferenceMixin, models.Model):
    """A request to accept a risk as it is, and the committee's decision on it."""

    REFERENCE_PREFIX = "ACC"

    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="acceptances")
    rationale = models.TextField(
        help_text="Why living with this residual risk is justified, and how it is monitored."
    )
    expires_on = models.DateField(help_text="After this date the risk is open again.")
    status = models.CharField(
        max_length=20, choices=AcceptanceStatus.choices, default=AcceptanceStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_acceptances"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_acceptances",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    history = HistoricalRecords()

    objects = RiskAcceptanceQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["status", "expires_on"], name="acceptance_status_idx"),
            # The committee's first pending acceptances, oldest first ("Waiting for you"): read
            # in order until enough are found, not all of them sorted (12,500 pending among a
            # million risks: 190 ms sorted).
            models.Index(
                fields=["requested_at", "id"],
                condition=Q(status=AcceptanceStatus.PENDING),
                name="acceptance_pending_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["risk"],
                condition=Q(status__in=["pending", "approved"]),
                name="one_live_acceptance_per_risk",
                violation_error_message="This risk already has an acceptance pending or in force.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "withdrawn"]) | Q(decided_at__isnull=False),
                name="decided_acceptance_has_date",
            ),
        ]

    def __str__(self):
        return f"Acceptance of {self.risk}"

    def get_absolute_url(self):
        return reverse("risks:acceptance_detail", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.status in (AcceptanceStatus.PENDING, AcceptanceStatus.APPROVED)
