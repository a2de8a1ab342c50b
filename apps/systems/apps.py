from django.apps import AppConfig


class SystemsConfig(AppConfig):
    name = "apps.systems"
    label = "systems"
    verbose_name = "AI systems"

    def ready(self):
        # How the app plugs into the ground: docs/architecture.md.
        from apps.core.audit import register_detail_url
        from apps.systems.models import AISystem
        from apps.systems.permissions import register_rules

        register_rules()
        register_detail_url(AISystem, "systems:detail")
