from django.apps import AppConfig


class MitigationsConfig(AppConfig):
    name = "apps.mitigations"
    label = "mitigations"
    verbose_name = "Mitigations"

    def ready(self):
        # How the app plugs into the ground: docs/architecture.md.
        from apps.core.audit import register_detail_url
        from apps.mitigations.models import Mitigation
        from apps.mitigations.panels import register_panels
        from apps.mitigations.permissions import register_rules

        register_rules()
        register_panels()
        register_detail_url(Mitigation, "mitigations:detail")
