from django.urls import path

from apps.core.views import pages

app_name = "core"

urlpatterns = [
    path("audit-log/", pages.AuditLogView.as_view(), name="audit_log"),
    path("healthz", pages.healthz, name="healthz"),
]
