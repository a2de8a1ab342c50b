from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "apps.incidents"
    label = "incidents"
    verbose_name = "Incidents"

    def ready(self):
        # How the app plugs into the ground: docs/architecture.md.
        from apps.core.audit import register_detail_url
        from apps.incidents.models import Incident
        from apps.incidents.panels import register_panels
        from apps.incidents.permissions import register_rules

        register_rules()
        register_panels()
        register_detail_url(Incident, "incidents:detail")
