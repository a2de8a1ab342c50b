"""The inventory as an export: one row per AI system."""

from apps.core.api.exports import Column, Exporter, choice_label, is_set, iso, level_word, reference
from apps.systems.api.filters import SystemAPIFilterSet
from apps.systems.models import (
    AIKind,
    AISystem,
    AnnexIIIArea,
    DecisionRole,
    EUAIActRole,
    EUAIActTier,
    LifecycleStage,
    OversightMode,
    TrainingDataPolicy,
)


def system_columns() -> list[Column]:
    """The columns every export of a system's records has after the record's own reference:
    which system it belongs to, and its team."""
    return [
        Column(
            "system_reference",
            "system_id",
            "The system's reference (SYS-0042)",
            reference(AISystem),
        ),
        Column("system", "system__name", "The system's name"),
        Column("team", "system__team__name", "The team that owns the system"),
    ]


class SystemExporter(Exporter):
    name = "systems"
    title = "AI system inventory"
    filterset_class = SystemAPIFilterSet
    columns = [
        Column("reference", "pk", "The system's reference (SYS-0042)", reference(AISystem)),
        Column("name", "name", "Name"),
        Column("team", "team__name", "Owning team"),
        Column("purpose", "purpose", "What the system is for"),
        Column("business_process", "business_process", "The business process it serves"),
        Column("business_owner", "business_owner__email", "Business owner's e-mail"),
        Column("technical_owner", "technical_owner__email", "Technical owner's e-mail"),
        Column(
            "lifecycle_stage",
            "lifecycle_stage",
            "Lifecycle stage",
            choice_label(LifecycleStage.choices),
        ),
        Column("ai_kind", "ai_kind", "Kind of AI", choice_label(AIKind.choices)),
        Column("vendor", "vendor", "Third-party model or vendor (empty: in-house)"),
        Column(
            "processes_personal_data",
            "processes_personal_data",
            "Processes personal data",
            type="boolean",
        ),
        Column(
            "processes_special_category_data",
            "processes_special_category_data",
            "Processes special-category data",
            type="boolean",
        ),
        Column(
            "processes_financial_data",
            "processes_financial_data",
            "Processes financial data",
            type="boolean",
        ),
        Column(
            "processes_confidential_data",
            "processes_confidential_data",
            "Processes confidential business data",
            type="boolean",
        ),
        Column(
            "processes_public_data",
            "processes_public_data",
            "Processes public data",
            type="boolean",
        ),
        Column("affects_customers", "affects_customers", "Affects customers", type="boolean"),
        Column("affects_employees", "affects_employees", "Affects employees", type="boolean"),
        Column("affects_public", "affects_public", "Affects the public", type="boolean"),
        Column(
            "decision_role",
            "decision_role",
            "Decides or advises",
            choice_label(DecisionRole.choices),
        ),
        Column(
            "oversight_mode",
            "oversight_mode",
            "Human oversight mode",
            choice_label(OversightMode.choices),
        ),
        Column(
            "eu_ai_act_tier",
            "eu_ai_act_tier",
            "EU AI Act risk tier",
            choice_label(EUAIActTier.choices),
        ),
        Column(
            "eu_ai_act_area",
            "eu_ai_act_area",
            "High-risk area (Annex III or Annex I)",
            choice_label(AnnexIIIArea.choices),
        ),
        Column(
            "annex_iii_point",
            "annex_iii_point",
            "Annex III point within the area (a, b, c…), if given",
        ),
        Column(
            "eu_ai_act_role",
            "eu_ai_act_role",
            "Our role under the EU AI Act",
            choice_label(EUAIActRole.choices),
        ),
        Column(
            "is_general_purpose_model",
            "is_general_purpose_model",
            "A general-purpose AI model",
            type="boolean",
        ),
        Column(
            "has_systemic_risk",
            "has_systemic_risk",
            "A general-purpose AI model with systemic risk",
            type="boolean",
        ),
        Column(
            "serves_public",
            "serves_public",
            "Used by a public body or for a public service",
            type="boolean",
        ),
        Column(
            "interacts_with_people",
            "interacts_with_people",
            "Interacts directly with people (e.g. a chatbot)",
            type="boolean",
        ),
        Column("model_version", "model_version", "Model version"),
        Column("training_data_version", "training_data_version", "Training data version"),
        Column("code_version", "code_version", "Code version"),
        Column("configuration_version", "configuration_version", "Configuration version"),
        Column(
            "customer_data_training",
            "customer_data_training",
            "Customer data for training",
            choice_label(TrainingDataPolicy.choices),
        ),
        Column(
            "criticality", "criticality", "Criticality: Critical, High, Medium or Low", level_word
        ),
        Column(
            "review_cadence_days", "review_cadence_days", "Review cadence in days", type="integer"
        ),
        Column("last_approved", "last_approved", "Date of the last approved review", iso, "date"),
        Column("next_review_due", "next_review_due", "Date the next review is due", iso, "date"),
        Column(
            "in_service_since",
            "in_service_since",
            "The day it last went into pilot or production (empty when not in service)",
            iso,
            "date",
        ),
        Column(
            "ungoverned",
            "ungoverned",
            "In pilot or production without a current approved safety plan",
            type="boolean",
        ),
        Column("archived", "archived_at", "Whether the system is archived", is_set, "boolean"),
        Column("archived_at", "archived_at", "When it was archived", iso, "date-time"),
        Column("created_at", "created_at", "When it was registered", iso, "date-time"),
        Column("updated_at", "updated_at", "When it was last changed", iso, "date-time"),
    ]

    @classmethod
    def get_queryset(cls, user):
        return AISystem.objects.visible_to(user).with_governance()
