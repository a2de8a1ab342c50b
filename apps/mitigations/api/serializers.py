from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import (
    HistoryURLField,
    PersonSerializer,
    RecordLinkField,
    ReferenceField,
    ReferenceRelatedField,
    SelfURLField,
    WebURLField,
)
from apps.mitigations.models import Mitigation
from apps.risks.api.serializers import PersonEmailField, RiskLinkSerializer
from apps.risks.models import Risk
from apps.risks.treatment import DefenceLayer, MitigationKind, MitigationStatus
from apps.systems.models import AISystem


class EvidenceSummarySerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    added_at = serializers.DateTimeField()


class MitigationSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("mitigation")
    web_url = WebURLField()
    system = RecordLinkField("system")
    team = RecordLinkField("team", source="system.team")
    owner = PersonSerializer(read_only=True)
    risks = RiskLinkSerializer(many=True, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    evidence_count = serializers.SerializerMethodField()
    history = HistoryURLField("mitigation")

    class Meta:
        model = Mitigation
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "title",
            "description",
            "system",
            "team",
            "kind",
            "layer",
            "owner",
            "due_date",
            "status",
            "is_overdue",
            "last_verified_on",
            "risks",
            "evidence_count",
            "created_at",
            "updated_at",
            "version",
            "history",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(help_text="Live (not removed) evidence items."))
    def get_evidence_count(self, mitigation) -> int:
        return getattr(mitigation, "evidence_count", 0)


class MitigationInputSerializer(serializers.Serializer):
    """What a script sends to plan or change a mitigation (the fields of its form): parsed here,
    checked by the service like the form's (its owner, its dates, the risks it treats)."""

    system = ReferenceRelatedField(
        AISystem,
        required=False,
        help_text="SYS-0042 or 42; required when planning a mitigation, fixed afterwards.",
    )
    title = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=MitigationKind.choices)
    layer = serializers.ChoiceField(choices=DefenceLayer.choices)
    owner = PersonEmailField(
        help_text="The owner's e-mail: someone who can read the mitigation (a member of the "
        "system's team, a committee member or an administrator; not an auditor)."
    )
    due_date = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=MitigationStatus.choices, required=False)
    last_verified_on = serializers.DateField(required=False, allow_null=True)
    risks = serializers.ListField(
        child=ReferenceRelatedField(Risk),
        required=False,
        help_text="The risks it treats (RSK-0107 or 107), all of its own system.",
    )
    change_reason = serializers.CharField(
        max_length=255, required=False, allow_blank=True, write_only=True
    )

    def validate(self, attrs):
        # Which system it is for; who may own it and its dates are the service's rules.
        system = self.instance.system if self.instance is not None else attrs.get("system")
        if self.instance is None and system is None:
            raise serializers.ValidationError({"system": "Name the system the mitigation is for."})
        if self.instance is not None and attrs.get("system", system).pk != system.pk:
            raise serializers.ValidationError(
                {"system": "A mitigation cannot move to another system."}
            )
        return attrs
