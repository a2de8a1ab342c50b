from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "apps.concerns"
    label = "concerns"
    verbose_name = "Concerns"

    def ready(self):
        # How the app plugs into the ground: docs/architecture.md.
        from apps.concerns.models import Concern
        from apps.concerns.panels import register_panels
        from apps.concerns.permissions import register_rules
        from apps.core.audit import register_detail_url

        register_rules()
        register_panels()
        register_detail_url(Concern, "concerns:detail")
