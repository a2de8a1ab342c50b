"""``/api/v1/``: every app's resources, the audit log, the exports, the schema and its docs.

Each app's ``api/urls.py`` has a ``router`` (its resources) and ``exporters`` (its registers
that export). To add an app's API, add its module to ``API_MODULES``: the root, the links
from the audit log and the exports follow.
"""

from importlib import import_module

from django.urls import path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from apps.core.api import registry
from apps.core.api.audit_export import AuditLogExporter
from apps.core.api.exceptions import json_not_found
from apps.core.api.schema_view import CachedSchemaView
from apps.core.api.views import APIRootView, AuditLogViewSet, export_view

app_name = "api"

API_MODULES = [
    "apps.accounts.api.urls",
    "apps.systems.api.urls",
    "apps.risks.api.urls",
    "apps.mitigations.api.urls",
    "apps.incidents.api.urls",
    "apps.compliance.api.urls",
    "apps.concerns.api.urls",
    "apps.monitoring.api.urls",
    "apps.evaluations.api.urls",
    "apps.literacy.api.urls",
    "apps.classification.api.urls",
    "apps.assessments.api.urls",
    "apps.documentation.api.urls",
    "apps.reviews.api.urls",
]

router = SimpleRouter()
exporters = []
for module_name in API_MODULES:
    module = import_module(module_name)
    for prefix, viewset, basename in module.router.registry:
        router.register(prefix, viewset, basename=basename)
        if getattr(viewset, "model", None) is not None:
            registry.register(viewset.model, basename)
    exporters.extend(module.exporters)
router.register("audit-log", AuditLogViewSet, basename="audit-event")
exporters.append(AuditLogExporter)  # the audit log's CSV and JSON, for global readers

APIRootView.resources = [(prefix, f"{basename}-list") for prefix, _, basename in router.registry]
APIRootView.exporters = exporters

urlpatterns = [
    path("", APIRootView.as_view(), name="root"),
    # Generated once per version of the code, then served from the cache.
    path("schema/", CachedSchemaView.as_view(), name="schema"),
    # Swagger UI with its start-up script as a separate file: no inline script (CSP).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    *[
        path(
            f"exports/{exporter.name}.{file_format}",
            export_view(exporter, file_format),
            name=f"export-{exporter.name}-{file_format}",
        )
        for exporter in exporters
        for file_format in exporter.formats
    ],
    *router.urls,
    re_path(r"^.*$", json_not_found),
]
