from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "apps.incidents"
    label = "incidents"
    verbose_name = "Incidents"

    def ready(self):
        from apps.core.audit import register_detail_url
        from apps.incidents.models import Incident

        register_detail_url(Incident, "incidents:detail")
