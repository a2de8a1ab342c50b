"""Mitigations: the measures that treat one or more risks of one system."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.accounts.permissions import TeamScopedQuerySet
from apps.core.links import reverse_pk
from apps.core.models import Evidence, ReferenceMixin, TimeStampedModel, VersionedModel
from apps.risks.treatment import (
    IN_PLACE_STATUSES,
    OPEN_STATUSES,
    DefenceLayer,
    MitigationKind,
    MitigationStatus,
)

__all__ = ["DefenceLayer", "Mitigation", "MitigationKind", "MitigationStatus"]


class MitigationQuerySet(TeamScopedQuerySet):
    team_path = "system__team"


class Mitigation(ReferenceMixin, VersionedModel, TimeStampedModel):
    """A measure that addresses risks of one system (one input filter may serve several)."""

    REFERENCE_PREFIX = "MTG"

    system = models.ForeignKey(
        "systems.AISystem", on_delete=models.PROTECT, related_name="mitigations"
    )
    title = models.CharField(max_length=255)
    description = models.TextField(
        blank=True, help_text="What is done, concretely, and how you know it works."
    )
    kind = models.CharField(max_length=30, choices=MitigationKind.choices)
    layer = models.CharField("defence layer", max_length=20, choices=DefenceLayer.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_mitigations"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=MitigationStatus.choices, default=MitigationStatus.PLANNED
    )
    last_verified_on = models.DateField("last verified", null=True, blank=True)
    risks = models.ManyToManyField("risks.Risk", blank=True, related_name="mitigations")
    evidence = GenericRelation(Evidence, related_query_name="mitigation")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        editable=False,
    )

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[risks])

    objects = MitigationQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "title"]
        indexes = [
            models.Index(fields=["system", "status"], name="mitigation_system_idx"),
            models.Index(fields=["status", "due_date"], name="mitigation_due_idx"),
            models.Index(fields=["owner"], name="mitigation_owner_idx"),
            models.Index(fields=["updated_at"], name="mitigation_updated_idx"),
            # Open mitigations by due date: the overdue counts and lists of the dashboard, the
            # list's "overdue" filter and the reminder sweep.
            models.Index(
                fields=["due_date", "id"],
                condition=Q(status__in=list(OPEN_STATUSES)),
                name="mitigation_open_due_idx",
            ),
            # Which risks have a mitigation in place: a full refresh of their coverage flag.
            models.Index(
                fields=["id"],
                condition=Q(status__in=IN_PLACE_STATUSES),
                name="mitigation_in_place_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=MitigationStatus.VERIFIED) | Q(last_verified_on__isnull=False),
                name="verified_mitigation_has_date",
                violation_error_message="A verified mitigation needs the date it was verified.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse_pk("mitigations:detail", self.pk)

    @property
    def is_in_place(self) -> bool:
        return self.status in IN_PLACE_STATUSES

    @property
    def is_overdue(self) -> bool:
        return (
            self.due_date is not None
            and self.status in OPEN_STATUSES
            and self.due_date < timezone.localdate()
        )
