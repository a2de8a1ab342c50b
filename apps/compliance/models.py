"""Compliance: requirement catalogues (EU AI Act, ISO/IEC 42001, NIST AI RMF, the organisation's
own), the rules that say which requirements apply to a system, the dates that matter, and each
system's obligations with their status, owner, due date, evidence and links.

The catalogues are data (``apps/compliance/catalogues/*.yaml``, loaded by ``manage.py
load_catalogues``); which obligations a system has is derived from its facts by one service
(:func:`apps.compliance.applicability.recompute_obligations`), never typed by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.accounts.permissions import TeamScopedQuerySet
from apps.core.indexes import CoveringIndex
from apps.core.links import reverse_pk
from apps.core.models import Evidence, ReferenceMixin, TimeStampedModel, VersionedModel
from apps.risks.models import AcceptanceStatus

__all__ = [
    "AcceptanceStatus",
    "Applicability",
    "ApplicabilityRule",
    "Catalogue",
    "CatalogueScope",
    "KeyDate",
    "Obligation",
    "ObligationException",
    "ObligationStatus",
    "Requirement",
    "RequirementKind",
]


class CatalogueScope(models.TextChoices):
    SYSTEM = "system", "Per system: its rules derive each system's obligations"
    ORGANISATION = (
        "organisation",
        "Organisation-wide: answered once (e.g. a Statement of Applicability)",
    )


class CatalogueQuerySet(models.QuerySet):
    def current(self):
        """The versions in force (not retired)."""
        return self.filter(retired_at__isnull=True)


class Catalogue(TimeStampedModel):
    """One version of a set of requirements: a law, a standard, a framework or an internal
    policy. A new version of a framework retires the previous one; retired versions stay, with
    their requirements and history."""

    framework = models.SlugField(
        max_length=60,
        help_text="Stable key of the framework, the same for all its versions: eu-ai-act, "
        "iso-42001, nist-ai-rmf, or your own (e.g. internal-ai-policy).",
    )
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=100)
    source_note = models.TextField(
        blank=True, help_text="Where the requirements come from, and how far they were verified."
    )
    scope = models.CharField(
        max_length=20, choices=CatalogueScope.choices, default=CatalogueScope.SYSTEM
    )
    is_builtin = models.BooleanField(
        "shipped with the register",
        default=False,
        editable=False,
        help_text="Loaded from the files shipped with the register (manage.py load_catalogues).",
    )
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        ordering = ["name", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "version"],
                name="unique_catalogue_version",
                violation_error_message="This version of this framework is already loaded.",
            ),
            models.UniqueConstraint(
                fields=["framework"],
                condition=Q(retired_at__isnull=True),
                name="one_current_catalogue_per_framework",
                violation_error_message="Only one version of a framework is in force at a time.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.version})"

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class RequirementKind(models.TextChoices):
    ARTICLE = "article", "Article"
    OBJECTIVE = "objective", "Objective"
    CONTROL = "control", "Control"
    FUNCTION = "function", "Function"
    CATEGORY = "category", "Category"
    SUBCATEGORY = "subcategory", "Subcategory"
    SECTION = "section", "Section"
    REQUIREMENT = "requirement", "Requirement"


class Requirement(models.Model):
    """One item of a catalogue: an article, a control, a subcategory… Identifiers are the
    framework's own, exactly as ``shared/reference/frameworks.md`` writes them ("Art. 9",
    "A.6.2.4", "GOVERN 1.1"); titles are the official ones, summaries the register's words."""

    catalogue = models.ForeignKey(Catalogue, on_delete=models.PROTECT, related_name="requirements")
    identifier = models.CharField(max_length=60)
    title = models.CharField(max_length=255)
    summary = models.TextField(blank=True, help_text="What it asks, in the register's words.")
    kind = models.CharField(
        max_length=20, choices=RequirementKind.choices, default=RequirementKind.REQUIREMENT
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The objective, function or category it belongs to.",
    )
    binds_provider = models.BooleanField("binds providers", default=False)
    binds_deployer = models.BooleanField("binds deployers", default=False)
    binds_gpai_provider = models.BooleanField("binds providers of GPAI models", default=False)
    is_blocking = models.BooleanField(
        "blocking",
        default=False,
        help_text="Must be implemented (or an exception approved by the committee) before the "
        "system's deployment is approved.",
    )
    position = models.PositiveIntegerField("order", default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["catalogue", "position", "pk"]
        indexes = [models.Index(fields=["catalogue", "position"], name="requirement_order_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["catalogue", "identifier"],
                name="unique_requirement_per_catalogue",
                violation_error_message="This catalogue already has a requirement with this ID.",
            ),
        ]

    def __str__(self):
        return f"{self.identifier} {self.title}"

    def get_absolute_url(self):
        return reverse_pk("compliance:requirement_detail", self.pk)

    @property
    def binds(self) -> list[str]:
        """Who it binds under the EU AI Act, in words."""
        return [
            label
            for flag, label in (
                (self.binds_provider, "providers"),
                (self.binds_deployer, "deployers"),
                (self.binds_gpai_provider, "providers of general-purpose AI models"),
            )
            if flag
        ]


class ApplicabilityRule(models.Model):
    """Data from a catalogue: when a system's facts meet ``conditions``, ``requirements`` apply
    to it. ``conditions`` maps a fact (a field of the AI system, see
    :data:`apps.compliance.facts.FACTS`) to the values that meet it, all facts together::

        {"eu_ai_act_tier": ["high_risk"], "eu_ai_act_role": ["provider", "provider_and_deployer"]}

    ``{}`` meets every system."""

    catalogue = models.ForeignKey(Catalogue, on_delete=models.PROTECT, related_name="rules")
    key = models.SlugField(max_length=100)
    description = models.CharField(
        max_length=255, help_text="When it applies, in words: shown as why an obligation applies."
    )
    conditions = models.JSONField(default=dict, blank=True)
    requirements = models.ManyToManyField(Requirement, related_name="rules")
    position = models.PositiveIntegerField("order", default=0)

    history = HistoricalRecords(m2m_fields=[requirements])

    class Meta:
        ordering = ["catalogue", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "key"], name="unique_rule_per_catalogue"),
        ]

    def __str__(self):
        return self.description


