from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.compliance.models import Catalogue, Obligation, ObligationStatus, Requirement
from apps.compliance.models_soa import SoAEntry, SoAVersion, SoAVersionEntry
from apps.core.api import registry
from apps.core.api.serializers import (
    HistoryURLField,
    PersonSerializer,
    RecordLinkField,
    RecordLinkSerializer,
    ReferenceField,
    ReferenceRelatedField,
    SelfURLField,
    WebURLField,
)
from apps.mitigations.models import Mitigation
from apps.risks.api.serializers import PersonEmailField, RiskLinkSerializer
from apps.risks.models import Risk


# --- Catalogues and requirements ------------------------------------------------------------------
class CatalogueSummarySerializer(serializers.ModelSerializer):
    retired = serializers.BooleanField(source="is_retired", read_only=True)

    class Meta:
        model = Catalogue
        fields = ["id", "framework", "name", "version", "scope", "retired", "retired_at"]
        read_only_fields = fields


class RequirementSerializer(serializers.ModelSerializer):
    url = SelfURLField("requirement")
    web_url = WebURLField()
    catalogue = CatalogueSummarySerializer(read_only=True)
    parent = serializers.SlugRelatedField(
        slug_field="identifier",
        read_only=True,
        allow_null=True,
        help_text="The identifier of the objective, function or category it belongs to.",
    )
    binds = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Whom it binds under the EU AI Act, in words (providers, deployers…).",
    )
    history = HistoryURLField("requirement")

    class Meta:
        model = Requirement
        fields = [
            "id",
            "url",
            "web_url",
            "catalogue",
            "identifier",
            "title",
            "summary",
            "kind",
            "parent",
            "binds_provider",
            "binds_deployer",
            "binds_gpai_provider",
            "binds",
            "is_blocking",
            "position",
            "history",
        ]
        read_only_fields = fields


class RequirementLinkSerializer(serializers.ModelSerializer):
    url = SelfURLField("requirement")
    framework = serializers.CharField(source="catalogue.framework", read_only=True)
    catalogue = serializers.CharField(source="catalogue.name", read_only=True)

    class Meta:
        model = Requirement
        fields = ["id", "framework", "catalogue", "identifier", "title", "is_blocking", "url"]
        read_only_fields = fields


def _mitigation_links(request, mitigations) -> list[dict]:
    """Linked mitigations as ``{id, reference, name, url}`` (an obligation's, an SoA entry's)."""
    return [
        {
            "id": m.pk,
            "reference": m.reference,
            "name": m.title,
            "url": registry.detail_url(request, "mitigation", m.pk),
        }
        for m in mitigations
    ]


# --- Obligations ----------------------------------------------------------------------------------
class KeyDateSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    date = serializers.DateField()


class ObligationSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("obligation")
    web_url = WebURLField()
    system = RecordLinkField("system")
    team = RecordLinkField("team", source="system.team")
    requirement = RequirementLinkSerializer(read_only=True)
    owner = PersonSerializer(read_only=True, allow_null=True)
    key_date = KeyDateSerializer(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    mitigations = serializers.SerializerMethodField()
    risks = RiskLinkSerializer(many=True, read_only=True)
    evidence_count = serializers.SerializerMethodField()
    history = HistoryURLField("obligation")

    class Meta:
        model = Obligation
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "system",
            "team",
            "requirement",
            "applicability",
            "applicability_reason",
            "applicability_changed_at",
            "why",
            "triggered_by",
            "status",
            "justification",
            "owner",
            "due_date",
            "custom_due_date",
            "key_date",
            "is_overdue",
            "notes",
            "mitigations",
            "risks",
            "evidence_count",
            "created_at",
            "updated_at",
            "version",
            "history",
        ]
        read_only_fields = fields

    @extend_schema_field(RecordLinkSerializer(many=True))
    def get_mitigations(self, obligation) -> list[dict]:
        return _mitigation_links(self.context.get("request"), obligation.mitigations.all())

    @extend_schema_field(serializers.IntegerField(help_text="Live (not removed) evidence items."))
    def get_evidence_count(self, obligation) -> int:
        return getattr(obligation, "evidence_count", 0)


