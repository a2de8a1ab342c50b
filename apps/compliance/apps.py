from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "apps.compliance"
    label = "compliance"
    verbose_name = "Compliance"

    def ready(self):
        # How the app plugs into the ground and into the systems app: docs/architecture.md.
        from apps.compliance import applicability
        from apps.compliance.models import Obligation, ObligationException
        from apps.compliance.permissions import register_rules
        from apps.core.audit import register_detail_url
        from apps.systems import hooks

        register_rules()
        register_detail_url(Obligation, "compliance:obligation_detail")
        register_detail_url(ObligationException, "compliance:exception_detail")
        hooks.register_facts_changed(applicability.on_facts_changed)

        # Its sections of the system, mitigation, risk and library template pages.
        from apps.compliance.panels import register_panels

        register_panels()

        # The Statement of Applicability; the safety plan's compliance section; what blocks a
        # plan's submission and a deployment (blocking obligations not met).
        from apps.compliance import gate_checks, permissions_soa, plan_section
        from apps.compliance.models_soa import SoAEntry, SoAVersion
        from apps.reviews.plan_sections import register_plan_section
        from apps.reviews.submission_checks import register_submission_check
        from apps.systems.gate import register_gate_check

        permissions_soa.register_rules()
        register_detail_url(SoAEntry, "compliance_org:soa_entry_link")
        register_detail_url(SoAVersion, "compliance_org:soa_version")
        register_plan_section(
            "compliance",
            title="Compliance",
            collect=plan_section.compliance_of,
            template="compliance/_plan_section.html",
            order=20,
        )
        register_submission_check(
            "compliance", gate_checks.blocking_obligations_at_submission, order=10
        )
        register_gate_check("compliance", gate_checks.blocking_obligations_at_deployment, order=50)
