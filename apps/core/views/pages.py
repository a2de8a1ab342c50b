"""The pages that belong to no app in particular: the audit log and the health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from apps.core import selectors
from apps.core.filters import AuditEventFilterSet
from apps.core.views.generic import ObjectListView


class AuditLogView(ObjectListView):
    """Every change of every record, for auditors and the committee."""

    filterset_class = AuditEventFilterSet
    permission_action = "view_audit_log"
    template_name = "core/audit_log.html"
    partial_template_name = "core/_audit_log_results.html"
    paginate_by = 50

    def get_base_queryset(self):
        return selectors.audit_events()


@require_safe
def healthz(request):
    """For load balancers and container health checks: 200 when the database answers (GET and
    HEAD only: it changes nothing)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
