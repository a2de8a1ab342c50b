"""The governance dashboard drawn once a minute per scope, not at every visit.

Its figures are aggregates over every risk, system, incident and obligation a scope reads: at a
million risks, drawing them costs a few hundred milliseconds, the same for each of the
committee's members, who all read "every team". The dashboard section, rendered, is kept in the
shared cache (Redis) for ``DASHBOARD_CACHE_SECONDS`` (60 unless set; 0: drawn at every visit),
under its scope (every team, or the teams of a person's selector, and the team chosen), the
day and the time zone it is written in. It says when it was drawn ("as of 14:02").

Nobody waits for their own change to show: after a signed-in person's write
(:mod:`apps.dashboard.middleware`), their next visit draws the figures afresh, and the fresh
drawing serves everyone of that scope from then on.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from apps.core.replica import reading_from_replica
from apps.dashboard import selectors

TEMPLATE = "dashboard/_dashboard.html"


def _wrote_key(user_pk) -> str:
    return f"dashboard-wrote:{user_pk}"


def note_write(user_pk) -> None:
    """The person wrote: their next visit draws the dashboard afresh."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if seconds:
        cache.set(_wrote_key(user_pk), time.time(), seconds)


def _key(scope: selectors.Scope, now) -> str:
    readers = "every" if scope.is_global else ",".join(str(t.pk) for t in scope.teams)
    chosen = scope.team.pk if scope.team is not None else ""
    day = timezone.localtime(now).date().isoformat()
    return f"dashboard:{readers}:{chosen}:{day}:{timezone.get_current_timezone_name()}"


def rendered(user, team_id: str | None = None) -> SafeString | None:
    """The dashboard section of ``user``'s home page (None: they have nothing to see), as drawn
    within the last ``DASHBOARD_CACHE_SECONDS`` for their scope, unless they wrote since."""
    scope = selectors.dashboard_scope(user, team_id)
    if scope is None:
        return None
    now = timezone.now()
    seconds = settings.DASHBOARD_CACHE_SECONDS
    key = _key(scope, now)
    if seconds:
        found = cache.get_many([key, _wrote_key(user.pk)])  # one round trip
        kept, wrote = found.get(key), found.get(_wrote_key(user.pk))
        fresh = kept is not None and kept[0] > time.time() - seconds  # the cache may keep it longer
        if fresh and (wrote is None or wrote < kept[0]):
            return mark_safe(kept[1])  # noqa: S308 - rendered by the template below
    started = time.time()
    # Aggregates tolerate a moment's lag: from the replica when there is one (not right after
    # this browser's own write: apps.core.replica).
    with reading_from_replica():
        html = render_to_string(TEMPLATE, {"dashboard": selectors.figures(scope, now=now)})
    if seconds:
        cache.set(key, (started, str(html)), seconds)
    return html
