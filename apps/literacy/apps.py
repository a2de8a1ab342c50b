from django.apps import AppConfig


class LiteracyConfig(AppConfig):
    name = "apps.literacy"
    label = "literacy"
    verbose_name = "AI literacy"

    def ready(self):
        # How the app plugs into the ground and into compliance: docs/architecture.md.
        from apps.core.audit import register_detail_url
        from apps.literacy.models import TrainingCompletion
        from apps.literacy.panels import register_panels
        from apps.literacy.permissions import register_rules

        register_rules()
        register_panels()
        register_detail_url(TrainingCompletion, "literacy:completion")
