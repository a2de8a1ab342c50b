"""The API's own resources: its root, the global audit log and the exports of every register."""

from __future__ import annotations

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from apps.core import replica, rules, selectors
from apps.core.api.exports import FORMATS, Exporter, export_response
from apps.core.api.permissions import GlobalReadPermission
from apps.core.api.serializers import AuditEventSerializer
from apps.core.audit import audited_models
from apps.core.filters import AuditEventFilterSet


# --- Root ----------------------------------------------------------------------------------------
class APIRootView(APIView):
    """Every resource of the API, with its address."""

    resources: list[tuple[str, str]] = []  # (name, list URL name), set by apps.core.api.urls
    exporters: list[type[Exporter]] = []

    @extend_schema(
        summary="The API's resources",
        responses={
            200: {
                "type": "object",
                "properties": {
                    "resources": {
                        "type": "object",
                        "additionalProperties": {"type": "string", "format": "uri"},
                    },
                    "exports": {
                        "type": "object",
                        "additionalProperties": {"type": "string", "format": "uri"},
                    },
                    "schema": {"type": "string", "format": "uri"},
                    "docs": {"type": "string", "format": "uri"},
                },
            }
        },
    )
    def get(self, request):
        def url(name):
            try:
                return reverse(f"api:{name}", request=request)
            except NoReverseMatch:
                return None

        return Response(
            {
                "resources": {name: url(url_name) for name, url_name in self.resources},
                "exports": {
                    f"{exporter.name}.{file_format}": url(f"export-{exporter.name}-{file_format}")
                    for exporter in self.exporters
                    for file_format in exporter.formats
                },
                "schema": url("schema"),
                "docs": url("docs"),
            }
        )


# --- The audit log -------------------------------------------------------------------------------
def _model_choices():
    return [
        (f"{model._meta.app_label}.{model._meta.model_name}", str(model._meta.verbose_name))
        for model in audited_models()
    ]


class AuditEventAPIFilterSet(AuditEventFilterSet):
    """The audit log page's filters; ``model`` by name (``risks.risk``) and ``search``."""

    model = django_filters.ChoiceFilter(
        choices=_model_choices, method="filter_model", label="Record type (app_label.model)"
    )
    search = django_filters.CharFilter(
        field_name="object_repr", lookup_expr="icontains", label="Record name"
    )

    class Meta(AuditEventFilterSet.Meta):
        fields = [*AuditEventFilterSet.Meta.fields, "search"]

    def filter_model(self, queryset, name, value: str):
        app_label, model = value.split(".", 1)
        content_type = ContentType.objects.get_by_natural_key(app_label, model)
        return queryset.filter(content_type=content_type)


class AuditLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every change of every record, newest first (auditors, committee, administrators).

    Filter by `user` (id), `model` (`risks.risk`), `object_id`, `action` (`+` created,
    `~` changed, `-` deleted), `date_after` / `date_before` (ISO dates) and `search`.
    """

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventAPIFilterSet
    permission_classes = [GlobalReadPermission]

    def get_queryset(self):
        return selectors.audit_events()

    def list(self, request, *args, **kwargs):
        with replica.reading_for(request.user):  # auditors read from the replica, if any
            return super().list(request, *args, **kwargs)


# --- Exports -------------------------------------------------------------------------------------
class FirstRendererNegotiation(BaseContentNegotiation):
    """An export's format is in its path; the Accept header never turns it into a 406."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportPermission(IsAuthenticated):
    """Signed in, and allowed the exporter's rule if it has one (the audit log's: global
    readers only); the rows are then those the person may see."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        action = view.exporter.permission_action
        reason = rules.refusal(request.user, action) if action else ""
        if reason:
            self.message = reason
        return not reason


class ExportViewSet(viewsets.GenericViewSet):
    exporter: type[Exporter] | None = None
    file_format: str = ""
    permission_classes = [ExportPermission]
    pagination_class = None
    renderer_classes = [JSONRenderer]  # for errors; the export itself is a file
    content_negotiation_class = FirstRendererNegotiation

    def get_queryset(self):
        return self.exporter.get_queryset(self.request.user if self.request else None)

    def list(self, request, *args, **kwargs):
        filterset = self.filterset_class(
            request.query_params, queryset=self.get_queryset(), request=request
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        # Auditors' exports are read from the replica when there is one (apps.core.replica).
        rows = filterset.qs.using(replica.alias_for(request.user))
        return export_response(self.exporter, rows, self.file_format)


def export_view(exporter: type[Exporter], file_format: str):
    """The view of one export in one format, documented with its columns."""
    view_class = type(
        f"{exporter.__name__}{file_format.upper()}ViewSet",
        (ExportViewSet,),
        {
            "exporter": exporter,
            "file_format": file_format,
            "filterset_class": exporter.filterset_class,
            "__doc__": f"{exporter.title}: export as {file_format.upper()}.",
        },
    )
    view_class = extend_schema_view(
        list=extend_schema(
            operation_id=f"export_{exporter.name}_{file_format}",
            summary=f"Export {exporter.title.lower()} as {file_format.upper()}",
            description=(
                f"The whole filtered {exporter.title.lower()} (the same filters as the list), "
                "streamed. Dates and times are ISO 8601; levels are words.\n\n"
                + exporter.describe_columns()
            ),
            filters=True,
            tags=["exports"],
            responses={
                (200, FORMATS[file_format].split(";")[0]): (
                    exporter.json_item_schema() if file_format == "json" else OpenApiTypes.BINARY
                )
            },
        )
    )(view_class)
    return view_class.as_view({"get": "list"})
