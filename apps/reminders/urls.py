from django.urls import path

from apps.reminders import views

app_name = "reminders"

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/<int:pk>/read/",
        views.NotificationReadView.as_view(),
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        views.NotificationReadAllView.as_view(),
        name="notifications_read_all",
    ),
    path(
        "notifications/preference/",
        views.DigestPreferenceView.as_view(),
        name="digest_preference",
    ),
    path("exports/", views.ExportListView.as_view(), name="export_list"),
    path("exports/register.xlsx/", views.ExportStartView.as_view(), name="export_register"),
    path("exports/team-plans/", views.TeamPlansExportStartView.as_view(), name="export_team_plans"),
    path("exports/<int:pk>/", views.ExportDetailView.as_view(), name="export_detail"),
    path("exports/<int:pk>/download/", views.ExportDownloadView.as_view(), name="export_download"),
]
