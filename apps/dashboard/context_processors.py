"""``waiting``: the navigation bar's "Waiting for you" counts (:mod:`apps.dashboard.waiting`),
and the bell's unread count read in the same query.

Listed after ``apps.reminders.context_processors.notifications`` in the settings: its
``unread_notifications`` replaces that one's, so that the navigation bar costs one query.
"""

from __future__ import annotations

from django.utils.functional import cached_property

from apps.dashboard import waiting as waiting_selectors
from apps.reminders.models import Notification


class Waiting:
    """Counts on first use and remembers: a page that does not show them makes no query."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def _row(self) -> dict[str, int]:
        unread = Notification.objects.filter(recipient=self.user, read_at__isnull=True)
        return waiting_selectors.waiting_counts(self.user, also={"unread": unread})

    @cached_property
    def counts(self) -> dict[str, int]:
        return {key: self._row.get(key, 0) for key, _, _ in waiting_selectors.KINDS}

    @cached_property
    def total(self) -> int:
        return waiting_selectors.total(self.counts)

    @cached_property
    def kinds(self) -> list[dict]:
        """Each kind with something waiting: its label, count, icon and link."""
        return [
            {"key": kind.key, "label": kind.label, "icon": kind.icon, "url": kind.url, "count": n}
            for kind in waiting_selectors.kinds(self.user)
            if (n := self.counts.get(kind.key, 0))
        ]

    def unread_notifications(self) -> int:  # templates call callables
        return self._row.get("unread", 0)


def waiting(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    state = Waiting(user)
    return {"waiting": state, "unread_notifications": state.unread_notifications}
