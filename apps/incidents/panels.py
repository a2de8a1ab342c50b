"""What the incidents app adds to other apps' pages (:mod:`apps.core.panels`)."""

from __future__ import annotations

from apps.core import panels
from apps.incidents import permissions, selectors
from apps.systems.models import AISystem


def system_incidents(request, system: AISystem) -> dict:
    return {
        "incidents": selectors.incidents_of_system(system),
        "can_log_incident": permissions.can_create_incident(request.user, system),
    }


def register_panels() -> None:
    panels.register(
        AISystem, panels.Panel("incidents/_system_panel.html", system_incidents, order=40)
    )
