from django.urls import path

from apps.accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/time-zone/", views.TimeZoneView.as_view(), name="time_zone"),
    path("profile/tokens/", views.APITokenCreateView.as_view(), name="token_create"),
    path(
        "profile/tokens/<int:pk>/revoke/", views.APITokenRevokeView.as_view(), name="token_revoke"
    ),
]
