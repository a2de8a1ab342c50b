from rest_framework import serializers

from apps.core.api.serializers import (
    HistoryURLField,
    LevelField,
    PersonSerializer,
    RecordLinkField,
    ReferenceField,
    RelatedListField,
    SelfURLField,
    WebURLField,
)
from apps.systems.models import AISystem, AnnexIIIArea


class SystemSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("system")
    web_url = WebURLField()
    team = RecordLinkField("team")
    business_owner = PersonSerializer(read_only=True)
    technical_owner = PersonSerializer(read_only=True)
    eu_ai_act_area = serializers.ChoiceField(
        choices=AnnexIIIArea.choices, allow_blank=True, read_only=True
    )
    criticality = LevelField()
    archived = serializers.BooleanField(source="is_archived", read_only=True)
    ungoverned = serializers.BooleanField(
        read_only=True,
        help_text="In pilot or production without a current approved safety plan (never "
        "approved, or its next review date has passed).",
    )
    risks = RelatedListField("risk", "system")
    mitigations = RelatedListField("mitigation", "system")
    history = HistoryURLField("system")

    class Meta:
        model = AISystem
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "name",
            "purpose",
            "business_process",
            "description",
            "team",
            "business_owner",
            "technical_owner",
            "lifecycle_stage",
            "ai_kind",
            "vendor",
            "processes_personal_data",
            "processes_special_category_data",
            "processes_financial_data",
            "processes_confidential_data",
            "processes_public_data",
            "affects_customers",
            "affects_employees",
            "affects_public",
            "decision_role",
            "oversight_mode",
            "eu_ai_act_tier",
            "eu_ai_act_area",
            "model_version",
            "training_data_version",
            "code_version",
            "configuration_version",
            "rollback_thresholds",
            "customer_data_training",
            "criticality",
            "review_cadence_days",
            "last_approved",
            "next_review_due",
            "in_service_since",
            "ungoverned",
            "archived",
            "archived_at",
            "created_at",
            "updated_at",
            "version",
            "risks",
            "mitigations",
            "history",
        ]
        read_only_fields = fields