class KeyDate(models.Model):
    """A date that matters (the EU AI Act's application dates…), the requirements whose due
    date it sets and, optionally, the systems it concerns (``conditions``, as a rule's).

    Administrators change them (with history); the obligations' due dates follow
    (:func:`apps.compliance.services.update_key_date`). A date that an amendment moved is kept,
    ``superseded`` by the new one, and no longer sets any due date."""

    key = models.SlugField(max_length=100, unique=True)
    framework = models.SlugField(max_length=60, blank=True)
    label = models.CharField(max_length=255)
    date = models.DateField()
    source_note = models.TextField(help_text="Where the date comes from, and how sure it is.")
    requirements = models.ManyToManyField(Requirement, blank=True, related_name="key_dates")
    conditions = models.JSONField(
        default=dict,
        blank=True,
        help_text='The systems it concerns, as an applicability rule: e.g. {"eu_ai_act_area": '
        '["annex_i"]}. Empty: every system the requirements apply to.',
    )
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="superseded_by",
        help_text="The earlier date this one replaces (an amendment): that one sets no due date "
        "any more.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[requirements])

    class Meta:
        ordering = ["date", "label"]

    def __str__(self):
        return f"{self.date:%d %b %Y}: {self.label}"


class ObligationStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    IMPLEMENTED = "implemented", "Implemented"
    VERIFIED = "verified", "Verified"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


# Statuses in which an obligation still needs work (it can be overdue).
OPEN_STATUSES = (ObligationStatus.NOT_STARTED, ObligationStatus.IN_PROGRESS)
# Statuses in which it is met.
MET_STATUSES = (ObligationStatus.IMPLEMENTED, ObligationStatus.VERIFIED)


class Applicability(models.TextChoices):
    APPLIES = "applies", "Applies"
    NO_LONGER_APPLIES = "no_longer_applies", "No longer applicable"


class ObligationQuerySet(TeamScopedQuerySet):
    team_path = "system__team"

    def applying(self):
        return self.filter(applicability=Applicability.APPLIES)

    def open(self):
        return self.applying().filter(status__in=OPEN_STATUSES)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.open().filter(due_date__lt=today)


