from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    """Test cases per risk, evaluation runs from CI (JUnit XML or JSON), the mitigations they
    verify, the deployment gate's evaluation check and the plan's evaluation section."""

    name = "apps.evaluations"
    label = "evaluations"
    verbose_name = "Evaluations"

    def ready(self):
        # How the app plugs into the ground and the apps below: docs/architecture.md.
        from apps.core.audit import register_detail_url
        from apps.evaluations import plan
        from apps.evaluations.gate_checks import failing_evaluations
        from apps.evaluations.models import EvaluationRun, MitigationEvaluation, TestCase
        from apps.evaluations.panels import register_panels
        from apps.evaluations.permissions import register_rules
        from apps.evaluations.services import add_template_test_cases
        from apps.library.hooks import register_template_added
        from apps.reviews.plan_sections import register_plan_section
        from apps.systems.gate import register_gate_check

        register_rules()
        register_panels()
        register_detail_url(TestCase, "evaluations:test_case_detail")
        register_detail_url(EvaluationRun, "evaluations:run_detail")
        register_detail_url(MitigationEvaluation, "evaluations:mitigation_link")
        register_gate_check("evaluations", failing_evaluations, order=30)
        register_template_added(add_template_test_cases)
        register_plan_section(
            "evaluations",
            title="Evaluations",
            collect=plan.latest_evaluations,
            template="evaluations/_plan_section.html",
            order=10,
        )
