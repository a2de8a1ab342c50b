"""What the mitigations app adds to other apps' pages (:mod:`apps.core.panels`)."""

from __future__ import annotations

from apps.core import panels
from apps.mitigations import selectors
from apps.mitigations.views import risk_panel_context
from apps.risks.models import Risk
from apps.systems.models import AISystem


def system_mitigations(request, system: AISystem) -> dict:
    return {"mitigations": selectors.mitigations_of_system(system)}


def risk_mitigations(request, risk: Risk) -> dict:
    return risk_panel_context(request, risk)


def register_panels() -> None:
    panels.register(Risk, panels.Panel("mitigations/_risk_panel.html", risk_mitigations, order=10))
    panels.register(
        AISystem, panels.Panel("mitigations/_system_panel.html", system_mitigations, order=30)
    )
