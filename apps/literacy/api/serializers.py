from __future__ import annotations

from rest_framework import serializers

from apps.core.api.serializers import HistoryURLField, PersonSerializer, SelfURLField
from apps.literacy.models import TrainingCompletion


class TrainingSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    validity_months = serializers.IntegerField(read_only=True, allow_null=True)


class TrainingCompletionSerializer(serializers.ModelSerializer):
    url = SelfURLField("training-completion")
    person = PersonSerializer(read_only=True)
    training = TrainingSummarySerializer(read_only=True)
    recorded_by = PersonSerializer(read_only=True)
    history = HistoryURLField("training-completion")

    class Meta:
        model = TrainingCompletion
        fields = [
            "id",
            "url",
            "person",
            "training",
            "completed_on",
            "expires_on",
            "source",
            "evidence",
            "recorded_by",
            "created_at",
            "history",
        ]
        read_only_fields = fields
