from django.urls import path

from apps.mitigations.views import evidence, pages, risk_panel

app_name = "mitigations"

urlpatterns = [
    path("", pages.MitigationListView.as_view(), name="list"),
    path("export.csv", pages.MitigationExportView.as_view(), name="export"),
    path("new/", pages.MitigationCreateView.as_view(), name="create"),
    path("<int:pk>/", pages.MitigationView.as_view(), name="detail"),
    path("<int:pk>/edit/", pages.MitigationEditView.as_view(), name="edit"),
    path("<int:pk>/status/", pages.SetStatusView.as_view(), name="set_status"),
    path("<int:pk>/history/", pages.MitigationHistoryView.as_view(), name="history"),
    # Evidence
    path("<int:pk>/evidence/", evidence.AddEvidenceView.as_view(), name="add_evidence"),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/remove/",
        evidence.RemoveEvidenceView.as_view(),
        name="remove_evidence",
    ),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/download/",
        evidence.EvidenceDownloadView.as_view(),
        name="evidence_download",
    ),
    # The panel on a risk's page
    path("for-risk/<int:risk_pk>/", risk_panel.RiskPanelView.as_view(), name="risk_panel"),
    path(
        "for-risk/<int:risk_pk>/add/", risk_panel.RiskPanelAddView.as_view(), name="risk_panel_add"
    ),
    path(
        "for-risk/<int:risk_pk>/link/",
        risk_panel.RiskPanelLinkView.as_view(),
        name="risk_panel_link",
    ),
    path(
        "for-risk/<int:risk_pk>/unlink/<int:pk>/",
        risk_panel.RiskPanelUnlinkView.as_view(),
        name="risk_panel_unlink",
    ),
]
