from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The home page and the governance dashboard: reads across every domain app (top layer)."""

    name = "apps.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"
