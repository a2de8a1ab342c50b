"""What the reviews app adds to other apps' pages (:mod:`apps.core.panels`)."""

from __future__ import annotations

from apps.core import panels
from apps.reviews import permissions, selectors
from apps.systems import selectors as system_selectors
from apps.systems.models import AISystem


def system_plan(request, system: AISystem) -> dict:
    return {
        "plan_status": selectors.plan_status(system),
        "can_submit_plan": permissions.can_submit_safety_plan(request.user, system),
        # New versions waiting for a change review: the approved plan is stale for them.
        "stale_for": list(system_selectors.pending_versions(system)),
    }


def register_panels() -> None:
    panels.register(AISystem, panels.Panel("reviews/_system_panel.html", system_plan, order=10))