class Obligation(ReferenceMixin, VersionedModel, TimeStampedModel):
    """A requirement that applies to one system, and the work that meets it.

    Created and kept by the applicability service from the system's facts: ``why`` says which
    facts made it apply; when they no longer do, it is marked no longer applicable with the
    reason (never deleted), and applies again if they come back."""

    REFERENCE_PREFIX = "OBL"

    system = models.ForeignKey(
        "systems.AISystem", on_delete=models.PROTECT, related_name="obligations"
    )
    requirement = models.ForeignKey(
        Requirement, on_delete=models.PROTECT, related_name="obligations"
    )

    # Derived by the applicability service.
    applicability = models.CharField(
        max_length=20,
        choices=Applicability.choices,
        default=Applicability.APPLIES,
        editable=False,
    )
    applicability_reason = models.TextField("why it no longer applies", blank=True, editable=False)
    applicability_changed_at = models.DateTimeField(
        "applicability changed", null=True, blank=True, editable=False
    )
    why = models.TextField(
        "why it applies", editable=False, help_text="The facts of the system that make it apply."
    )
    triggered_by = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text='{"rules": [rule keys], "facts": {fact: value}}: the same, for programs.',
    )
    key_date = models.ForeignKey(
        KeyDate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="obligations",
        editable=False,
        help_text="The key date that sets its due date (unless the team set one).",
    )

    # The work, written by people.
    status = models.CharField(
        max_length=20, choices=ObligationStatus.choices, default=ObligationStatus.NOT_STARTED
    )
    justification = models.TextField(
        blank=True,
        help_text="Why it does not apply to this system (required for “not applicable”).",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_obligations",
    )
    custom_due_date = models.DateField(
        "due date set by the team",
        null=True,
        blank=True,
        help_text="Leave empty to follow the key date of the requirement.",
    )
    due_date = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The team's date if set, otherwise the key date's.",
    )
    notes = models.TextField(blank=True)
    mitigations = models.ManyToManyField(
        "mitigations.Mitigation", blank=True, related_name="obligations"
    )
    risks = models.ManyToManyField("risks.Risk", blank=True, related_name="obligations")
    evidence = GenericRelation(Evidence, related_query_name="obligation")

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[mitigations, risks])

    objects = ObligationQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["system", "applicability"], name="obligation_system_idx"),
            models.Index(fields=["requirement", "status"], name="obligation_requirement_idx"),
            models.Index(fields=["status", "due_date"], name="obligation_status_due_idx"),
            models.Index(fields=["owner"], name="obligation_owner_idx"),
            models.Index(fields=["updated_at"], name="obligation_updated_idx"),
            # Open obligations by due date: overdue lists, counts and reminders.
            models.Index(
                fields=["due_date", "id"],
                condition=Q(applicability="applies", status__in=["not_started", "in_progress"]),
                name="obligation_open_due_idx",
            ),
            # The home dashboard's compliance figures (met, verified, overdue of the obligations
            # that apply), read from this index alone: at 112,832 obligations a scan of the
            # table read 12,000 pages, the index a few hundred.
            CoveringIndex(
                fields=["system"],
                include=["status", "due_date", "id"],
                condition=Q(applicability="applies"),
                name="obligation_applies_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "requirement"],
                name="one_obligation_per_system_and_requirement",
            ),
            models.CheckConstraint(
                condition=~Q(status=ObligationStatus.NOT_APPLICABLE) | ~Q(justification=""),
                name="not_applicable_obligation_is_justified",
                violation_error_message="Say why this obligation does not apply to the system.",
            ),
            models.CheckConstraint(
                condition=Q(applicability=Applicability.APPLIES) | ~Q(applicability_reason=""),
                name="inapplicable_obligation_says_why",
            ),
        ]

    def __str__(self):
        return f"{self.requirement.identifier} for {self.system}"

    def get_absolute_url(self):
        return reverse_pk("compliance:obligation_detail", self.pk)

    @property
    def applies(self) -> bool:
        return self.applicability == Applicability.APPLIES

    @property
    def is_met(self) -> bool:
        return self.status in MET_STATUSES

    @property
    def is_overdue(self) -> bool:
        return (
            self.applies
            and self.status in OPEN_STATUSES
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )


class ObligationExceptionQuerySet(TeamScopedQuerySet):
    team_path = "obligation__system__team"

    def in_force(self, today=None):
        today = today or timezone.localdate()
        return self.filter(status=AcceptanceStatus.APPROVED, expires_on__gte=today)


class ObligationException(ReferenceMixin, models.Model):
    """The committee's acceptance that a blocking obligation is not met yet, until a date.

    Shaped like a risk acceptance (:class:`apps.risks.models.RiskAcceptance`, whose statuses it
    shares) but about an obligation: a risk acceptance needs a risk, and an unmet obligation is
    not always one. Requested by the system's team, decided by a committee member who neither
    requested it nor owns the system; it lapses on its expiry date."""

    REFERENCE_PREFIX = "EXC"

    obligation = models.ForeignKey(Obligation, on_delete=models.PROTECT, related_name="exceptions")
    reason = models.TextField(
        help_text="Why the system may go ahead before this obligation is met, and what covers "
        "the gap meanwhile."
    )
    expires_on = models.DateField(help_text="After this date the obligation blocks again.")
    status = models.CharField(
        max_length=20, choices=AcceptanceStatus.choices, default=AcceptanceStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="approver",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    history = HistoricalRecords()

    objects = ObligationExceptionQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "expires_on"], name="obligation_exception_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["obligation"],
                condition=Q(status__in=["pending", "approved"]),
                name="one_live_exception_per_obligation",
                violation_error_message="This obligation already has an exception pending or in "
                "force.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "withdrawn"]) | Q(decided_at__isnull=False),
                name="decided_exception_has_date",
            ),
        ]

    def __str__(self):
        return f"Exception for {self.obligation}"

    def get_absolute_url(self):
        return reverse("compliance:exception_detail", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.status in (AcceptanceStatus.PENDING, AcceptanceStatus.APPROVED)


# The Statement of Applicability (helper C3) lives in its own module, imported here for Django.
from apps.compliance.models_soa import SoAEntry, SoAVersion, SoAVersionEntry  # noqa: E402, F401
