"""What the risks app adds to other apps' pages (:mod:`apps.core.panels`)."""

from __future__ import annotations

from apps.core import panels
from apps.risks import permissions, selectors
from apps.systems.models import AISystem


def system_risks(request, system: AISystem) -> dict:
    return {
        "risks": selectors.risks_of_system(system),
        "can_add_risk": permissions.can_create_risk(request.user, system),
    }


def register_panels() -> None:
    panels.register(AISystem, panels.Panel("risks/_system_panel.html", system_risks, order=20))
