from django.urls import path

from apps.classification import views

app_name = "classification"

urlpatterns = [
    path("", views.ClassificationListView.as_view(), name="list"),
    path("export.csv", views.ClassificationExportView.as_view(), name="export"),
    path("<int:pk>/", views.ClassificationView.as_view(), name="detail"),
    path("<int:pk>/history/", views.ClassificationHistoryView.as_view(), name="history"),
    path("<int:pk>/compare/", views.CompareView.as_view(), name="compare"),
    path("<int:pk>/apply/", views.ApplyClassificationView.as_view(), name="apply"),
    path("<int:pk>/confirm/", views.RequestConfirmationView.as_view(), name="confirm"),
    # The questionnaire on a system
    path("systems/<int:pk>/", views.WizardView.as_view(), name="wizard"),
    path("systems/<int:pk>/discard/", views.DiscardDraftView.as_view(), name="discard_draft"),
    path("systems/<int:pk>/<slug:step>/", views.WizardStepView.as_view(), name="wizard_step"),
]
