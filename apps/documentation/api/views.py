"""Technical documentation on the API, read-only: whoever may read a system reads its
document and versions (auditors every one), with their history, and downloads each version's
PDF and DOCX."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer

from apps.core.api.views import FirstRendererNegotiation
from apps.core.api.viewsets import RecordViewSet
from apps.documentation import outputs, selectors
from apps.documentation.api.filters import TechnicalDocumentAPIFilterSet, VersionAPIFilterSet
from apps.documentation.api.serializers import (
    DocumentVersionListSerializer,
    DocumentVersionSerializer,
    TechnicalDocumentSerializer,
)
from apps.documentation.models import TechnicalDocument, TechnicalDocumentVersion


def _with_versions(queryset):
    return queryset.prefetch_related(
        Prefetch(
            "versions",
            queryset=TechnicalDocumentVersion.objects.defer("content")
            .select_related("generated_by")
            .order_by("number"),
        )
    )


class TechnicalDocumentViewSet(RecordViewSet):
    """The Annex IV technical documentation of AI systems: each document's texts and its
    generated versions (number, SHA-256, gaps, links to the PDF and DOCX). Read-only: the
    system's contributors write it on its page."""

    model = TechnicalDocument
    serializer_class = TechnicalDocumentSerializer
    filterset_class = TechnicalDocumentAPIFilterSet
    http_method_names = ["get", "head", "options"]

    def get_list_queryset(self):
        return _with_versions(selectors.document_list(self.request.user))

    def get_detail_queryset(self):
        return _with_versions(selectors.document_detail(self.request.user))


FILE_ACTION = {
    "detail": True,
    "methods": ["get"],
    "filter_backends": [],
    "renderer_classes": [JSONRenderer],  # for errors; the file itself is what is sent
    "content_negotiation_class": FirstRendererNegotiation,
}


class TechnicalDocumentVersionViewSet(RecordViewSet):
    """Generated versions of technical documents, frozen: the content, its SHA-256 (of the
    content as canonical JSON: keys sorted, separators `,` and `:`, UTF-8), and the PDF and DOCX
    made from it. Filter by `document`, `system` or `sha256`."""

    model = TechnicalDocumentVersion
    serializer_class = DocumentVersionSerializer
    filterset_class = VersionAPIFilterSet
    http_method_names = ["get", "head", "options"]

    def get_serializer_class(self):
        return DocumentVersionListSerializer if self.action == "list" else DocumentVersionSerializer

    def get_list_queryset(self):
        return selectors.version_list(self.request.user)

    def get_detail_queryset(self):
        return selectors.version_detail(self.request.user)

    @extend_schema(
        summary="The version as PDF",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        filters=False,
    )
    @action(**FILE_ACTION)
    def pdf(self, request, *args, **kwargs):
        version = self.get_object()
        return outputs.file_response(
            outputs.version_pdf(version),
            "application/pdf",
            outputs.version_filename(version, "pdf"),
        )

    @extend_schema(
        summary="The version as DOCX (an editable copy)",
        responses={(200, outputs.DOCX_TYPE): OpenApiTypes.BINARY},
        filters=False,
    )
    @action(**FILE_ACTION)
    def docx(self, request, *args, **kwargs):
        version = self.get_object()
        return outputs.file_response(
            outputs.version_docx(version),
            outputs.DOCX_TYPE,
            outputs.version_filename(version, "docx"),
        )
