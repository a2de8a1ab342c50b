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
    path("notifications/escalations/", views.EscalationListView.as_view(), name="escalations"),
    path(
        "notifications/preference/",
        views.DigestPreferenceView.as_view(),
        name="digest_preference",
    ),
]
