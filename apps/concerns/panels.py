"""What the concerns app adds to other apps' pages (:mod:`apps.core.panels`): the system's
concerns that the person may read, and the “Raise a concern” button."""

from __future__ import annotations

from apps.concerns import permissions, selectors
from apps.core import panels
from apps.systems.models import AISystem


def system_concerns(request, system: AISystem) -> dict:
    return {
        "concerns": selectors.concerns_of_system(request.user, system),
        "can_raise_concern": permissions.can_raise_concern(request.user, system),
    }


def register_panels() -> None:
    panels.register(
        AISystem, panels.Panel("concerns/_system_panel.html", system_concerns, order=45)
    )
