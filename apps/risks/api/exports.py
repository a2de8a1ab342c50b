"""The risk register as an export: one set of columns for every export of it — the register
page's *Download CSV*, the API's CSV, JSON and XLSX, and the XLSX export job.

Besides each risk's own fields, a risk's framework references, linked mitigations (with their
status) and acceptances (with their status and expiry), each as one cell of values joined with
``; ``, computed by the database in the export's own query (on PostgreSQL, inside the SELECT
that ``COPY`` writes).
"""

from django.db.models import Case, CharField, F, OuterRef, Value, When
from django.db.models.functions import Coalesce, Concat

from apps.core.api.exports import (
    Column,
    DateText,
    Exporter,
    JoinedText,
    ReferenceText,
    choice_label,
    is_set,
    iso,
    labelled,
    level_word,
    reference,
)
from apps.risks.api.filters import RiskAPIFilterSet
from apps.risks.models import AcceptanceStatus, Risk, RiskAcceptance, RiskStatus, Treatment
from apps.risks.treatment import MitigationStatus
from apps.systems.api.exports import system_columns

# An acceptance's status in a word (the choices' labels are sentences).
ACCEPTANCE_WORDS = {status.value: status.value.capitalize() for status in AcceptanceStatus}


def framework_references_text():
    """``LLM01:2025; MAP 2.2``: the codes of the risk's framework references, in code order."""
    through = Risk.framework_references.through
    codes = (
        through.objects.filter(risk_id=OuterRef("pk"))
        .order_by("frameworkreference__code")
        .values(_cell=F("frameworkreference__code"))
    )
    return JoinedText(codes)


def mitigations_text():
    """``MTG-0311 (Implemented); MTG-0312 (Planned)``: the mitigations linked to the risk (a
    relation the mitigations app declares, read without importing it), in reference order."""
    through = Risk.mitigations.through
    prefix = through._meta.get_field("mitigation").related_model.REFERENCE_PREFIX
    cells = (
        through.objects.filter(risk_id=OuterRef("pk"))
        .order_by("mitigation_id")
        .values(
            _cell=Concat(
                ReferenceText(prefix, F("mitigation_id")),
                Value(" ("),
                labelled("mitigation__status", dict(MitigationStatus.choices)),
                Value(")"),
                output_field=CharField(),
            )
        )
    )
    return JoinedText(cells)


def acceptances_text():
    """``ACC-0003 (Approved, expires 2026-09-30); ACC-0001 (Expired, expires 2026-01-31)``: every
    acceptance asked for the risk, newest first."""
    cells = (
        RiskAcceptance.objects.filter(risk_id=OuterRef("pk"))
        .order_by("-requested_at", "-pk")
        .values(
            _cell=Concat(
                ReferenceText(RiskAcceptance.REFERENCE_PREFIX, F("pk")),
                Value(" ("),
                labelled("status", ACCEPTANCE_WORDS),
                Value(", expires "),
                DateText("expires_on"),
                Value(")"),
                output_field=CharField(),
            )
        )
    )
    return JoinedText(cells)


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
            "framework_references",
            "export_framework_references",
            "Codes of the framework items it cites (LLM01:2025; MAP 2.2), joined with “; ”",
        ),
        Column(
            "mitigations",
            "export_mitigations",
            "Linked mitigations with their status (MTG-0311 (Implemented); MTG-0312 (Planned)), "
            "joined with “; ”",
        ),
        Column(
            "mitigation_in_place",
            "has_mitigation_in_place",
            "Whether a linked mitigation is implemented or verified",
            type="boolean",
        ),
        Column(
            "acceptances",
            "export_acceptances",
            "Acceptances asked for, newest first, with status and expiry "
            "(ACC-0003 (Approved, expires 2026-09-30)), joined with “; ”",
        ),
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
            export_framework_references=framework_references_text(),
            export_mitigations=mitigations_text(),
            export_acceptances=acceptances_text(),
        )


class RegisterPageExporter(RiskExporter):
    """The register page's *Download CSV* and the XLSX export job: the API export's columns
    (one set for every export of the register), in a file named after the page. Not an API
    export: the page's view and the job use it."""

    name = "risk-register"
