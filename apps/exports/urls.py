from django.urls import path

from apps.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.ExportListView.as_view(), name="list"),
    path("register.xlsx/", views.ExportStartView.as_view(), name="register"),
    path("team-plans/", views.TeamPlansExportStartView.as_view(), name="team_plans"),
    path("<int:pk>/", views.ExportView.as_view(), name="detail"),
    path("<int:pk>/download/", views.ExportDownloadView.as_view(), name="download"),
]
