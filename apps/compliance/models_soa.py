"""The organisation's ISO/IEC 42001 Statement of Applicability (SoA).

For each Annex A control of the ISO/IEC 42001 catalogue in force (scope *organisation*), the
committee says whether it applies, why (or why not), how far it is implemented, and what
implements it: mitigations of the register and policies (named, or by address).

* :class:`SoAEntry` is the **draft**: one row per control, edited with history. A control with
  no row yet is *not decided*.
* Submitting the draft freezes it as a numbered :class:`SoAVersion` whose rows
  (:class:`SoAVersionEntry`) are copies: the committee decides on exactly what was read, and a
  decided version never changes (approved versions are the organisation's Statement of
  Applicability, the latest in force).

Kept apart from :mod:`apps.compliance.models` (which imports it, for Django to find the models)
and importing nothing from it: the models name the catalogue's tables by their labels.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.core.models import ConstraintErrorFieldsMixin, TimeStampedModel, VersionedModel
from apps.reviews.models import ImmutableRecordError

# The framework whose Annex A controls the Statement of Applicability answers.
SOA_FRAMEWORK = "iso-42001"
SOA_REQUIREMENT_KIND = "control"


class ControlApplicability(models.TextChoices):
    UNDECIDED = "undecided", "Not decided yet"
    APPLICABLE = "applicable", "Applicable"
    EXCLUDED = "excluded", "Not applicable"


class ControlImplementation(models.TextChoices):
    NOT_IMPLEMENTED = "not_implemented", "Not implemented"
    IN_PROGRESS = "in_progress", "Being implemented"
    IMPLEMENTED = "implemented", "Implemented"


def control_url(requirement_id: int) -> str:
    """A control's row on the draft's page (an entry has none of its own)."""
    return f"{reverse('compliance_org:soa')}#control-{requirement_id}"


class SoAEntry(ConstraintErrorFieldsMixin, VersionedModel, TimeStampedModel):
    """The draft answer for one Annex A control."""

    constraint_error_fields = {
        "excluded_soa_control_is_justified": "justification",
        "only_applicable_soa_control_is_implemented": "implementation",
    }

    requirement = models.OneToOneField(
        "compliance.Requirement",
        on_delete=models.PROTECT,
        related_name="soa_entry",
        verbose_name="control",
    )
    applicability = models.CharField(
        max_length=20,
        choices=ControlApplicability.choices,
        default=ControlApplicability.UNDECIDED,
    )
    justification = models.TextField(
        blank=True,
        help_text="Why the control is included or excluded (ISO/IEC 42001 asks for both).",
    )
    implementation = models.CharField(
        max_length=20,
        choices=ControlImplementation.choices,
        default=ControlImplementation.NOT_IMPLEMENTED,
    )
    mitigations = models.ManyToManyField(
        "mitigations.Mitigation",
        blank=True,
        related_name="soa_entries",
        help_text="Mitigations of the register that implement the control.",
    )
    policies = models.TextField(
        "policies and procedures",
        blank=True,
        help_text="One per line: the name of a policy or procedure, or its address.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[mitigations])

    class Meta:
        verbose_name = "Statement of Applicability entry"
        verbose_name_plural = "Statement of Applicability entries"
        ordering = ["requirement__position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(applicability=ControlApplicability.EXCLUDED) | ~Q(justification=""),
                name="excluded_soa_control_is_justified",
                violation_error_message="Say why the control does not apply to the organisation.",
            ),
            models.CheckConstraint(
                condition=Q(applicability=ControlApplicability.APPLICABLE)
                | Q(implementation=ControlImplementation.NOT_IMPLEMENTED),
                name="only_applicable_soa_control_is_implemented",
                violation_error_message="Only a control that applies is implemented: mark it "
                "applicable, or not implemented.",
            ),
        ]

    def __str__(self):
        return f"Statement of Applicability: {self.requirement}"

    def get_absolute_url(self):
        return control_url(self.requirement_id)

    @property
    def policy_lines(self) -> list[str]:
        return [line.strip() for line in self.policies.splitlines() if line.strip()]


class SoAVersionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the committee"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class SoAVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecordError(
            "A version of the Statement of Applicability is changed by "
            "its services only, one at a time."
        )

    def delete(self):
        raise ImmutableRecordError("Versions of the Statement of Applicability are never deleted.")


class SoAVersion(models.Model):
    """The draft frozen for the committee: numbered 1, 2, 3…; decided once (approved or
    rejected), or withdrawn before; never changed afterwards."""

    number = models.PositiveIntegerField(unique=True)
    catalogue = models.ForeignKey(
        "compliance.Catalogue",
        on_delete=models.PROTECT,
        related_name="soa_versions",
        help_text="The version of ISO/IEC 42001 Annex A it answers.",
    )
    status = models.CharField(
        max_length=20, choices=SoAVersionStatus.choices, default=SoAVersionStatus.PENDING
    )
    note = models.TextField(
        "note to the committee", blank=True, help_text="What changed, what to look at."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="decided by",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    history = HistoricalRecords()

    objects = SoAVersionQuerySet.as_manager()

    class Meta:
        verbose_name = "Statement of Applicability version"
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="soa_version_number_positive"),
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="pending"),
                name="one_pending_soa_version",
                violation_error_message="A version of the Statement of Applicability is already "
                "waiting for the committee.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "withdrawn"])
                | Q(decided_at__isnull=False, decided_by__isnull=False),
                name="decided_soa_version_has_decider",
            ),
        ]

    def __str__(self):
        return f"Statement of Applicability, version {self.number}"

    def save(self, *args, **kwargs):
        """Only a pending version changes (to be decided or withdrawn), and only once."""
        if not self._state.adding:
            stored = type(self)._base_manager.filter(pk=self.pk).values_list("status", flat=True)
            if stored.first() != SoAVersionStatus.PENDING:
                raise ImmutableRecordError(
                    "A decided version of the Statement of Applicability never changes."
                )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("compliance_org:soa_version", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("A version of the Statement of Applicability is never deleted.")

    @property
    def is_pending(self) -> bool:
        return self.status == SoAVersionStatus.PENDING


class SoAVersionEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecordError(
            "The rows of a submitted Statement of Applicability never change."
        )

    def delete(self):
        raise ImmutableRecordError(
            "The rows of a submitted Statement of Applicability are never deleted."
        )


class SoAVersionEntry(models.Model):
    """One control as it was frozen in a version: texts copied, so that the version reads the
    same after the draft, the mitigations or the catalogue change.

    No history of its own: it is written once, with its version (whose history records who
    submitted it), and never changes."""

    version = models.ForeignKey(SoAVersion, on_delete=models.PROTECT, related_name="entries")
    requirement = models.ForeignKey(
        "compliance.Requirement", on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField()
    identifier = models.CharField(max_length=60)
    title = models.CharField(max_length=255)
    objective = models.CharField(max_length=300, blank=True)
    applicability = models.CharField(max_length=20, choices=ControlApplicability.choices)
    justification = models.TextField(blank=True)
    implementation = models.CharField(max_length=20, choices=ControlImplementation.choices)
    mitigations = models.JSONField(
        default=list, blank=True, help_text='[{"reference", "title", "system", "status"}]'
    )
    policies = models.TextField(blank=True)

    objects = SoAVersionEntryQuerySet.as_manager()

    class Meta:
        ordering = ["version", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "requirement"], name="one_soa_row_per_control_and_version"
            ),
        ]

    def __str__(self):
        return f"{self.identifier} in {self.version}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError(
                "A row of a submitted Statement of Applicability never changes."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError(
            "A row of a submitted Statement of Applicability is never deleted."
        )

    @property
    def policy_lines(self) -> list[str]:
        return [line.strip() for line in self.policies.splitlines() if line.strip()]
