"""The organisation's compliance pages: the Statement of Applicability and the dashboard.

Mounted under ``compliance/org/`` with the namespace ``compliance_org`` (config/urls.py).
"""

from django.urls import path

from apps.compliance import views_dashboard, views_soa

app_name = "compliance_org"
XLSX, PDF = {"file_format": "xlsx"}, {"file_format": "pdf"}

urlpatterns = [
    path("dashboard/", views_dashboard.ComplianceDashboardView.as_view(), name="dashboard"),
    path(
        "dashboard/export.csv",
        views_dashboard.ComplianceDashboardExportView.as_view(),
        name="dashboard_export",
    ),
    # The ISO/IEC 42001 Statement of Applicability: the draft, its controls, its versions
    path("soa/", views_soa.SoAView.as_view(), name="soa"),
    path("soa/export.xlsx", views_soa.SoAExportView.as_view(), XLSX, name="soa_xlsx"),
    path("soa/export.pdf", views_soa.SoAExportView.as_view(), PDF, name="soa_pdf"),
    path("soa/history/", views_soa.SoAHistoryView.as_view(), name="soa_history"),
    path("soa/submit/", views_soa.SoASubmitView.as_view(), name="soa_submit"),
    path("soa/controls/<int:pk>/", views_soa.SoAControlView.as_view(), name="soa_control"),
    path("soa/entries/<int:pk>/", views_soa.SoAEntryLinkView.as_view(), name="soa_entry_link"),
    path("soa/versions/<int:pk>/", views_soa.SoAVersionView.as_view(), name="soa_version"),
    path("soa/versions/<int:pk>/decide/", views_soa.SoADecideView.as_view(), name="soa_decide"),
    path(
        "soa/versions/<int:pk>/withdraw/",
        views_soa.SoAWithdrawView.as_view(),
        name="soa_withdraw",
    ),
    path(
        "soa/versions/<int:pk>/export.xlsx",
        views_soa.SoAVersionExportView.as_view(),
        XLSX,
        name="soa_version_xlsx",
    ),
    path(
        "soa/versions/<int:pk>/export.pdf",
        views_soa.SoAVersionExportView.as_view(),
        PDF,
        name="soa_version_pdf",
    ),
]
