from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "apps.assessments"
    label = "assessments"
    verbose_name = "Impact assessments"

    def ready(self):
        # How the app plugs into the ground and the apps below it: docs/architecture.md.
        pass
