"""The e-mail and password check, under the sign-in settings.

Every password sign-in goes through here, whatever the page (the sign-in page, the admin site's,
allauth's re-authentication): while password sign-in is turned off
(:attr:`apps.accounts.models.SignInSettings.password_sign_in`), only the break-glass
administrators get past it. Sessions of every sign-in, single sign-on included, are tied to this
backend, whose ``get_user`` (Django's) refuses a deactivated person at their very next request.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from apps.accounts import selectors

BACKEND_PATH = "apps.accounts.backends.AccountBackend"


class AccountBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or selectors.may_sign_in_with_password(user):
            return user
        return None
