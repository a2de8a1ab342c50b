"""What the apps above the library are told when a template is added to a system.

The library's one-click add creates a risk and its planned mitigations; an app above the
library that ships its own starter material with the templates (the evaluations app's test
cases) registers a function in its ``AppConfig.ready()``::

    hooks.register_template_added(add_starter_test_cases)

and :func:`apps.library.services.add_risk_from_template` calls it inside its transaction, with
the new risk: what the function writes commits, or fails, with the risk. An explicit registry,
not a signal: the calls are easy to follow and happen in a known order.
"""

from __future__ import annotations

from collections.abc import Callable

TemplateAdded = Callable[..., None]

_LISTENERS: list[TemplateAdded] = []


def register_template_added(function: TemplateAdded) -> None:
    """``function(*, risk, template, by)``: the risk just created from ``template`` by ``by``.
    Registering the same function twice keeps one."""
    if function not in _LISTENERS:
        _LISTENERS.append(function)


def template_added(*, risk, template, by) -> None:
    for function in list(_LISTENERS):
        function(risk=risk, template=template, by=by)
