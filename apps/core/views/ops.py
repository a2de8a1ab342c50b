"""``/metrics``: the app's figures for Prometheus (:mod:`apps.core.metrics`).

Read by staff signed in, or by a scraper with ``Authorization: Bearer <METRICS_TOKEN>``; nobody
else (the backlog's size says something about the organisation).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.core import metrics as core_metrics

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _refusal(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def _bearer(request) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


@never_cache
@require_safe
def metrics(request):
    token = _bearer(request)
    if token is not None:
        if not (settings.METRICS_TOKEN and constant_time_compare(token, settings.METRICS_TOKEN)):
            return _refusal(401, "Wrong metrics token.\n")
    elif not request.user.is_authenticated:
        return _refusal(401, "Send Authorization: Bearer <METRICS_TOKEN>, or sign in as staff.\n")
    elif not (request.user.is_active and request.user.is_staff):
        return _refusal(403, "Only staff read the metrics.\n")
    return HttpResponse(core_metrics.exposition(), content_type=CONTENT_TYPE)
