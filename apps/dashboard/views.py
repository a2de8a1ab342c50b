"""The home page: the governance dashboard, then one's teams and their systems."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from apps.accounts import permissions
from apps.compliance import dashboard as compliance_dashboard
from apps.dashboard import drawn, selectors, waiting
from apps.dashboard.context_processors import Waiting
from apps.monitoring import selectors as monitoring_selectors
from apps.systems import permissions as system_permissions


class HomeView(LoginRequiredMixin, TemplateView):
    """The dashboard (scoped to the user's teams unless they read everything), then my teams
    and their systems; the whole organisation for those who read everything."""

    template_name = "dashboard/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        # "Waiting for you" first; its counts are the navigation bar's (one query for both),
        # counted afresh here (other pages may show them up to half a minute old).
        context["waiting"] = navbar = Waiting(user, fresh=True)
        context["unread_notifications"] = navbar.unread_notifications
        context["waiting_for"] = waiting.waiting_for(user, counts=navbar.counts)
        context["memberships"] = selectors.memberships_with_systems(user)
        if permissions.has_global_read(user):
            context["all_teams"] = selectors.teams_with_system_counts()
        context["can_create_system"] = system_permissions.can_create_system(user)
        # The governance dashboard: every team for global readers, one's own teams otherwise;
        # drawn once a minute per scope (apps.dashboard.drawn).
        context["dashboard"] = drawn.rendered(user, team_id=self.request.GET.get("team"))
        # Monitored metrics beyond their thresholds now (one query; none: the section is hidden).
        context["current_breaches"] = list(monitoring_selectors.current_breaches(user)[:20])
        # Compliance: how far the obligations the person reads are (one query; none: no tile).
        context["compliance"] = compliance_dashboard.summary_for_home(user)
        return context
