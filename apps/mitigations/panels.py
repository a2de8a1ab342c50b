"""What the mitigations app adds to other apps' pages (:mod:`apps.core.panels`)."""

from __future__ import annotations

from apps.core import panels
from apps.mitigations import selectors
from apps.systems.models import AISystem


def system_mitigations(request, system: AISystem) -> dict:
    return {"mitigations": selectors.mitigations_of_system(system)}


def register_panels() -> None:
    panels.register(
        AISystem, panels.Panel("mitigations/_system_panel.html", system_mitigations, order=30)
    )
