from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "apps.assessments"
    label = "assessments"
    verbose_name = "Impact assessments"

    def ready(self):
        # How the app plugs into the ground and the apps below it: docs/architecture.md.
        from apps.assessments.models import AssessmentVersion, FundamentalRightsAssessment
        from apps.assessments.panels import register_panels
        from apps.assessments.permissions import register_rules
        from apps.assessments.review_subject import register as register_review_subject
        from apps.core.audit import register_detail_url

        register_rules()
        register_panels()
        register_review_subject()
        register_detail_url(FundamentalRightsAssessment, "assessments:detail")
        register_detail_url(AssessmentVersion, "assessments:version_link")
