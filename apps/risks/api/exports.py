"""The risk register as an export: the register page's CSV columns, in three formats."""

from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Coalesce

from apps.core.api.exports import Column, Exporter, choice_label, is_set, iso, level_word, reference
from apps.risks.api.filters import RiskAPIFilterSet
from apps.risks.models import Risk, RiskStatus, Treatment
from apps.systems.api.exports import system_columns


class RiskExporter(Exporter):
    name = "risks"
    title = "Risk register"
    filterset_class = RiskAPIFilterSet
    columns = [
        Column("reference", "pk", "The risk's reference (RSK-0107)", reference(Risk)),
        *system_columns(),
        Column("title", "title", "What can go wrong, in a line"),
        Column("scenario", "scenario", "What happens, to whom, and how it would be noticed"),
        Column("category", "export_category", "Top-level category of the taxonomy"),
        Column(
            "subcategory", "export_subcategory", "Subcategory (empty if filed under a category)"
        ),
        Column("owner", "owner__email", "The risk owner's e-mail"),
        Column(
            "inherent_likelihood",
            "inherent_likelihood",
            "Likelihood before mitigation, 1–5",
            type="integer",
        ),
        Column(
            "inherent_impact", "inherent_impact", "Impact before mitigation, 1–5", type="integer"
        ),
        Column(
            "inherent_score",
            "inherent_score",
            "Likelihood × impact before mitigation, 1–25",
            type="integer",
        ),
        Column(
            "inherent_level",
            "inherent_level",
            "Inherent level: Critical, High, Medium or Low",
            level_word,
        ),
        Column(
            "residual_likelihood",
            "residual_likelihood",
            "Likelihood after mitigation, 1–5",
            type="integer",
        ),
        Column(
            "residual_impact", "residual_impact", "Impact after mitigation, 1–5", type="integer"
        ),
        Column(
            "residual_score",
            "residual_score",
            "Likelihood × impact after mitigation, 1–25",
            type="integer",
        ),
        Column(
            "residual_level",
            "residual_level",
            "Residual level: Critical, High, Medium or Low",
            level_word,
        ),
        Column(
            "treatment",
            "treatment",
            "Mitigate, Accept, Transfer or Avoid",
            choice_label(Treatment.choices),
        ),
        Column("status", "status", "Open, Treated or Closed", choice_label(RiskStatus.choices)),
        Column(
            "assessed_on", "assessed_on", "When the inherent assessment last changed", iso, "date"
        ),
        Column("treatment_due", "treatment_due", "When the treatment plan is due", iso, "date"),
        Column("archived", "archived_at", "Whether the risk is archived", is_set, "boolean"),
        Column("archived_at", "archived_at", "When it was archived", iso, "date-time"),
        Column("created_at", "created_at", "When it was added", iso, "date-time"),
        Column("updated_at", "updated_at", "When it was last changed", iso, "date-time"),
    ]

    @classmethod
    def get_queryset(cls, user):
        return Risk.objects.visible_to(user).annotate(
            export_category=Coalesce("category__parent__name", "category__name"),
            export_subcategory=Case(
                When(category__parent__isnull=True, then=Value("")),
                default=F("category__name"),
                output_field=CharField(),
            ),
        )


def _columns(names: str) -> list[Column]:
    """The API export's columns of these names, in this order."""
    by_name = {column.name: column for column in RiskExporter.columns}
    return [by_name[name] for name in names.split()]


class RegisterPageExporter(Exporter):
    """The register page's *Download CSV*: its own columns (treatment and status as stored,
    ``archived`` yes/no), through the same writers as the API's exports (on PostgreSQL, written
    by ``COPY``). Not an API export: the page's view uses it."""

    name = "risk-register"
    title = "Risk register"
    filterset_class = RiskAPIFilterSet
    # The API export's columns, but treatment and status as stored (``mitigate``, ``open``),
    # and fewer dates.
    columns = [
        *_columns(
            "reference system_reference system team title scenario category subcategory owner "
            "inherent_likelihood inherent_impact inherent_score inherent_level "
            "residual_likelihood residual_impact residual_score residual_level"
        ),
        Column("treatment", "treatment", "mitigate, accept, transfer or avoid"),
        Column("status", "status", "open, treated or closed"),
        *_columns("treatment_due archived updated_at"),
    ]

    @classmethod
    def get_queryset(cls, user):
        return RiskExporter.get_queryset(user)
