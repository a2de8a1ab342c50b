from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "apps.reminders"
    label = "reminders"
    verbose_name = "Reminders and jobs"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from apps.core import metrics, outbox
        from apps.reminders import events
        from apps.reminders.permissions import register_rules

        register_rules()
        # Every app's ``reminders.py`` registers its collectors (apps.reminders.registry).
        autodiscover_modules("reminders")
        # Events e-mailed at once leave through the outbox (apps.core.outbox).
        outbox.register_handler(events.EMAIL_KIND, events.send_event_email)
        # /metrics: what reached people (apps.core.metrics, a shared counter).
        metrics.declare_counter(
            "reminders_sent_total",
            "Reminders and events that reached people: in-app notifications of the sweep, "
            "digest e-mails, event e-mails.",
            ["channel"],
        )
