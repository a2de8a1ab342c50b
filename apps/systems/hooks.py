"""What the apps above systems are told when a system's facts change.

The systems app sits below the apps that derive things from a system's facts (compliance
obligations follow from its EU AI Act tier, role, kind…), so it cannot call them. They register
a function here in their ``AppConfig.ready()``::

    hooks.register_facts_changed(on_facts_changed)

and the systems services call :func:`facts_changed` inside their transaction, after saving:
a registered function writes what it derives in the same transaction as the change that caused
it, and raises to refuse the change altogether. An explicit registry, not a signal: the calls
are easy to follow and happen in a known order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

FactsChanged = Callable[..., None]

_LISTENERS: list[FactsChanged] = []


def register_facts_changed(function: FactsChanged) -> None:
    """``function(*, systems, changed, by, reason)``: ``systems`` a list of AI systems (saved),
    ``changed`` the names of the fields that changed (``None`` for a new system), ``by`` who made
    the change, ``reason`` why. Registering the same function twice keeps one."""
    if function not in _LISTENERS:
        _LISTENERS.append(function)


def facts_changed(*, systems: Iterable, changed: set[str] | None, by, reason: str) -> None:
    """Tell every registered function that ``systems`` changed (see
    :func:`register_facts_changed`); nothing when no field changed."""
    systems = list(systems)
    if not systems or (changed is not None and not changed):
        return
    for function in list(_LISTENERS):
        function(systems=systems, changed=changed, by=by, reason=reason)
