from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "apps.reviews"
    label = "reviews"
    verbose_name = "Reviews"

    def ready(self):
        # How the app plugs into the ground: docs/architecture.md.
        from apps.core.audit import register_detail_url
        from apps.reviews.gate_checks import approved_plan
        from apps.reviews.models import (
            ChecklistItem,
            Decision,
            PlanVersion,
            Review,
            ReviewerAssignment,
        )
        from apps.reviews.panels import register_panels
        from apps.reviews.permissions import register_rules
        from apps.systems.gate import register_gate_check

        register_rules()
        register_panels()
        register_gate_check("approved_plan", approved_plan, order=10)
        register_detail_url(Review, "reviews:detail")
        register_detail_url(PlanVersion, "reviews:version_link")
        register_detail_url(Decision, "reviews:decision_link")
        register_detail_url(ReviewerAssignment, "reviews:assignment_link")
        register_detail_url(ChecklistItem, "reviews:checklist_item_link")
