"""After a signed-in person's write, their navigation bar counts afresh (the counts are cached
for ``WAITING_COUNTS_CACHE_SECONDS`` by :mod:`apps.dashboard.context_processors`) and their
next home page draws the dashboard afresh (:mod:`apps.dashboard.drawn`)."""

from __future__ import annotations

from django.conf import settings

from apps.dashboard import drawn
from apps.dashboard.context_processors import forget_waiting

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class ForgetWaitingAfterWritesMiddleware:
    """After a signed-in person's write (any request but GET, HEAD, OPTIONS, TRACE), their cached
    counts are forgotten and their write is noted: the page they see next counts what their
    change left waiting, and their next dashboard is drawn afresh."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                if settings.WAITING_COUNTS_CACHE_SECONDS:
                    forget_waiting(user.pk)
                drawn.note_write(user.pk)
        return response
