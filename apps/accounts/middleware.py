"""Each person reads and types times in their own time zone (``User.time_zone``).

Django stores every moment in UTC; the pages, their forms (an incident's times) and the
``date`` filter convert in the *current* time zone, which this middleware activates for the
signed-in person for the length of the request. Without a zone of their own, the site's
(``settings.TIME_ZONE``) applies. The REST API keeps the site's zone whoever calls it, so that
a script reads the same offsets whether it signs in with a session or a token.
"""

from __future__ import annotations

import zoneinfo

from django.utils import timezone

API_PREFIX = "/api/"


def zone_of(user) -> zoneinfo.ZoneInfo | None:
    """The person's own time zone, or ``None`` (the site's applies)."""
    name = getattr(user, "time_zone", "") if getattr(user, "is_authenticated", False) else ""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None  # a zone the machine no longer knows: the site's, rather than an error


class TimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = None if request.path.startswith(API_PREFIX) else zone_of(request.user)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


# --- Second factor and session activity -----------------------------------------------------------
SEEN_KEY = "session_seen_at"  # when the session's "last seen" was last written (epoch seconds)
SEEN_PRECISION_SECONDS = 300  # written at most every five minutes: one UPDATE, not one a request
SECOND_FACTOR_NEEDED = (
    "Your role needs a second factor: set up an authenticator app or a passkey (My profile → "
    "Two-factor authentication), or confirm the one you have, before anything else."
)


def _exempt_paths() -> tuple[str, ...]:
    """Where a person who owes a second factor may still go: setting one up or using it,
    re-authenticating, signing out, and the static files."""
    from django.conf import settings
    from django.urls import reverse

    return (
        reverse("mfa_index"),  # every page of allauth's two-factor set-up and check
        reverse("accounts:second_factor"),
        reverse("accounts:sso_reauthenticate"),
        reverse("account_reauthenticate"),
        reverse("logout"),
        reverse("login"),
        settings.STATIC_URL,
    )


class SecondFactorMiddleware:
    """A person whose role needs a second factor (the sign-in settings when they signed in, their
    roles now) gets nothing but the pages to set one up or use it until the session has one: a
    page sends them there, the API answers 403. Sessions whose policy asks nothing cost no query.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt = None

    def __call__(self, request):
        refusal = self._check(request)
        return refusal or self.get_response(request)

    def _check(self, request):
        from apps.accounts import selectors
        from apps.accounts.second_factor import (
            POLICY_KEY,
            remember_policy,
            session_has_second_factor,
        )

        session = getattr(request, "session", None)
        if session is None:
            return None
        required = session.get(POLICY_KEY)
        if required is None:
            if not request.user.is_authenticated:
                return None
            required = selectors.sign_in_settings().roles_needing_mfa  # a session from before
            remember_policy(request, required)
        if not required or not request.user.is_authenticated:
            return None
        if self._exempt is None:
            self._exempt = _exempt_paths()
        if request.path.startswith(self._exempt):
            return None
        if not selectors.roles_needing_second_factor(request.user, required):
            return None
        if session_has_second_factor(request):
            return None
        return self._refuse(request)

    @staticmethod
    def _refuse(request):
        from urllib.parse import urlencode

        from django.http import HttpResponse, JsonResponse
        from django.shortcuts import redirect
        from django.urls import reverse

        if request.path.startswith(API_PREFIX):
            return JsonResponse({"detail": SECOND_FACTOR_NEEDED}, status=403)
        target = reverse("accounts:second_factor")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)


class SessionActivityMiddleware:
    """Keep each signed-in session's "last seen" (time and address) for "My sessions"."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        seen = session.get(SEEN_KEY) if session is not None else None
        if seen is not None:
            now = timezone.now()
            if now.timestamp() - seen >= SEEN_PRECISION_SECONDS and request.user.is_authenticated:
                from apps.accounts.models import SignedInSession
                from apps.accounts.services import client_ip

                SignedInSession.objects.filter(
                    session_key=session.session_key, user=request.user
                ).update(last_seen_at=now, ip_address=client_ip(request))
                session[SEEN_KEY] = int(now.timestamp())
        return self.get_response(request)
