from __future__ import annotations

from rest_framework import serializers

from apps.core.api.serializers import (
    HistoryURLField,
    RecordLinkField,
    ReferenceField,
    ReferenceRelatedField,
    SelfURLField,
    WebURLField,
)
from apps.incidents.models import Severity
from apps.monitoring.models import (
    Aggregation,
    Breach,
    BreachLevel,
    Direction,
    Measure,
    Metric,
)
from apps.risks.api.serializers import RiskLinkSerializer
from apps.risks.models import Risk
from apps.systems.models import AISystem


class MetricSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("metric")
    web_url = WebURLField()
    system = RecordLinkField("system")
    team = RecordLinkField("team", source="system.team")
    watched_risks = RiskLinkSerializer(many=True, read_only=True)
    is_archived = serializers.BooleanField(read_only=True)
    history = HistoryURLField("metric")

    class Meta:
        model = Metric
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "name",
            "system",
            "team",
            "measures",
            "description",
            "unit",
            "direction",
            "warning_threshold",
            "rollback_threshold",
            "window_minutes",
            "aggregation",
            "incident_severity",
            "watched_risks",
            "is_archived",
            "created_at",
            "updated_at",
            "version",
            "history",
        ]
        read_only_fields = fields


class MetricInputSerializer(serializers.Serializer):
    """What a script sends to declare or change a metric (the fields of its form), checked by
    the service like the form's."""

    system = ReferenceRelatedField(
        AISystem,
        required=False,
        help_text="SYS-0042 or 42; required when declaring a metric, fixed afterwards.",
    )
    name = serializers.CharField(max_length=200)
    measures = serializers.ChoiceField(choices=Measure.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(max_length=30, required=False, allow_blank=True)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    warning_threshold = serializers.FloatField(required=False, allow_null=True)
    rollback_threshold = serializers.FloatField()
    window_minutes = serializers.IntegerField(required=False, min_value=1)
    aggregation = serializers.ChoiceField(choices=Aggregation.choices, required=False)
    incident_severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    watched_risks = serializers.ListField(
        child=ReferenceRelatedField(Risk),
        required=False,
        help_text="The risks it watches (RSK-0107 or 107), all of its own system.",
    )
    change_reason = serializers.CharField(
        max_length=255, required=False, allow_blank=True, write_only=True
    )

    def validate(self, attrs):
        system = self.instance.system if self.instance is not None else attrs.get("system")
        if self.instance is None and system is None:
            raise serializers.ValidationError({"system": "Name the system the metric watches."})
        if self.instance is not None and attrs.get("system", system).pk != system.pk:
            raise serializers.ValidationError({"system": "A metric cannot move to another system."})
        return attrs


class BreachSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("breach")
    metric = RecordLinkField("metric")
    system = RecordLinkField("system", source="metric.system")
    incident = RecordLinkField("incident", allow_null=True)
    level = serializers.ChoiceField(choices=BreachLevel.choices, read_only=True)
    is_open = serializers.BooleanField(read_only=True)
    history = HistoryURLField("breach")

    class Meta:
        model = Breach
        fields = [
            "id",
            "reference",
            "url",
            "metric",
            "system",
            "level",
            "is_open",
            "started_at",
            "detected_at",
            "escalated_at",
            "last_breaching_at",
            "ended_at",
            "worst_value",
            "threshold",
            "incident",
            "history",
        ]
        read_only_fields = fields


class ReadingSerializer(serializers.Serializer):
    """One reading (for the schema: the intake checks rows itself, at volume)."""

    metric = serializers.CharField(help_text="The metric: MET-0042 or 42.")
    timestamp = serializers.DateTimeField(
        help_text="ISO 8601 with its offset, e.g. 2025-06-01T10:15:00Z; not in the future."
    )
    value = serializers.FloatField()
    source = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="What sent it (a job, a probe, a region); part of what makes it unique.",
    )


class ReadingBatchSerializer(serializers.Serializer):
    readings = ReadingSerializer(many=True, help_text="Up to 10,000 readings.")


class IntakeResultSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="Readings in the batch.")
    stored = serializers.IntegerField(help_text="Readings stored now.")
    duplicates = serializers.IntegerField(
        help_text="Readings already stored (same metric, timestamp and source): skipped."
    )


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The reading's position in the batch, from 0.")
    field = serializers.CharField()
    message = serializers.CharField()


class IntakeErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = RowErrorSerializer(many=True)
