from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from apps.core import audit, metrics, outbox, request_id, tasks, telemetry, tracing

        audit.connect_signals()
        # After a commit that wrote outbox messages, ask a worker to relay them.
        outbox.relay_requester = tasks.request_relay
        metrics.register("outbox", metrics.outbox_metrics)
        metrics.register("celery", telemetry.queue_metrics)
        # The request id goes with the tasks a request publishes; tasks are counted and timed.
        request_id.connect_celery_signals()
        telemetry.connect_celery_signals()
        # OpenTelemetry traces when OTEL_EXPORTER_OTLP_ENDPOINT is set (nothing otherwise).
        tracing.configure()
