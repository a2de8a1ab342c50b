"""The pages of django-allauth the register uses, under ``/accounts/``: the second factor
(``2fa/``: set up and use an authenticator app, passkeys, recovery codes), single sign-on
(``sso/``: each identity provider's sign-in and callback, SAML's metadata, the errors), and
re-authentication. allauth's own sign-in, sign-up, e-mail and password pages are left out: the
register keeps its sign-in page (``login``), where nobody signs up on their own."""

from allauth.account import views as account_views
from allauth.socialaccount import views as social_views
from allauth.urls import build_provider_urlpatterns
from django.contrib.auth import views as auth_views
from django.urls import include, path

from apps.accounts.views import SignInView

urlpatterns = [
    # The names allauth redirects to, served by the register's own pages.
    path("login/", SignInView.as_view(), name="account_login"),
    path("logout/", auth_views.LogoutView.as_view(), name="account_logout"),
    path("reauthenticate/", account_views.reauthenticate, name="account_reauthenticate"),
    path("inactive/", account_views.account_inactive, name="account_inactive"),
    path("2fa/", include("allauth.mfa.urls")),
    path("sso/cancelled/", social_views.login_cancelled, name="socialaccount_login_cancelled"),
    path("sso/error/", social_views.login_error, name="socialaccount_login_error"),
    path("sso/signup/", social_views.signup, name="socialaccount_signup"),
    path("sso/", include(build_provider_urlpatterns())),
]
