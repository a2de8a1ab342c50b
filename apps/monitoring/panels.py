"""What monitoring adds to other apps' pages (:mod:`apps.core.panels`): a system's metrics."""

from __future__ import annotations

from apps.core import panels
from apps.monitoring import permissions, selectors
from apps.systems.models import AISystem


def system_metrics(request, system: AISystem) -> dict:
    metrics = list(selectors.metrics_of_system(system))
    return {
        "monitored_metrics": metrics,
        "metrics_in_breach": [m for m in metrics if m.breach_level],
        "can_add_metric": not permissions.why_cannot_add_metric(request.user, system),
    }


def register_panels() -> None:
    panels.register(
        AISystem, panels.Panel("monitoring/_system_panel.html", system_metrics, order=45)
    )
