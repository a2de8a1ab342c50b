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
