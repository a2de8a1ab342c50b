"""Risks, the risk library and acceptances in the API.

Read serializers show a record with its reference, links and levels in words; input
serializers only check the shape of a request and find the records it names (within what the
person may see). The rules — who may write, score limits, unique titles — are the services'.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import registry
from apps.core.api.serializers import (
    HistoryURLField,
    LevelField,
    PersonSerializer,
    RecordLinkField,
    RecordLinkSerializer,
    ReferenceField,
    ReferenceRelatedField,
    SelfURLField,
    WebURLField,
)
from apps.risks.models import (
    FrameworkReference,
    Impact,
    Likelihood,
    Risk,
    RiskAcceptance,
    RiskCategory,
    RiskStatus,
    RiskTemplate,
    RiskTemplateMitigation,
    Treatment,
)
from apps.systems.models import AISystem


# --- Shared pieces --------------------------------------------------------------------------------
class CategorySerializer(serializers.ModelSerializer):
    path = serializers.CharField(read_only=True, help_text="category/subcategory slugs")
    category = serializers.SerializerMethodField()
    subcategory = serializers.SerializerMethodField()

    class Meta:
        model = RiskCategory
        fields = ["path", "category", "subcategory"]

    def get_category(self, obj) -> str:
        return obj.parent.name if obj.parent_id else obj.name

    def get_subcategory(self, obj) -> str:
        return obj.name if obj.parent_id else ""


class FrameworkReferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = FrameworkReference
        fields = ["framework", "code", "title"]


def lookup_text(data) -> str:
    """Text to look a record up by, refused (400) if it holds a NUL character, as DRF's
    CharField does: PostgreSQL cannot compare text with NUL (it would be a server error)."""
    text = str(data)
    if "\x00" in text:
        raise serializers.ValidationError("Null characters are not allowed.")
    return text


@extend_schema_field(OpenApiTypes.STR)
class CategoryPathField(serializers.Field):
    """A category by its path, ``model-error/hallucination`` (or a top-level ``privacy``)."""

    default_error_messages = {"unknown": "Unknown category “{value}”; use category/subcategory."}

    def to_internal_value(self, data):
        parts = lookup_text(data).strip().strip("/").split("/")
        if len(parts) == 1:
            found = RiskCategory.objects.filter(slug=parts[0], parent__isnull=True).first()
        elif len(parts) == 2:
            found = RiskCategory.objects.filter(slug=parts[1], parent__slug=parts[0]).first()
        else:
            found = None
        if found is None:
            self.fail("unknown", value=data)
        return found

    def to_representation(self, value):
        return value.path


class PersonEmailField(serializers.SlugRelatedField):
    """A person by e-mail address (case-insensitive), active accounts only."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "email")
        kwargs.setdefault("queryset", get_user_model().objects.filter(is_active=True))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(lookup_text(data).strip().lower())


class FrameworkCodesField(serializers.ListField):
    """Framework items by code (``LLM01:2025``, ``MAP 2.2``)."""

    child = serializers.CharField(max_length=60)

    def to_internal_value(self, data):
        codes = super().to_internal_value(data)
        found = {ref.code: ref for ref in FrameworkReference.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise serializers.ValidationError(f"Unknown framework items: {', '.join(unknown)}.")
        return list(found.values())


# --- Risks ----------------------------------------------------------------------------------------
class RiskLinkSerializer(serializers.ModelSerializer):
    """A mitigation's or acceptance's link to a risk."""

    reference = ReferenceField()
    url = SelfURLField("risk")
    name = serializers.CharField(source="title", read_only=True)

    class Meta:
        model = Risk
        fields = ["id", "reference", "name", "url"]


class RiskSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("risk")
    web_url = WebURLField()
    system = RecordLinkField("system")
    team = RecordLinkField("team", source="system.team")
    category = CategorySerializer(read_only=True)
    owner = PersonSerializer(read_only=True)
    framework_references = FrameworkReferenceSerializer(many=True, read_only=True)
    template = RecordLinkField("risk-template", allow_null=True)
    inherent_level = LevelField()
    residual_level = LevelField()
    is_overdue = serializers.BooleanField(read_only=True)
    archived = serializers.BooleanField(source="is_archived", read_only=True)
    mitigations = serializers.SerializerMethodField()
    history = HistoryURLField("risk")

    class Meta:
        model = Risk
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "title",
            "scenario",
            "system",
            "team",
            "category",
            "owner",
            "framework_references",
            "template",
            "inherent_likelihood",
            "inherent_impact",
            "inherent_score",
            "inherent_level",
            "residual_likelihood",
            "residual_impact",
            "residual_score",
            "residual_level",
            "assessed_on",
            "treatment_due",
            "treatment",
            "status",
            "is_overdue",
            "archived",
            "archived_at",
            "created_at",
            "updated_at",
            "version",
            "mitigations",
            "history",
        ]
        read_only_fields = fields

    @extend_schema_field(RecordLinkSerializer(many=True))
    def get_mitigations(self, risk) -> list[dict]:
        request = self.context.get("request")
        return [
            {
                "id": m.pk,
                "reference": m.reference,
                "name": m.title,
                "url": registry.detail_url(request, "mitigation", m.pk),
            }
            for m in risk.mitigations.all()
        ]


