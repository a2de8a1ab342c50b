from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "apps.reminders"
    label = "reminders"
    verbose_name = "Reminders and jobs"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Every app's ``reminders.py`` registers its collectors (apps.reminders.registry).
        autodiscover_modules("reminders")
