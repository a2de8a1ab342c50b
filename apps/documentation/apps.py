from django.apps import AppConfig


class DocumentationConfig(AppConfig):
    name = "apps.documentation"
    label = "documentation"
    verbose_name = "Technical documentation"

    def ready(self):
        # How the app plugs into the ground and the apps below it: docs/architecture.md.
        pass
