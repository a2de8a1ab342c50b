from django.apps import AppConfig


class ClassificationConfig(AppConfig):
    name = "apps.classification"
    label = "classification"
    verbose_name = "EU AI Act classification"

    def ready(self):
        # How the app plugs into the ground and the apps below it: docs/architecture.md.
        from apps.classification import services
        from apps.classification.models import ClassificationRecord, SystemClassification
        from apps.classification.panels import register_panels
        from apps.classification.permissions import register_rules
        from apps.core.audit import register_detail_url
        from apps.reviews.subjects import register_review_subject
        from apps.systems import hooks

        register_rules()
        register_panels()
        register_detail_url(ClassificationRecord, "classification:detail")
        # A system's classification state shares the system's key: its history is the system's.
        register_detail_url(SystemClassification, "systems:detail")
        hooks.register_facts_changed(services.on_facts_changed)
        # An Art. 6(3) exemption, or "not high-risk" for an Annex III area: the committee confirms.
        register_review_subject(services.REVIEW_SUBJECT)
