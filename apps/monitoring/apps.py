from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "apps.monitoring"
    label = "monitoring"
    verbose_name = "Monitored metrics"

    def ready(self):
        # How the app plugs into the ground: docs/architecture.md.
        from apps.core import metrics, outbox
        from apps.core.audit import register_detail_url
        from apps.monitoring import selectors, services, tasks
        from apps.monitoring.models import Breach, Metric
        from apps.monitoring.panels import register_panels
        from apps.monitoring.permissions import register_rules

        register_rules()
        register_panels()
        register_detail_url(Metric, "monitoring:detail")
        register_detail_url(Breach, "monitoring:breach")
        # Each stored batch of readings has its metrics evaluated by a worker.
        outbox.register_handler(services.EVALUATE, tasks.hand_to_worker)
        metrics.register("monitoring", selectors.breach_metrics)
