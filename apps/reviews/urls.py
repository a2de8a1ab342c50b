from django.urls import path

from apps.reviews import views

app_name = "reviews"

urlpatterns = [
    # Reviews
    path("", views.ReviewListView.as_view(), name="list"),
    path("export.csv", views.ReviewExportView.as_view(), name="export"),
    path("queue/", views.ReviewQueueView.as_view(), name="queue"),
    path("<int:pk>/", views.ReviewDetailView.as_view(), name="detail"),
    path("<int:pk>/decide/", views.DecideView.as_view(), name="decide"),
    path("<int:pk>/resubmit/", views.ResubmitView.as_view(), name="resubmit"),
    path("<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("<int:pk>/reviewers/", views.AssignReviewersView.as_view(), name="assign"),
    path("<int:pk>/history/", views.ReviewHistoryView.as_view(), name="history"),
    # A system's plan: live, submitted, frozen versions, compared, as PDF
    path("plans/<int:system_pk>/", views.PlanView.as_view(), name="plan"),
    path("plans/<int:system_pk>/plan.pdf", views.PlanPdfView.as_view(), name="plan_pdf"),
    path("plans/<int:system_pk>/submit/", views.SubmitPlanView.as_view(), name="submit"),
    path(
        "plans/<int:system_pk>/versions/<int:number>/",
        views.VersionView.as_view(),
        name="version",
    ),
    path(
        "plans/<int:system_pk>/versions/<int:number>/pdf/",
        views.VersionPdfView.as_view(),
        name="version_pdf",
    ),
    path(
        "plans/<int:system_pk>/versions/<int:number>/compare/",
        views.CompareView.as_view(),
        name="compare",
    ),
    # The deployment checklist
    path("plans/<int:system_pk>/checklist/", views.ChecklistView.as_view(), name="checklist"),
    path(
        "plans/<int:system_pk>/checklist/<slug:key>/",
        views.ChecklistItemUpdateView.as_view(),
        name="checklist_update",
    ),
    path(
        "plans/<int:system_pk>/checklist/<slug:key>/evidence/",
        views.ChecklistEvidenceAddView.as_view(),
        name="checklist_add_evidence",
    ),
    path(
        "checklist-items/<int:item_pk>/evidence/<int:evidence_pk>/remove/",
        views.ChecklistEvidenceRemoveView.as_view(),
        name="checklist_remove_evidence",
    ),
    path(
        "checklist-items/<int:item_pk>/evidence/<int:evidence_pk>/download/",
        views.ChecklistEvidenceDownloadView.as_view(),
        name="checklist_evidence_download",
    ),
    # Links from the audit log to the page that shows each record
    path("versions/<int:pk>/", views.VersionLinkView.as_view(), name="version_link"),
    path("decisions/<int:pk>/", views.DecisionLinkView.as_view(), name="decision_link"),
    path("assignments/<int:pk>/", views.AssignmentLinkView.as_view(), name="assignment_link"),
    path(
        "checklist-items/<int:pk>/",
        views.ChecklistItemLinkView.as_view(),
        name="checklist_item_link",
    ),
]
