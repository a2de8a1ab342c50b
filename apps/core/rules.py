"""Who may do what: the rules each app registers, asked by the ground's generic code.

The generic views, the API's base classes and the evidence service live in the ground and know
no domain app, so they cannot call ``can_edit_risk`` themselves. Each app registers, in its
``AppConfig.ready()``, a *rule* per model and action::

    rules.register(Risk, "change", permissions.why_cannot_edit_risk)

and the ground asks :func:`refusal` (why not, for a 403 page) or :func:`allows` (a yes or no).
A rule is a function ``(user, obj) -> str``: the reason the person may not, or ``""`` if they
may. A few rules concern no record (``rules.register(None, "write", ...)``: may this person
write anything at all); they are asked with ``obj=None``.

Nothing is allowed that no rule allows: an action without a registered rule is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Rule = Callable[[Any, Any], str]

_RULES: dict[tuple[str, str], Rule] = {}


def _key(model, action: str) -> tuple[str, str]:
    return ("" if model is None else model._meta.label_lower, action)


def register(model, action: str, rule: Rule) -> None:
    """Register the rule of ``action`` on records of ``model`` (``None``: no record)."""
    _RULES[_key(model, action)] = rule


def explained(check: Callable[[Any, Any], bool], reason: str | Callable[[Any, Any], str]) -> Rule:
    """A rule from a yes-or-no check and the reason given when it says no (a text, or a
    function of the person and the record)."""

    def rule(user, obj) -> str:
        if check(user, obj):
            return ""
        return reason(user, obj) if callable(reason) else reason

    return rule


def refusal(user, action: str, obj=None) -> str:
    """Why ``user`` may not do ``action`` (to ``obj``), or ``""`` if they may."""
    model = None if obj is None else type(obj)
    rule = _RULES.get(_key(model, action))
    if rule is None:
        return "You may not do this."
    return rule(user, obj)


def allows(user, action: str, obj=None) -> bool:
    return not refusal(user, action, obj)


def is_registered(model, action: str) -> bool:
    return _key(model, action) in _RULES