class ObligationInputSerializer(serializers.Serializer):
    """What a script changes on an obligation (the fields of its form; which obligations exist
    is derived from the systems' facts, never written): parsed here, checked by the service like
    the form's (“not applicable” needs a justification, the owner must read the system, the
    linked mitigations and risks are of its own system)."""

    status = serializers.ChoiceField(choices=ObligationStatus.choices, required=False)
    justification = serializers.CharField(required=False, allow_blank=True)
    owner = PersonEmailField(
        required=False,
        allow_null=True,
        help_text="The owner's e-mail (someone who can read the system), or null for nobody.",
    )
    custom_due_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The team's due date; null to follow the key date.",
    )
    notes = serializers.CharField(required=False, allow_blank=True)
    mitigations = serializers.ListField(
        child=ReferenceRelatedField(Mitigation),
        required=False,
        help_text="The mitigations that address it (MTG-0311 or 311), all of its own system; "
        "replaces the linked ones.",
    )
    risks = serializers.ListField(
        child=ReferenceRelatedField(Risk),
        required=False,
        help_text="The risks linked to it (RSK-0107 or 107), all of its own system; replaces "
        "the linked ones.",
    )
    change_reason = serializers.CharField(
        max_length=255, required=False, allow_blank=True, write_only=True
    )


# --- The Statement of Applicability ---------------------------------------------------------------
class SoAEntrySerializer(serializers.ModelSerializer):
    """The draft's answer for one control, as it stands."""

    url = SelfURLField("soa-entry")
    web_url = WebURLField()
    requirement = RequirementLinkSerializer(read_only=True)
    objective = serializers.SerializerMethodField()
    policies = serializers.ListField(
        child=serializers.CharField(),
        source="policy_lines",
        read_only=True,
        help_text="The policies and procedures that implement it: names or addresses.",
    )
    mitigations = serializers.SerializerMethodField()
    updated_by = PersonSerializer(read_only=True, allow_null=True)
    history = HistoryURLField("soa-entry")

    class Meta:
        model = SoAEntry
        fields = [
            "id",
            "url",
            "web_url",
            "requirement",
            "objective",
            "applicability",
            "justification",
            "implementation",
            "mitigations",
            "policies",
            "updated_by",
            "created_at",
            "updated_at",
            "version",
            "history",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.CharField(help_text="The control objective it belongs to (A.6 …).")
    )
    def get_objective(self, entry) -> str:
        parent = entry.requirement.parent
        return f"{parent.identifier} {parent.title}" if parent else ""

    @extend_schema_field(RecordLinkSerializer(many=True))
    def get_mitigations(self, entry) -> list[dict]:
        return _mitigation_links(self.context.get("request"), entry.mitigations.all())


class FrozenMitigationSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text="MTG-0012")
    title = serializers.CharField()
    system = serializers.CharField(help_text="The system's reference (SYS-0042).")
    status = serializers.CharField(help_text="Its status when the version was submitted.")


class SoAVersionEntrySerializer(serializers.ModelSerializer):
    """One control as it was frozen in a version: texts copied when it was submitted."""

    requirement = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The control's id among the requirements."
    )
    mitigations = FrozenMitigationSerializer(many=True, read_only=True)
    policies = serializers.ListField(
        child=serializers.CharField(), source="policy_lines", read_only=True
    )

    class Meta:
        model = SoAVersionEntry
        fields = [
            "id",
            "position",
            "requirement",
            "identifier",
            "title",
            "objective",
            "applicability",
            "justification",
            "implementation",
            "mitigations",
            "policies",
        ]
        read_only_fields = fields


class SoAVersionSerializer(serializers.ModelSerializer):
    url = SelfURLField("soa-version")
    web_url = WebURLField()
    catalogue = CatalogueSummarySerializer(read_only=True)
    submitted_by = PersonSerializer(read_only=True)
    decided_by = PersonSerializer(read_only=True, allow_null=True)
    entries = serializers.SerializerMethodField()
    history = HistoryURLField("soa-version")

    class Meta:
        model = SoAVersion
        fields = [
            "id",
            "url",
            "web_url",
            "number",
            "status",
            "catalogue",
            "note",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_comment",
            "entries",
            "history",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_entries(self, version) -> str:
        """The address of the version's frozen controls."""
        return registry.reverse_api(
            self.context.get("request"), "soa-version-entries", pk=version.pk
        )
