from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "apps.risks"
    label = "risks"
    verbose_name = "Risks"

    def ready(self):
        # How the app plugs into the ground: docs/architecture.md.
        from apps.core.audit import register_detail_url
        from apps.risks.gate_checks import open_critical_risks
        from apps.risks.models import Risk, RiskAcceptance
        from apps.risks.panels import register_panels
        from apps.risks.permissions import register_rules
        from apps.systems.gate import register_gate_check

        register_rules()
        register_panels()
        register_gate_check("critical_risks", open_critical_risks, order=20)
        register_detail_url(Risk, "risks:detail")
        register_detail_url(RiskAcceptance, "risks:acceptance_detail")
