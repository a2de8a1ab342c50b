from django.apps import AppConfig


class LibraryConfig(AppConfig):
    """The risk library's pages and its one-click add. The templates themselves (models, data
    files, catalogue loading, API) are the risks app's; this app sits above mitigations because
    adding a template plans its suggested mitigations too."""

    name = "apps.library"
    label = "library"
    verbose_name = "Risk library"

    def ready(self):
        from apps.library.panels import register_panels

        register_panels()
