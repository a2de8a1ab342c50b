from django.urls import path

from apps.assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.AssessmentListView.as_view(), name="list"),
    path("export.csv", views.AssessmentExportView.as_view(), name="export"),
    path("start/<int:system_pk>/", views.StartAssessmentView.as_view(), name="start"),
    path("<int:pk>/", views.AssessmentView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.AssessmentEditView.as_view(), name="edit"),
    path("<int:pk>/risks/new/", views.AddRiskView.as_view(), name="add_risk"),
    path("<int:pk>/submit/", views.SubmitAssessmentView.as_view(), name="submit"),
    path("<int:pk>/history/", views.AssessmentHistoryView.as_view(), name="history"),
    path("<int:pk>/versions/<int:number>/", views.VersionView.as_view(), name="version"),
    path("<int:pk>/versions/<int:number>/pdf/", views.VersionPdfView.as_view(), name="version_pdf"),
    path("<int:pk>/versions/<int:number>/compare/", views.CompareView.as_view(), name="compare"),
    path("versions/<int:pk>/", views.VersionLinkView.as_view(), name="version_link"),
]
