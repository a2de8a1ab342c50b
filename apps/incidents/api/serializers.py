from __future__ import annotations

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
from apps.incidents.models import (
    PHASE_FIELDS,
    Incident,
    RegulatorStatus,
    SeriousIncident,
    Severity,
)
from apps.mitigations.models import Mitigation
from apps.risks.api.serializers import RiskLinkSerializer
from apps.risks.models import Risk
from apps.systems.models import AISystem


class MitigationLinkSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("mitigation")
    name = serializers.CharField(source="title", read_only=True)

    class Meta:
        model = Mitigation
        fields = ["id", "reference", "name", "url"]


class IncidentSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("incident")
    web_url = WebURLField()
    system = RecordLinkField("system")
    team = RecordLinkField("team", source="system.team")
    severity_label = serializers.CharField(source="get_severity_display", read_only=True)
    serious_incident = serializers.ChoiceField(
        choices=SeriousIncident.choices, allow_blank=True, read_only=True
    )
    materialised_risks = RiskLinkSerializer(many=True, read_only=True)
    follow_up_mitigations = MitigationLinkSerializer(many=True, read_only=True)
    regulator_status = serializers.ChoiceField(choices=RegulatorStatus.choices, read_only=True)
    created_by = PersonSerializer(read_only=True, allow_null=True)
    history = HistoryURLField("incident")

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "title",
            "description",
            "system",
            "team",
            "severity",
            "severity_label",
            "phase",
            *PHASE_FIELDS,
            "materialised_risks",
            "uncatalogued",
            "root_cause",
            "lessons_learned",
            "people_affected",
            "follow_up_mitigations",
            "serious_incident",
            "regulator_notification_required",
            "regulator_deadline",
            "regulator_notified_at",
            "regulator_reference",
            "regulator_status",
            "post_incident_review_due",
            "reported_via",
            "created_by",
            "created_at",
            "updated_at",
            "version",
            "history",
        ]
        read_only_fields = fields


class IncidentInputSerializer(serializers.Serializer):
    """What a monitoring system or script sends to log or update an incident."""

    system = ReferenceRelatedField(
        AISystem,
        required=False,
        help_text="SYS-0042 or 42; required when logging an incident, fixed afterwards.",
    )
    title = serializers.CharField(max_length=255)
    description = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    detected_at = serializers.DateTimeField()
    assessed_at = serializers.DateTimeField(required=False, allow_null=True)
    contained_at = serializers.DateTimeField(required=False, allow_null=True)
    recovered_at = serializers.DateTimeField(required=False, allow_null=True)
    review_done_at = serializers.DateTimeField(required=False, allow_null=True)
    closed_at = serializers.DateTimeField(required=False, allow_null=True)
    root_cause = serializers.CharField(required=False, allow_blank=True)
    lessons_learned = serializers.CharField(required=False, allow_blank=True)
    people_affected = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=2_147_483_647
    )
    serious_incident = serializers.ChoiceField(
        choices=SeriousIncident.choices, required=False, allow_blank=True
    )
    regulator_notification_required = serializers.BooleanField(required=False)
    regulator_deadline = serializers.DateTimeField(required=False, allow_null=True)
    regulator_notified_at = serializers.DateTimeField(required=False, allow_null=True)
    regulator_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    materialised_risks = serializers.ListField(
        child=ReferenceRelatedField(Risk),
        required=False,
        help_text="The risks that materialised (RSK-0107 or 107); none: uncatalogued.",
    )
    follow_up_mitigations = serializers.ListField(
        child=ReferenceRelatedField(Mitigation),
        required=False,
    )
    change_reason = serializers.CharField(
        max_length=255, required=False, allow_blank=True, write_only=True
    )

    def validate(self, attrs):
        if self.instance is None and attrs.get("system") is None:
            raise serializers.ValidationError({"system": "Name the system the incident is of."})
        system = attrs.get("system")
        if (
            self.instance is not None
            and system is not None
            and system.pk != self.instance.system_id
        ):
            raise serializers.ValidationError(
                {"system": "An incident cannot move to another system."}
            )
        return attrs
