from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "apps.exports"
    label = "exports"
    verbose_name = "Export jobs"

    def ready(self):
        from apps.core import outbox
        from apps.exports import services

        # Export jobs reach the worker through the outbox (apps.core.outbox).
        outbox.register_handler(services.RUN_EXPORT, services.hand_to_worker)
