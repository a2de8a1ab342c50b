from django.urls import path

from apps.evaluations import views

app_name = "evaluations"

urlpatterns = [
    # Test cases
    path("test-cases/", views.TestCaseListView.as_view(), name="test_case_list"),
    path("test-cases/export.csv", views.TestCaseExportView.as_view(), name="test_case_export"),
    path("test-cases/new/", views.TestCaseCreateView.as_view(), name="test_case_create"),
    path("test-cases/<int:pk>/", views.TestCaseView.as_view(), name="test_case_detail"),
    path("test-cases/<int:pk>/edit/", views.TestCaseEditView.as_view(), name="test_case_edit"),
    path(
        "test-cases/<int:pk>/archive/",
        views.TestCaseArchiveView.as_view(),
        name="test_case_archive",
    ),
    path(
        "test-cases/<int:pk>/history/",
        views.TestCaseHistoryView.as_view(),
        name="test_case_history",
    ),
    # Runs
    path("runs/", views.RunListView.as_view(), name="run_list"),
    path("runs/export.csv", views.RunExportView.as_view(), name="run_export"),
    path("runs/upload/", views.RunUploadView.as_view(), name="run_upload"),
    path("runs/<int:pk>/", views.RunView.as_view(), name="run_detail"),
    # A mitigation's evaluations
    path(
        "mitigation-evaluations/<int:pk>/reviewed/",
        views.MitigationReviewedView.as_view(),
        name="mitigation_reviewed",
    ),
    path(
        "mitigation-evaluations/<int:pk>/",
        views.MitigationEvaluationLinkView.as_view(),
        name="mitigation_link",
    ),
]
