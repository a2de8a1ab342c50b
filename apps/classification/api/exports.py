"""Classifications as an export (the list page's *Download CSV* and the API's exports)."""

from apps.classification.api.filters import ClassificationAPIFilterSet
from apps.classification.models import ClassificationRecord, RecordStatus
from apps.core.api.exports import Column, Exporter, choice_label, iso, reference
from apps.systems.api.exports import system_columns
from apps.systems.models import AnnexIIIArea, EUAIActTier


class ClassificationExporter(Exporter):
    name = "classifications"
    title = "EU AI Act classifications"
    filterset_class = ClassificationAPIFilterSet
    columns = [
        Column(
            "reference",
            "pk",
            "The classification's reference (CLS-0012)",
            reference(ClassificationRecord),
        ),
        *system_columns(),
        Column(
            "version", "number", "Its version among the system's classifications", type="integer"
        ),
        Column("tier", "tier", "The proposed EU AI Act tier", choice_label(EUAIActTier.choices)),
        Column(
            "area",
            "annex_iii_area",
            "Annex III area (1–8) or Annex I",
            choice_label(AnnexIIIArea.choices),
        ),
        Column("annex_iii_point", "annex_iii_point", "Annex III point (a–e)"),
        Column(
            "exemption_claimed",
            "exemption_claimed",
            "Art. 6(3) exemption claimed",
            type="boolean",
        ),
        Column("articles", "articles", "The articles cited (JSON list)", type="json"),
        Column("rationale", "rationale", "Why, assembled from the answers"),
        Column(
            "needs_confirmation",
            "needs_confirmation",
            "Needs the committee's confirmation",
            type="boolean",
        ),
        Column("status", "status", "What was done with it", choice_label(RecordStatus.choices)),
        Column("classified_by", "created_by__email", "Who classified it (e-mail)"),
        Column("classified_at", "created_at", "When", iso, "date-time"),
        Column("applied_at", "applied_at", "When it was applied to the system", iso, "date-time"),
    ]

    @classmethod
    def get_queryset(cls, user):
        return ClassificationRecord.objects.visible_to(user)
