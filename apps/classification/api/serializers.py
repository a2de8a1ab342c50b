"""Classifications on the API (read-only)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.classification import selectors
from apps.classification.models import ClassificationRecord
from apps.core.api.serializers import (
    HistoryURLField,
    PersonSerializer,
    RecordLinkField,
    ReferenceField,
    SelfURLField,
    WebURLField,
)


class AnswerSerializer(serializers.Serializer):
    step = serializers.CharField(help_text="The questionnaire's step (its question group).")
    question_key = serializers.CharField()
    question = serializers.CharField(help_text="The question as it was asked.")
    answer = serializers.CharField(help_text="The answer in words.")


class ClassificationSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("classification")
    web_url = WebURLField()
    system = RecordLinkField("system")
    team = RecordLinkField("team", source="system.team")
    tier_label = serializers.CharField(source="get_tier_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    answered = serializers.SerializerMethodField(
        help_text="Each question asked, with its answer in words, in the questionnaire's order."
    )
    created_by = PersonSerializer(read_only=True)
    applied_by = PersonSerializer(read_only=True, allow_null=True)
    review = RecordLinkField("review", allow_null=True)
    history = HistoryURLField("classification")

    class Meta:
        model = ClassificationRecord
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "system",
            "team",
            "number",
            "answers",
            "answered",
            "in_scope",
            "tier",
            "tier_label",
            "annex_iii_area",
            "annex_iii_point",
            "exemption_claimed",
            "prohibited_practices",
            "transparency",
            "interacts_with_people",
            "general_purpose_model",
            "systemic_risk",
            "articles",
            "rationale",
            "needs_confirmation",
            "status",
            "status_label",
            "created_by",
            "created_at",
            "applied_by",
            "applied_at",
            "review",
            "decided_at",
            "version",
            "history",
        ]
        read_only_fields = fields

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answered(self, record):
        rows = [
            {
                "step": section["step"].title,
                "question_key": row["question"].key,
                "question": row["question"].label,
                "answer": row["answer"],
            }
            for section in selectors.answer_sections(record.answers)
            for row in section["rows"]
        ]
        return AnswerSerializer(rows, many=True).data
