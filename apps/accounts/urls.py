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
    # Signing in: the second factor a role needs, re-authenticating through single sign-on,
    # my sessions and "sign out everywhere"
    path("second-factor/", views.SecondFactorView.as_view(), name="second_factor"),
    path("sso/reauthenticate/", views.SSOReauthenticateView.as_view(), name="sso_reauthenticate"),
    path("sessions/", views.SessionsView.as_view(), name="sessions"),
    path("sessions/<int:pk>/end/", views.SessionEndView.as_view(), name="session_end"),
]
