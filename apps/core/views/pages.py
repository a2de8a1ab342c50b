"""The pages that belong to no app in particular: the audit log, the health checks and the
500 page."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.views import defaults
from django.views.decorators.http import require_safe

from apps.core import cache as cache_backend
from apps.core import selectors
from apps.core.api.audit_export import AuditLogExporter
from apps.core.filters import AuditEventFilterSet
from apps.core.views.generic import ObjectExportView, ObjectListView

logger = logging.getLogger(__name__)


class AuditLogView(ObjectListView):
    """Every change of every record, for auditors and the committee."""

    filterset_class = AuditEventFilterSet
    permission_action = "view_audit_log"
    template_name = "core/audit_log.html"
    partial_template_name = "core/_audit_log_results.html"
    paginate_by = 50

    def get_base_queryset(self):
        return selectors.audit_events()


class AuditLogExportView(ObjectExportView):
    """The audit log page's *Download CSV* and *Download JSON*: the entries its filters select,
    each with its place in the hash chain (``apps.core.api.audit_export``); global readers."""

    exporter = AuditLogExporter
    filterset_class = AuditEventFilterSet


def _database_problem() -> str:
    """Why the database does not answer (``""`` when it does)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.warning("Health check: the database is unreachable: %s", error)
        return "unreachable"
    return ""


def _redis_problem() -> str:
    """Why Redis (the broker and shared cache) does not answer; ``""`` when it does or when
    there is none (without ``REDIS_URL`` tasks run in the web process)."""
    if not settings.REDIS_URL:
        return ""
    try:
        cache_backend.ping(settings.REDIS_URL)
    except redis.exceptions.RedisError as error:
        logger.warning("Readiness check: Redis is unreachable: %s", error)
        return "unreachable"
    return ""


def _health(checks: dict[str, str]) -> HttpResponse:
    """``ok``, or a 503 with a line per check, in plain text (nothing to render, nothing that
    could fail in turn): ``database: ok`` / ``redis: unreachable``."""
    failing = any(checks.values())
    if not failing:
        body = "ok"
    else:
        body = "".join(f"{name}: {problem or 'ok'}\n" for name, problem in checks.items())
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response.status_code = 503 if failing else 200
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def healthz(request):
    """Liveness, for load balancers and container health checks: 200 ``ok`` when the database
    answers, 503 (plain text) when it does not. GET and HEAD only: it changes nothing."""
    return _health({"database": _database_problem()})


@require_safe
def readiness(request):
    """Readiness: the database and, when the app has one, Redis (broker and shared cache) both
    answer; 503 (plain text, a line per service) otherwise. The app still serves requests
    without Redis (the cache fails open); a deployment may hold back traffic or alert on it."""
    return _health({"database": _database_problem(), "redis": _redis_problem()})


# The error pages Django shows for what happens outside a view (a body over the size limit, an
# unknown host name, a bug): JSON under /api/ (the API's error shape), the site's pages elsewhere.
def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _api_error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def bad_request(request, exception):
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE).replace("\xa0", " ")
        return _api_error(
            400, "too_large", f"The request body is larger than the {limit} accepted."
        )
    return _api_error(400, "bad_request", "The request is not one this server can answer.")


def permission_denied(request, exception):
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    return _api_error(403, "permission_denied", str(exception) or "You may not do this.")


def page_not_found(request, exception):
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return _api_error(404, "not_found", "There is no such path in the API.")


def server_error(request):
    """The 500 page. The traceback is in the log (``django.request``), never in the answer."""
    if not _is_api(request):
        return defaults.server_error(request)
    return _api_error(
        500,
        "server_error",
        "Something went wrong on our side. The error is logged; try again in a moment.",
    )
