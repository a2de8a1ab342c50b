"""Who may see what of the reminders app beyond their own notifications (which every view
scopes to the person): the committee's escalations."""

from __future__ import annotations

from apps.accounts.permissions import has_global_read
from apps.core import rules


def can_view_escalations(user) -> bool:
    """The items escalated to the committee span every team: those who read every team."""
    return has_global_read(user)


def register_rules() -> None:
    rules.register(
        None,
        "view_escalations",
        rules.explained(
            lambda user, _: can_view_escalations(user),
            "The items escalated to the committee are listed for committee members, auditors "
            "and administrators. Your own reminders are in your notifications.",
        ),
    )
