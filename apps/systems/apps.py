from django.apps import AppConfig


class SystemsConfig(AppConfig):
    name = "apps.systems"
    label = "systems"
    verbose_name = "AI systems"

    def ready(self):
        # How the app plugs into the ground: docs/architecture.md.
        from apps.core.audit import register_detail_url
        from apps.systems import gate
        from apps.systems.models import AISystem, SystemVersion
        from apps.systems.permissions import register_rules

        register_rules()
        register_detail_url(AISystem, "systems:detail")
        register_detail_url(SystemVersion, "systems:version_detail")
        gate.register_gate_check("system_in_service", gate.system_in_service, order=5)
