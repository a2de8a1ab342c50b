from django.urls import path

from apps.core import views

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("audit-log/", views.AuditLogView.as_view(), name="audit_log"),
    path("healthz", views.healthz, name="healthz"),
]
