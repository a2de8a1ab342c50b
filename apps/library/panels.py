"""What the library adds to other apps' pages (:mod:`apps.core.panels`): on a system's page,
under its risks, the templates worth adding to it, for those who may add risks."""

from __future__ import annotations

from apps.core import panels
from apps.risks import permissions as risk_permissions
from apps.systems.models import AISystem


def system_suggestions(request, system: AISystem) -> dict:
    return {"can_add_from_library": risk_permissions.can_create_risk(request.user, system)}


def register_panels() -> None:
    panels.register(
        AISystem, panels.Panel("library/_system_panel.html", system_suggestions, order=25)
    )