class RiskInputSerializer(serializers.Serializer):
    """What a script sends to add or change a risk (the fields of the risk form)."""

    system = ReferenceRelatedField(
        AISystem,
        help_text="SYS-0042 or 42; only when adding a risk.",
    )
    title = serializers.CharField(max_length=255)
    scenario = serializers.CharField()
    category = CategoryPathField(help_text="category/subcategory, e.g. model-error/hallucination")
    owner = PersonEmailField(
        help_text="The owner's e-mail address: someone who can read the risk (a member of the "
        "system's team, a committee member or an administrator; not an auditor)."
    )
    framework_references = FrameworkCodesField(required=False, help_text="Codes, e.g. LLM01:2025")
    inherent_likelihood = serializers.ChoiceField(choices=Likelihood.choices)
    inherent_impact = serializers.ChoiceField(choices=Impact.choices)
    residual_likelihood = serializers.ChoiceField(choices=Likelihood.choices)
    residual_impact = serializers.ChoiceField(choices=Impact.choices)
    treatment = serializers.ChoiceField(choices=Treatment.choices, default=Treatment.MITIGATE)
    status = serializers.ChoiceField(choices=RiskStatus.choices, default=RiskStatus.OPEN)
    change_reason = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Why, for the history.",
    )

    def validate_system(self, system):
        if self.instance is not None and system.pk != self.instance.system_id:
            raise serializers.ValidationError("A risk cannot move to another system.")
        return system

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["system"].required = False
            for field in ("treatment", "status"):
                fields[field].default = serializers.empty
                fields[field].required = not self.partial
        return fields


# --- The risk library -----------------------------------------------------------------------------
class SuggestedMitigationSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskTemplateMitigation
        fields = ["title", "description", "kind", "layer"]


class RiskTemplateSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="key", read_only=True)
    url = SelfURLField("risk-template")
    web_url = WebURLField()
    category = CategorySerializer(read_only=True)
    framework_references = FrameworkReferenceSerializer(many=True, read_only=True)
    ai_kinds = serializers.ListField(
        source="ai_kind_list",
        child=serializers.CharField(),
        read_only=True,
        help_text="Kinds of AI it is suggested for; empty for every kind.",
    )
    suggested_mitigations = SuggestedMitigationSerializer(many=True, read_only=True)
    history = HistoryURLField("risk-template")

    class Meta:
        model = RiskTemplate
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "key",
            "title",
            "category",
            "scenario",
            "ai_kinds",
            "inherent_likelihood",
            "inherent_impact",
            "framework_references",
            "suggested_mitigations",
            "is_active",
            "history",
        ]
        read_only_fields = fields


# --- Acceptances ----------------------------------------------------------------------------------
class AcceptanceSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("acceptance")
    web_url = WebURLField()
    risk = RiskLinkSerializer(read_only=True)
    system = RecordLinkField("system", source="risk.system")
    requested_by = PersonSerializer(read_only=True)
    decided_by = PersonSerializer(read_only=True, allow_null=True)
    history = HistoryURLField("acceptance")

    class Meta:
        model = RiskAcceptance
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "risk",
            "system",
            "rationale",
            "expires_on",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_comment",
            "history",
        ]
        read_only_fields = fields


class AcceptanceRequestSerializer(serializers.Serializer):
    risk = ReferenceRelatedField(Risk, help_text="RSK-0107 or 107")
    rationale = serializers.CharField()
    expires_on = serializers.DateField()


class AcceptanceDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = serializers.CharField(required=False, allow_blank=True, default="")
