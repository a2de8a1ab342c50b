"""The compliance dashboard page and its CSV (figures: :mod:`apps.compliance.dashboard`)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from apps.compliance import dashboard
from apps.core.replica import reading_from_replica


def _figures(request) -> dict:
    # Aggregates tolerate a moment's lag: from the replica when there is one (apps.core.replica).
    with reading_from_replica():
        return dashboard.compliance_dashboard(
            request.user,
            team_id=request.GET.get("team") or None,
            framework=request.GET.get("framework") or None,
        )


class ComplianceDashboardView(LoginRequiredMixin, TemplateView):
    """Per framework and per team, how far the obligations are; what is due by each key date.
    Everyone signed in sees the teams they may read."""

    template_name = "compliance/dashboard/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_figures(self.request))
        context["export_query"] = self.request.GET.urlencode()
        return context


class ComplianceDashboardExportView(LoginRequiredMixin, View):
    def get(self, request):
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        response = HttpResponse(
            dashboard.csv_text(_figures(request)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="compliance-{stamp}.csv"'
        response["Cache-Control"] = "no-store"
        return response
