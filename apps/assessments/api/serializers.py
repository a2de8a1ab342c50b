"""Impact assessments on the API: the draft as it stands, and each submitted version (its frozen
content, its state, the review that decides on it and its PDF)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.assessments.models import AssessmentVersion, FundamentalRightsAssessment
from apps.core.api import registry
from apps.core.api.serializers import (
    HistoryURLField,
    PersonSerializer,
    RecordLinkField,
    ReferenceField,
    SelfURLField,
    WebURLField,
)

BASENAME = "fundamental-rights-assessment"


class VersionSerializer(serializers.ModelSerializer):
    """A submitted version, without its content."""

    submitted_by = PersonSerializer(read_only=True)
    state = serializers.CharField(
        read_only=True,
        help_text="approved, rejected, withdrawn, superseded; or, while the committee has it, "
        "its review's status (pending, changes_requested).",
    )
    state_label = serializers.CharField(read_only=True)
    review = RecordLinkField("review", allow_null=True)
    web_url = WebURLField()
    pdf_url = serializers.SerializerMethodField(help_text="The version as a PDF.")

    class Meta:
        model = AssessmentVersion
        fields = [
            "number",
            "state",
            "state_label",
            "submitted_by",
            "submitted_at",
            "decided_at",
            "review",
            "web_url",
            "pdf_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, version) -> str:
        return registry.reverse_api(
            self.context.get("request"),
            f"{BASENAME}-version-pdf",
            pk=version.assessment_id,
            number=version.number,
        )


class VersionContentSerializer(VersionSerializer):
    content = serializers.JSONField(
        read_only=True,
        help_text="What was submitted, frozen: the sections, the linked risks with their "
        "titles and levels then, the notification date and the system's facts.",
    )

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "content"]
        read_only_fields = fields


class AssessmentSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField(BASENAME)
    web_url = WebURLField()
    system = RecordLinkField("system")
    team = RecordLinkField("team", source="system.team")
    risks = serializers.SlugRelatedField(
        slug_field="reference",
        many=True,
        read_only=True,
        help_text="The system's risks the draft links (RSK-0107…).",
    )
    versions = VersionSerializer(many=True, read_only=True)
    history = HistoryURLField(BASENAME)

    class Meta:
        model = FundamentalRightsAssessment
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "system",
            "team",
            "deployer_process",
            "period_of_use",
            "affected_groups",
            "risks_of_harm",
            "risks",
            "human_oversight",
            "measures_if_materialised",
            "internal_governance",
            "complaint_mechanisms",
            "authority_name",
            "authority_notified_on",
            "versions",
            "created_at",
            "updated_at",
            "version",
            "history",
        ]
        read_only_fields = fields
