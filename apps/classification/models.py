"""EU AI Act classification: the records that say which tier a system is in, and why.

A person answers the questionnaire (:mod:`apps.classification.questionnaire`) step by step; the
answers wait in a :class:`ClassificationDraft` (so that Back, Next and a reload lose nothing)
until they are saved as a numbered :class:`ClassificationRecord` of the system: the answers, the
result they lead to and its rationale, frozen. Only its status moves on afterwards (applied to
the system, sent to the committee, confirmed or not). :class:`SystemClassification` keeps, per
system, its latest record and whether the facts that record rests on changed since
("classification to confirm").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from apps.accounts.permissions import TeamScopedQuerySet
from apps.core.links import reverse_pk
from apps.core.models import ReferenceMixin, TimeStampedModel, VersionedModel
from apps.systems.models import AnnexIIIArea, AnnexIIIPoint, EUAIActTier

# The facts of a system its classification rests on: when one changes after its latest record,
# the classification is to confirm (the kind of AI, who is affected, its purpose, whether it
# decides or advises).
WATCHED_FACTS = (
    "ai_kind",
    "purpose",
    "decision_role",
    "affects_customers",
    "affects_employees",
    "affects_public",
)


class RecordStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPLIED = "applied", "Applied to the system"
    AWAITING_CONFIRMATION = "awaiting_confirmation", "Awaiting committee confirmation"
    CONFIRMED = "confirmed", "Confirmed by the committee"
    NOT_CONFIRMED = "not_confirmed", "Not confirmed by the committee"


class ImmutableRecordError(Exception):
    """Raised on any attempt to change what a saved classification says, or to delete one."""


# What may change on a saved record: its status and its bookkeeping, never what it says.
MUTABLE_FIELDS = frozenset(
    {"status", "applied_at", "applied_by", "review", "decided_at", "version", "updated_at"}
)


class ClassificationRecordQuerySet(TeamScopedQuerySet):
    team_path = "system__team"

    def update(self, **kwargs):
        frozen = set(kwargs) - MUTABLE_FIELDS - {f"{name}_id" for name in MUTABLE_FIELDS}
        if frozen:
            raise ImmutableRecordError(
                f"A saved classification never changes ({', '.join(sorted(frozen))})."
            )
        return super().update(**kwargs)

    def delete(self):
        raise ImmutableRecordError("Saved classifications are never deleted.")


class ClassificationRecord(ReferenceMixin, VersionedModel, TimeStampedModel):
    """One classification of one system: the questionnaire's answers and the result they lead
    to, numbered per system (v1, v2…). Once saved, what it says never changes; its status
    follows what was done with it."""

    REFERENCE_PREFIX = "CLS"

    system = models.ForeignKey(
        "systems.AISystem", on_delete=models.PROTECT, related_name="classifications"
    )
    number = models.PositiveIntegerField("version")
    answers = models.JSONField(help_text="The questionnaire's answers, question key → answer.")

    # The result (apps.classification.questionnaire.classify)
    in_scope = models.BooleanField(
        "an AI system (Art. 3(1))", default=True, help_text="An AI system in the Act's sense."
    )
    tier = models.CharField("proposed tier", max_length=20, choices=EUAIActTier.choices)
    annex_iii_area = models.CharField(
        "high-risk area", max_length=20, choices=AnnexIIIArea.choices, blank=True
    )
    annex_iii_point = models.CharField(
        "Annex III point", max_length=1, choices=AnnexIIIPoint.choices, blank=True
    )
    exemption_claimed = models.BooleanField("Art. 6(3) exemption claimed", default=False)
    prohibited_practices = models.JSONField(default=list, blank=True)
    transparency = models.JSONField(
        "transparency duties", default=list, blank=True, help_text="The Art. 50 triggers."
    )
    interacts_with_people = models.BooleanField(default=False)
    general_purpose_model = models.BooleanField("general-purpose AI model", default=False)
    systemic_risk = models.BooleanField(default=False)
    articles = models.JSONField("articles cited", default=list)
    rationale = models.TextField()
    needs_confirmation = models.BooleanField(
        "needs committee confirmation",
        default=False,
        help_text="An Art. 6(3) exemption, or a result other than high-risk for a system in an "
        "Annex III area: the committee confirms it before it applies.",
    )

    # What was done with it
    status = models.CharField(
        max_length=30, choices=RecordStatus.choices, default=RecordStatus.PROPOSED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review = models.ForeignKey(
        "reviews.Review",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The committee's review that confirms it (or not).",
    )
    decided_at = models.DateTimeField("committee decided", null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = ClassificationRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "classification record"
        ordering = ["system", "-number"]
        indexes = [
            models.Index(fields=["status"], name="classification_status_idx"),
            models.Index(fields=["tier"], name="classification_tier_idx"),
            models.Index(fields=["created_at"], name="classification_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "number"], name="unique_classification_number_per_system"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="classification_number_positive"
            ),
            models.CheckConstraint(
                condition=Q(exemption_claimed=False) | Q(needs_confirmation=True),
                name="exemption_needs_confirmation",
            ),
            models.CheckConstraint(
                condition=~Q(status="applied") | Q(applied_at__isnull=False),
                name="applied_classification_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["awaiting_confirmation", "confirmed", "not_confirmed"])
                | Q(needs_confirmation=True),
                name="only_confirmation_needing_classification_goes_to_committee",
            ),
        ]

    def __str__(self):
        return f"{self.system} · classification v{self.number}"

    @property
    def version_date(self):
        """When the version was recorded (the "Compare with" list: core/_compare_with.html)."""
        return self.created_at

    @property
    def version_note(self) -> str:
        """What the version said, beside its date in the "Compare with" list."""
        return self.get_tier_display()

    def get_absolute_url(self):
        return reverse_pk("classification:detail", self.pk)

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or set(fields) - MUTABLE_FIELDS:
                raise ImmutableRecordError(
                    "A saved classification never changes: make a new version instead."
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("A saved classification is never deleted.")

    @property
    def label(self) -> str:
        """``CLS-0012 v2``: how change reasons and pages name it."""
        return f"{self.reference} v{self.number}"

    @property
    def is_applied(self) -> bool:
        return self.applied_at is not None

    @property
    def tier_with_area(self) -> str:
        """The tier in words, with its Annex III area and point when it has them."""
        text = self.get_tier_display()
        if self.annex_iii_area:
            point = f"({self.annex_iii_point})" if self.annex_iii_point else ""
            if self.annex_iii_area == AnnexIIIArea.ANNEX_I:
                text += " — Annex I"
            else:
                text += f" — Annex III({self.annex_iii_area}){point}"
        if self.exemption_claimed:
            text += ", Art. 6(3) exemption claimed"
        return text


class SystemClassificationQuerySet(TeamScopedQuerySet):
    team_path = "system__team"

    def to_confirm(self):
        return self.filter(to_confirm=True)


class SystemClassification(models.Model):
    """A system's classification state: its latest record and whether the facts that record
    rests on (:data:`WATCHED_FACTS`) changed since — the flag "classification to confirm",
    cleared by the next record. Its key is the system's, so its history links to the system."""

    system = models.OneToOneField(
        "systems.AISystem",
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="classification_state",
    )
    latest = models.ForeignKey(
        ClassificationRecord,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="latest classification",
    )
    to_confirm = models.BooleanField("classification to confirm", default=False)
    changed_facts = models.JSONField(
        "facts changed since", default=list, blank=True, help_text="Field names of the system."
    )
    flagged_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    objects = SystemClassificationQuerySet.as_manager()

    class Meta:
        verbose_name = "classification state"
        indexes = [
            models.Index(
                fields=["flagged_at"], condition=Q(to_confirm=True), name="classification_flag_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_confirm=False) | Q(flagged_at__isnull=False),
                name="classification_flag_has_date",
            ),
        ]

    def __str__(self):
        return f"Classification of {self.system}"

    def get_absolute_url(self):
        return reverse_pk("systems:detail", self.system_id) + "#classification"


class ClassificationDraft(TimeStampedModel):
    """A person's answers so far, on the way to a record: one draft per system and person,
    kept until it is saved as a record or thrown away (not audited: nothing is decided yet)."""

    system = models.ForeignKey(
        "systems.AISystem", on_delete=models.CASCADE, related_name="classification_drafts"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(default=dict, blank=True)
    step = models.CharField("last step seen", max_length=30, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["system", "author"], name="one_classification_draft_per_person"
            )
        ]

    def __str__(self):
        return f"Draft classification of {self.system} by {self.author}"

    def get_absolute_url(self):
        return reverse("classification:wizard", args=[self.system_id])
