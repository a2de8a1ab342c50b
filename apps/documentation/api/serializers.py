"""Technical documentation on the API: documents (their texts, their gaps now, their versions)
and versions (their frozen content, SHA-256 and files)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import registry
from apps.core.api.serializers import (
    HistoryURLField,
    PersonSerializer,
    RecordLinkField,
    ReferenceField,
    SelfURLField,
    WebURLField,
)
from apps.documentation.annex_iv import EDITABLE_GROUPS
from apps.documentation.models import TechnicalDocument, TechnicalDocumentVersion

TEXT_FIELDS = [name for names in EDITABLE_GROUPS.values() for name in names]


@extend_schema_field(OpenApiTypes.URI)
class DocumentVersionFileField(serializers.Field):
    """The address of one of a version's files (``pdf`` or ``docx``) in the API."""

    def __init__(self, action: str, **kwargs):
        self.action = action
        kwargs.update(read_only=True, source="*")
        super().__init__(**kwargs)

    def to_representation(self, version):
        return registry.reverse_api(
            self.context.get("request"), f"technical-document-version-{self.action}", pk=version.pk
        )


class DocumentVersionSummarySerializer(serializers.ModelSerializer):
    """A generated version, without its content."""

    url = SelfURLField("technical-document-version")
    web_url = WebURLField()
    generated_by = PersonSerializer(read_only=True)
    pdf = DocumentVersionFileField("pdf")
    docx = DocumentVersionFileField("docx")

    class Meta:
        model = TechnicalDocumentVersion
        fields = [
            "id",
            "number",
            "sha256",
            "gap_count",
            "note",
            "generated_by",
            "generated_at",
            "url",
            "web_url",
            "pdf",
            "docx",
        ]
        read_only_fields = fields


class DocumentVersionSerializer(DocumentVersionSummarySerializer):
    """A generated version with its frozen content: the SHA-256 is of ``content`` as canonical
    JSON (keys sorted, separators ``,`` and ``:``, UTF-8, no ASCII escaping)."""

    document = RecordLinkField("technical-document")
    system = RecordLinkField("system", source="document.system")
    history = HistoryURLField("technical-document-version")

    class Meta(DocumentVersionSummarySerializer.Meta):
        fields = [
            *DocumentVersionSummarySerializer.Meta.fields[:1],
            "document",
            "system",
            *DocumentVersionSummarySerializer.Meta.fields[1:],
            "content",
            "history",
        ]
        read_only_fields = fields


class DocumentVersionListSerializer(DocumentVersionSerializer):
    class Meta(DocumentVersionSerializer.Meta):
        fields = [name for name in DocumentVersionSerializer.Meta.fields if name != "content"]
        read_only_fields = fields


class TechnicalDocumentSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("technical-document")
    web_url = WebURLField()
    system = RecordLinkField("system")
    team = RecordLinkField("team", source="system.team")
    versions = DocumentVersionSummarySerializer(many=True, read_only=True)
    history = HistoryURLField("technical-document")

    class Meta:
        model = TechnicalDocument
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "system",
            "team",
            *TEXT_FIELDS,
            "latest_version_number",
            "latest_sha256",
            "versions",
            "created_at",
            "updated_at",
            "version",
            "history",
        ]
        read_only_fields = fields
