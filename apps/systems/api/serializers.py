from rest_framework import serializers

from apps.core.api.serializers import (
    HistoryURLField,
    LevelField,
    PersonSerializer,
    RecordLinkField,
    ReferenceField,
    ReferenceRelatedField,
    RelatedListField,
    SelfURLField,
    WebURLField,
)
from apps.systems.models import AISystem, AnnexIIIArea, AnnexIIIPoint, SystemVersion, VersionKind


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
    annex_iii_point = serializers.ChoiceField(
        choices=AnnexIIIPoint.choices, allow_blank=True, read_only=True
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
            "annex_iii_point",
            "eu_ai_act_role",
            "is_general_purpose_model",
            "has_systemic_risk",
            "serves_public",
            "interacts_with_people",
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


class SystemVersionSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("system-version")
    web_url = WebURLField()
    system = RecordLinkField("system")
    version = serializers.CharField(source="value", read_only=True)
    previous_version = serializers.CharField(source="previous_value", read_only=True)
    recorded_by = PersonSerializer(read_only=True)
    decided_by = PersonSerializer(read_only=True, allow_null=True)
    history = HistoryURLField("system-version")

    class Meta:
        model = SystemVersion
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "system",
            "kind",
            "version",
            "previous_version",
            "note",
            "status",
            "recorded_by",
            "recorded_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "history",
        ]
        read_only_fields = fields


class SystemVersionInputSerializer(serializers.Serializer):
    """A new version of a system, as a pipeline or a person records it: a material change."""

    system = ReferenceRelatedField(AISystem, help_text="SYS-0042 or 42.")
    kind = serializers.ChoiceField(
        choices=VersionKind.choices,
        help_text="What the new version is of: model, data (training data), code or configuration.",
    )
    version = serializers.CharField(
        source="value", max_length=200, help_text="As the deployment pipeline names it."
    )
    note = serializers.CharField(
        required=False, allow_blank=True, help_text="What changed and why, for the reviewers."
    )


class WaiverSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why this change needs no change review.")


class GateReasonSerializer(serializers.Serializer):
    check = serializers.CharField(help_text="The gate check that refuses (approved_plan, …).")
    reason = serializers.CharField(help_text="Why, in a sentence a person can act on.")


class GateAnswerSerializer(serializers.Serializer):
    """The deployment gate's answer about one version of one system."""

    allowed = serializers.BooleanField(help_text="True: the version may be deployed now.")
    system = serializers.SerializerMethodField()
    version = serializers.CharField(help_text="The version asked about.")
    reasons = GateReasonSerializer(many=True, help_text="Every reason to refuse (none: allowed).")
    checks = serializers.ListField(
        child=serializers.CharField(), help_text="The gate checks asked, in order."
    )
    checked_at = serializers.DateTimeField()

    def get_system(self, answer) -> str:
        return answer.system.reference
