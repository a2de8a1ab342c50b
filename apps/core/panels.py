"""Panels: what an app adds to another app's detail page, without that app importing it.

A system's page shows its risks, mitigations, incidents and safety plan; a risk's page shows its
mitigations. Those apps sit above the one whose page it is, so they plug their section in, in
their ``AppConfig.ready()``::

    panels.register(AISystem, Panel("risks/_system_panel.html", risks_of_system_panel, order=20))

:class:`~apps.core.views.generic.ObjectView` then merges each panel's context into the page's
(a panel's keys are its own: ``risks``, ``can_add_risk``…) and the page template includes the
panels' templates in order: ``{% for panel in panels %}{% include panel.template %}{% endfor %}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[[HttpRequest, Any], dict]
    order: int = 50


_PANELS: dict[str, list[Panel]] = {}


def register(model, panel: Panel) -> None:
    panels = _PANELS.setdefault(model._meta.label_lower, [])
    if panel not in panels:
        panels.append(panel)
        panels.sort(key=lambda p: p.order)


def panels_for(model) -> list[Panel]:
    return list(_PANELS.get(model._meta.label_lower, ()))


def render_context(request: HttpRequest, obj) -> dict:
    """The page context the panels of ``obj``'s kind add, with ``panels`` (in order)."""
    context: dict = {}
    panels = panels_for(type(obj))
    for panel in panels:
        context.update(panel.context(request, obj))
    context["panels"] = panels
    return context
