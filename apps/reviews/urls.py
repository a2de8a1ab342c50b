from django.urls import path

from apps.reviews.views import checklist, delegations, links, plans, reviews, submit

app_name = "reviews"

urlpatterns = [
    # Reviews
    path("", reviews.ReviewListView.as_view(), name="list"),
    path("export.csv", reviews.ReviewExportView.as_view(), name="export"),
    path("queue/", reviews.ReviewQueueView.as_view(), name="queue"),
    path("<int:pk>/", reviews.ReviewView.as_view(), name="detail"),
    path("<int:pk>/decide/", reviews.DecideView.as_view(), name="decide"),
    path("<int:pk>/resubmit/", reviews.ResubmitView.as_view(), name="resubmit"),
    path("<int:pk>/withdraw/", reviews.WithdrawView.as_view(), name="withdraw"),
    path("<int:pk>/reviewers/", reviews.AssignReviewersView.as_view(), name="assign"),
    path("<int:pk>/history/", reviews.ReviewHistoryView.as_view(), name="history"),
    # Committee seats: delegates while a holder is away
    path("delegations/", delegations.DelegationListView.as_view(), name="delegations"),
    path("delegations/new/", delegations.DelegationCreateView.as_view(), name="delegation_create"),
    path(
        "delegations/<int:pk>/end/", delegations.DelegationEndView.as_view(), name="delegation_end"
    ),
    # A system's plan: live, submitted, frozen versions, compared, as PDF
    path("plans/<int:system_pk>/", plans.PlanView.as_view(), name="plan"),
    path("plans/<int:system_pk>/plan.pdf", plans.PlanPdfView.as_view(), name="plan_pdf"),
    path("plans/<int:system_pk>/submit/", submit.SubmitPlanView.as_view(), name="submit"),
    path(
        "plans/<int:system_pk>/versions/<int:number>/",
        plans.VersionView.as_view(),
        name="version",
    ),
    path(
        "plans/<int:system_pk>/versions/<int:number>/pdf/",
        plans.VersionPdfView.as_view(),
        name="version_pdf",
    ),
    path(
        "plans/<int:system_pk>/versions/<int:number>/compare/",
        plans.CompareView.as_view(),
        name="compare",
    ),
    # The deployment checklist
    path("plans/<int:system_pk>/checklist/", checklist.ChecklistView.as_view(), name="checklist"),
    path(
        "plans/<int:system_pk>/checklist/<slug:key>/",
        checklist.ChecklistItemUpdateView.as_view(),
        name="checklist_update",
    ),
    path(
        "plans/<int:system_pk>/checklist/<slug:key>/evidence/",
        checklist.ChecklistEvidenceAddView.as_view(),
        name="checklist_add_evidence",
    ),
    path(
        "checklist-items/<int:item_pk>/evidence/<int:evidence_pk>/remove/",
        checklist.ChecklistEvidenceRemoveView.as_view(),
        name="checklist_remove_evidence",
    ),
    path(
        "checklist-items/<int:item_pk>/evidence/<int:evidence_pk>/download/",
        checklist.ChecklistEvidenceDownloadView.as_view(),
        name="checklist_evidence_download",
    ),
    # Links from the audit log to the page that shows each record
    path("versions/<int:pk>/", links.VersionLinkView.as_view(), name="version_link"),
    path("decisions/<int:pk>/", links.DecisionLinkView.as_view(), name="decision_link"),
    path("assignments/<int:pk>/", links.AssignmentLinkView.as_view(), name="assignment_link"),
    path(
        "checklist-items/<int:pk>/",
        links.ChecklistItemLinkView.as_view(),
        name="checklist_item_link",
    ),
]
