from django.apps import AppConfig


class DocumentationConfig(AppConfig):
    name = "apps.documentation"
    label = "documentation"
    verbose_name = "Technical documentation"

    def ready(self):
        # How the app plugs into the ground and the apps below it: docs/architecture.md.
        from apps.core.audit import register_detail_url
        from apps.documentation.models import TechnicalDocument, TechnicalDocumentVersion
        from apps.documentation.panels import register_panels
        from apps.documentation.permissions import register_rules

        register_rules()
        register_panels()
        register_detail_url(TechnicalDocument, "documentation:detail")
        register_detail_url(TechnicalDocumentVersion, "documentation:version_link")
