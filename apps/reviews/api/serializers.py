from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import User
from apps.core.api import registry
from apps.core.api.serializers import (
    HistoryURLField,
    LevelField,
    PersonSerializer,
    RecordLinkField,
    ReferenceField,
    SelfURLField,
    WebURLField,
)
from apps.reviews import subjects
from apps.reviews.models import Decision, DecisionOutcome, PlanVersion, Review, ReviewerAssignment


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "The document under review (classification and FRIA reviews); null for "
        "a review of the safety plan.",
        "properties": {
            "type": {"type": "string", "example": "classification.classificationrecord"},
            "id": {"type": "integer"},
            "name": {"type": "string", "example": "Classification v2: high-risk"},
            "url": {"type": "string", "nullable": True, "description": "In the API, if served."},
            "web_url": {"type": "string", "nullable": True},
        },
    }
)
class ReviewSubjectField(serializers.Field):
    """The document a review decides on, as ``{type, id, name, url, web_url}``, or ``None``."""

    def __init__(self, **kwargs):
        kwargs.update(read_only=True, source="*")
        super().__init__(**kwargs)

    def to_representation(self, review):
        if review.subject_type_id is None:
            return None
        request = self.context.get("request")
        label = review.subject_type.model_class()._meta.label_lower
        subject = review.subject
        web_url = None
        if subject is not None and hasattr(subject, "get_absolute_url"):
            path = subject.get_absolute_url()
            web_url = request.build_absolute_uri(path) if request is not None else path
        return {
            "type": label,
            "id": review.subject_id,
            "name": subjects.describe(review),
            "url": registry.record_api_url(request, label, review.subject_id),
            "web_url": web_url,
        }


class PlanVersionSerializer(serializers.ModelSerializer):
    """A frozen version of the safety plan (its content only on the versions endpoint)."""

    web_url = WebURLField()
    submitted_by = PersonSerializer(read_only=True)
    criticality = LevelField()

    class Meta:
        model = PlanVersion
        fields = ["number", "submitted_by", "submitted_at", "criticality", "web_url"]
        read_only_fields = fields


class PlanVersionContentSerializer(PlanVersionSerializer):
    class Meta(PlanVersionSerializer.Meta):
        fields = [*PlanVersionSerializer.Meta.fields, "content"]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    reviewer = PersonSerializer(read_only=True)

    class Meta:
        model = ReviewerAssignment
        fields = ["reviewer", "assigned_at"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    reviewer = PersonSerializer(read_only=True)
    on_behalf_of = PersonSerializer(read_only=True, allow_null=True)
    seats = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = Decision
        fields = [
            "reviewer",
            "on_behalf_of",
            "seats",
            "version",
            "outcome",
            "comment",
            "conditions",
            "decided_at",
        ]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("review")
    web_url = WebURLField()
    system = RecordLinkField("system")
    team = RecordLinkField("team", source="system.team")
    submitted_by = PersonSerializer(read_only=True)
    current_version = serializers.IntegerField(
        source="current_version.number", read_only=True, allow_null=True
    )
    versions = PlanVersionSerializer(many=True, read_only=True)
    reviewers = AssignmentSerializer(source="assignments", many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    required_seats = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    subject = ReviewSubjectField()
    history = HistoryURLField("review")

    class Meta:
        model = Review
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "system",
            "team",
            "kind",
            "subject",
            "note",
            "status",
            "submitted_by",
            "submitted_at",
            "due_date",
            "required_approvals",
            "required_seats",
            "current_version",
            "versions",
            "reviewers",
            "decisions",
            "is_overdue",
            "closed_at",
            "created_at",
            "updated_at",
            "history",
        ]
        read_only_fields = fields


class ReviewDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DecisionOutcome.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    conditions = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Approvals only: one condition per line, each a follow-up mitigation.",
    )
    version = serializers.IntegerField(
        min_value=1, help_text="The number of the version you read (an older one is refused)."
    )
    on_behalf_of = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="As a delegate: the id of the seat holder you decide for (a delegation in "
        "force today).",
    )
