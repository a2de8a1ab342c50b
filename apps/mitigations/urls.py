from django.urls import path

from apps.mitigations import views

app_name = "mitigations"

urlpatterns = [
    path("", views.MitigationListView.as_view(), name="list"),
    path("new/", views.MitigationCreateView.as_view(), name="create"),
    path("<int:pk>/", views.MitigationDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.MitigationEditView.as_view(), name="edit"),
    path("<int:pk>/status/", views.SetStatusView.as_view(), name="set_status"),
    path("<int:pk>/history/", views.MitigationHistoryView.as_view(), name="history"),
    # Evidence
    path("<int:pk>/evidence/", views.AddEvidenceView.as_view(), name="add_evidence"),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/remove/",
        views.RemoveEvidenceView.as_view(),
        name="remove_evidence",
    ),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/download/",
        views.EvidenceDownloadView.as_view(),
        name="evidence_download",
    ),
    # The panel on a risk's page
    path("for-risk/<int:risk_pk>/", views.RiskPanelView.as_view(), name="risk_panel"),
    path("for-risk/<int:risk_pk>/add/", views.RiskPanelAddView.as_view(), name="risk_panel_add"),
    path("for-risk/<int:risk_pk>/link/", views.RiskPanelLinkView.as_view(), name="risk_panel_link"),
    path(
        "for-risk/<int:risk_pk>/unlink/<int:pk>/",
        views.RiskPanelUnlinkView.as_view(),
        name="risk_panel_unlink",
    ),
]
