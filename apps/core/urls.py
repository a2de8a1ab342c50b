from django.urls import path

from apps.core.views import dev, ops, pages

app_name = "core"

urlpatterns = [
    path("audit-log/", pages.AuditLogView.as_view(), name="audit_log"),
    path("audit-log/export.csv", pages.AuditLogExportView.as_view(), name="audit_log_export"),
    path(
        "audit-log/export.json",
        pages.AuditLogExportView.as_view(file_format="json"),
        name="audit_log_export_json",
    ),
    path("healthz", pages.healthz, name="healthz"),
    path("healthz/ready", pages.readiness, name="readiness"),
    path("metrics", ops.metrics, name="metrics"),
    path("dev/outbox/", dev.DevOutboxView.as_view(), name="dev_outbox"),
    path("dev/outbox/<str:name>/", dev.DevOutboxMessageView.as_view(), name="dev_outbox_message"),
    path("dev/outbox/<str:name>/html/", dev.DevOutboxHtmlView.as_view(), name="dev_outbox_html"),
]
