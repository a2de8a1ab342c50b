"""The obligations as an export: one set of columns for the list page's *Download CSV* and the
API's CSV, JSON and XLSX (``/api/v1/exports/obligations.csv``…).

Besides each obligation's own fields, the requirement it is to (framework, identifier, title),
why it applies, whether it is overdue today, how much live evidence it has, and the mitigations
and risks it links, each as one cell of references joined with ``; ``, computed by the database
in the export's own query (on PostgreSQL, inside the SELECT that ``COPY`` writes).
"""

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.compliance.api.filters import ObligationAPIFilterSet
from apps.compliance.models import OPEN_STATUSES, Applicability, Obligation, ObligationStatus
from apps.core.api.exports import (
    Column,
    Exporter,
    JoinedText,
    ReferenceText,
    choice_label,
    iso,
    reference,
)
from apps.core.models import Evidence
from apps.systems.api.exports import system_columns


def linked_references(field: str, target: str):
    """``MTG-0311; MTG-0312``: the records a many-to-many of obligations links (``field``,
    whose through model names each ``target``), in id order."""
    through = getattr(Obligation, field).through
    prefix = through._meta.get_field(target).related_model.REFERENCE_PREFIX
    cells = (
        through.objects.filter(obligation_id=OuterRef("pk"))
        .order_by(f"{target}_id")
        .values(_cell=ReferenceText(prefix, F(f"{target}_id")))
    )
    return JoinedText(cells)


def live_evidence_count():
    evidence = (
        Evidence.objects.filter(
            # By name, not by a content type read now: building the export's query reads
            # nothing (the API schema builds it without a database).
            content_type__app_label=Obligation._meta.app_label,
            content_type__model=Obligation._meta.model_name,
            object_id=OuterRef("pk"),
            removed_at__isnull=True,
        )
        .order_by()
        .values("object_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(evidence, output_field=IntegerField()), Value(0))


def overdue_today():
    return Case(
        When(
            Q(
                applicability=Applicability.APPLIES,
                status__in=OPEN_STATUSES,
                due_date__lt=timezone.localdate(),
            ),
            then=Value(True),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )


class ObligationExporter(Exporter):
    name = "obligations"
    title = "Obligations"
    filterset_class = ObligationAPIFilterSet
    columns = [
        Column("reference", "pk", "The obligation's reference (OBL-0042)", reference(Obligation)),
        *system_columns(),
        Column("framework", "requirement__catalogue__name", "The catalogue (framework) name"),
        Column(
            "framework_key",
            "requirement__catalogue__framework",
            "The framework's key: eu-ai-act, iso-42001, nist-ai-rmf or your own",
        ),
        Column("catalogue_version", "requirement__catalogue__version", "The catalogue's version"),
        Column(
            "requirement",
            "requirement__identifier",
            "The requirement's identifier, as the framework writes it (Art. 9)",
        ),
        Column("requirement_title", "requirement__title", "The requirement's title"),
        Column(
            "blocking",
            "requirement__is_blocking",
            "Whether it must be met (or excepted) before a deployment is approved",
            type="boolean",
        ),
        Column(
            "applicability",
            "applicability",
            "Applies, or No longer applicable",
            choice_label(Applicability.choices),
        ),
        Column("why", "why", "Why it applies: the facts of the system that make it apply"),
        Column(
            "no_longer_applies_because",
            "applicability_reason",
            "Why it no longer applies (empty while it applies)",
        ),
        Column(
            "status",
            "status",
            "Not started, In progress, Implemented, Verified or Not applicable",
            choice_label(ObligationStatus.choices),
        ),
        Column("justification", "justification", "Why it does not apply (for Not applicable)"),
        Column("owner", "owner__email", "The owner's e-mail (empty: nobody yet)"),
        Column(
            "due_date",
            "due_date",
            "When it is due (the team's date, else the key date)",
            iso,
            "date",
        ),
        Column(
            "due_date_set_by_team",
            "custom_due_date",
            "The due date the team set (empty: the key date's)",
            iso,
            "date",
        ),
        Column("key_date", "key_date__label", "The key date that sets its due date"),
        Column(
            "overdue",
            "export_overdue",
            "Applies, still open and past its due date today",
            type="boolean",
        ),
        Column("evidence_count", "export_evidence_count", "Live evidence items", type="integer"),
        Column(
            "mitigations",
            "export_mitigations",
            "References of the mitigations that address it (MTG-0311; MTG-0312)",
        ),
        Column("risks", "export_risks", "References of the risks linked to it (RSK-0107)"),
        Column("notes", "notes", "The team's notes"),
        Column("created_at", "created_at", "When it was derived", iso, "date-time"),
        Column("updated_at", "updated_at", "When it was last changed", iso, "date-time"),
    ]

    @classmethod
    def get_queryset(cls, user):
        return Obligation.objects.visible_to(user).annotate(
            export_overdue=overdue_today(),
            export_evidence_count=live_evidence_count(),
            export_mitigations=linked_references("mitigations", "mitigation"),
            export_risks=linked_references("risks", "risk"),
        )
