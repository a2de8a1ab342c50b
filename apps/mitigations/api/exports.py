"""Mitigations as an export: one row per mitigation, with the risks it treats."""

from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from apps.core.api.exports import (
    Column,
    Exporter,
    JoinedText,
    ReferenceText,
    choice_label,
    iso,
    reference,
)
from apps.mitigations.api.filters import MitigationAPIFilterSet
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk
from apps.risks.treatment import DefenceLayer, MitigationKind, MitigationStatus
from apps.systems.api.exports import system_columns


class MitigationExporter(Exporter):
    name = "mitigations"
    title = "Mitigations"
    filterset_class = MitigationAPIFilterSet
    columns = [
        Column("reference", "pk", "The mitigation's reference (MTG-0311)", reference(Mitigation)),
        *system_columns(),
        Column("title", "title", "What is done"),
        Column("description", "description", "How, concretely, and how one knows it works"),
        Column("kind", "kind", "Kind of measure", choice_label(MitigationKind.choices)),
        Column("layer", "layer", "Defence layer", choice_label(DefenceLayer.choices)),
        Column("owner", "owner__email", "The owner's e-mail"),
        Column(
            "status",
            "status",
            "Planned, In progress, Implemented, Verified or Retired",
            choice_label(MitigationStatus.choices),
        ),
        Column("due_date", "due_date", "When it is due", iso, "date"),
        Column("last_verified_on", "last_verified_on", "When it was last verified", iso, "date"),
        Column(
            "risks",
            "export_risks",
            "References of the risks it treats (RSK-0107; RSK-0110), joined with “; ”",
        ),
        Column("risk_count", "export_risk_count", "How many risks it treats", type="integer"),
        Column("created_at", "created_at", "When it was planned", iso, "date-time"),
        Column("updated_at", "updated_at", "When it was last changed", iso, "date-time"),
    ]

    @classmethod
    def get_queryset(cls, user):
        through = Mitigation.risks.through
        count = (
            through.objects.filter(mitigation_id=OuterRef("pk"))
            .order_by()
            .values("mitigation_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        risks = (
            through.objects.filter(mitigation_id=OuterRef("pk"))
            .order_by("risk_id")
            .values(_cell=ReferenceText(Risk.REFERENCE_PREFIX, F("risk_id")))
        )
        return Mitigation.objects.visible_to(user).annotate(
            export_risks=JoinedText(risks),
            export_risk_count=Coalesce(Subquery(count), Value(0)),
        )
