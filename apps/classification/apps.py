from django.apps import AppConfig


class ClassificationConfig(AppConfig):
    name = "apps.classification"
    label = "classification"
    verbose_name = "EU AI Act classification"

    def ready(self):
        # How the app plugs into the ground and the apps below it: docs/architecture.md.
        pass
