"""``waiting``: the navigation bar's "Waiting for you" counts (:mod:`apps.dashboard.waiting`),
and the bell's unread count read in the same query.

Listed after ``apps.reminders.context_processors.notifications`` in the settings: its
``unread_notifications`` replaces that one's, so that the navigation bar costs one query.

The counts of a page other than the home page may be ``WAITING_COUNTS_CACHE_SECONDS`` old (30 s
unless set; 0: never cached): the navigation bar of every page otherwise costs a query of six
counts, about 20 ms of a page's 70 to 100 ms of CPU. Nobody waits for their own change to
show: :mod:`apps.dashboard.middleware` forgets a person's counts after each of their writes
(deciding a review, closing an incident, reading a notification), and the home page always
counts afresh. What others did shows within the half-minute.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils.functional import cached_property

from apps.dashboard import waiting as waiting_selectors
from apps.reminders.models import Notification


def _cache_key(user_pk) -> str:
    return f"waiting-counts:{user_pk}"


def forget_waiting(user_pk) -> None:
    """The person's next page counts afresh."""
    cache.delete(_cache_key(user_pk))


class Waiting:
    """Counts on first use and remembers: a page that does not show them makes no query.
    ``fresh``: count now (and keep the new counts for the next pages)."""

    def __init__(self, user, *, fresh: bool = False):
        self.user = user
        self.fresh = fresh

    def _count(self) -> dict[str, int]:
        unread = Notification.objects.filter(recipient=self.user, read_at__isnull=True)
        return waiting_selectors.waiting_counts(self.user, also={"unread": unread})

    @cached_property
    def _row(self) -> dict[str, int]:
        seconds = settings.WAITING_COUNTS_CACHE_SECONDS
        if not seconds:
            return self._count()
        key = _cache_key(self.user.pk)
        row = None if self.fresh else cache.get(key)
        if row is None:
            row = self._count()
            cache.set(key, row, seconds)
        return row

    @cached_property
    def counts(self) -> dict[str, int]:
        return {key: self._row.get(key, 0) for key, _, _ in waiting_selectors.KINDS}

    @cached_property
    def total(self) -> int:
        return waiting_selectors.total(self.counts)

    @cached_property
    def kinds(self) -> list[waiting_selectors.Kind]:
        """Each kind with something waiting: its label, count (``more`` at the cap), icon and
        link."""
        kinds = []
        for kind in waiting_selectors.kinds(self.user):
            kind.count = self.counts.get(kind.key, 0)
            if kind.count:
                kinds.append(kind)
        return kinds

    @cached_property
    def more(self) -> bool:
        """A kind's count reached the cap: the total is "at least" (shown "105+")."""
        return any(kind.more for kind in self.kinds)

    def unread_notifications(self) -> int:  # templates call callables
        return self._row.get("unread", 0)


def waiting(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    state = Waiting(user)
    return {"waiting": state, "unread_notifications": state.unread_notifications}
