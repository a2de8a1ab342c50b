from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from apps.core import audit, metrics, outbox, tasks

        audit.connect_signals()
        # After a commit that wrote outbox messages, ask a worker to relay them.
        outbox.relay_requester = tasks.request_relay
        metrics.register("outbox", metrics.outbox_metrics)
