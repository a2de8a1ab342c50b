from django.urls import path

from apps.literacy import views

app_name = "literacy"

urlpatterns = [
    path("", views.LiteracyView.as_view(), name="overview"),
    path("export.csv", views.LiteracyExportView.as_view(), name="export"),
    path("trainings/", views.TrainingListView.as_view(), name="trainings"),
    path("mine/", views.PersonTrainingView.as_view(), name="mine"),
    path("people/<str:pk>/", views.PersonTrainingView.as_view(), name="person"),
    path("completions/add/", views.CompletionCreateView.as_view(), name="record"),
    path("completions/import/", views.ImportView.as_view(), name="import"),
    path(
        "completions/import/template.csv",
        views.ImportTemplateView.as_view(),
        name="import_template",
    ),
    path("completions/<str:pk>/", views.CompletionLinkView.as_view(), name="completion"),
]
