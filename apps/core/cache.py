"""The shared cache fails open: a request never fails because Redis did.

Everything the app keeps in the cache can be done without it, a little slower or a little less
strictly: API throttling counts nothing (every request is let through), a safety plan's PDF is
rendered again, the API schema is generated again, a lock or a "once only" mark (``cache.add``)
is taken as granted (what must never happen twice is guarded by the database, not by the cache).
So :class:`FailOpenRedisCache`, Django's Redis backend with short socket timeouts, answers as if
the cache were empty when Redis cannot be reached, instead of raising:

* reads miss (``get`` gives the default, ``get_many`` nothing, ``has_key`` False);
* writes are dropped (``set``, ``touch``, ``delete`` …), ``add`` reports success, ``incr``
  counts from zero;
* the outage is logged once as a warning (``apps.core.cache``), again at most every minute while
  it lasts, and its end as information;
* after a failure Redis is left alone for :data:`RETRY_SECONDS` (per process), so that a Redis
  that does not answer at all costs each request nothing rather than a timeout per call.

Only outages are absorbed (connection refused or lost, timeouts, a read-only replica after a
failover, something other than Redis answering); any other error (a bug) still raises.
``/healthz/ready`` is where an unreachable Redis shows (:func:`ping`).
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# After a failure, calls skip Redis for this long (seconds), then try again.
RETRY_SECONDS = 5.0
# While an outage lasts, it is logged again at most this often (seconds).
LOG_EVERY_SECONDS = 60.0
OUTAGE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# A read-only replica (after a failover) refuses writes, something else answers at the address
# (a proxy, another service): outages too.
OUTAGE_ERRORS += (redis.exceptions.ReadOnlyError, redis.exceptions.InvalidResponse)


def describe(url: str) -> str:
    """``host:port/db`` of a Redis URL, without its credentials (for logs)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path or ''}"


def ping(url: str, *, timeout: float = 1.0) -> None:
    """Raise unless the Redis at ``url`` answers within ``timeout`` seconds (readiness)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


class _Outages:
    """Per process and per Redis location: since when it is down, and when to try again."""

    def __init__(self):
        self._lock = threading.Lock()
        self._state: dict[str, dict[str, float]] = {}

    def skipping(self, where: str) -> bool:
        state = self._state.get(where)
        return state is not None and time.monotonic() < state["retry_at"]

    def failed(self, where: str, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            state = self._state.get(where)
            first = state is None
            if first:
                state = self._state[where] = {"since": now, "logged": now}
            state["retry_at"] = now + RETRY_SECONDS
            log_again = not first and now - state["logged"] >= LOG_EVERY_SECONDS
            if log_again:
                state["logged"] = now
        if first:
            logger.warning(
                "The cache (Redis at %s) is unreachable: %s. Requests go on without it "
                "(throttling, cached PDFs and locks fail open); retrying every %.0f s.",
                where,
                error,
                RETRY_SECONDS,
            )
        elif log_again:
            logger.warning(
                "The cache (Redis at %s) is still unreachable after %.0f s: %s.",
                where,
                now - state["since"],
                error,
            )

    def succeeded(self, where: str) -> None:
        if where not in self._state:
            return
        with self._lock:
            state = self._state.pop(where, None)
        if state is not None:
            logger.info(
                "The cache (Redis at %s) is back after %.0f s.",
                where,
                time.monotonic() - state["since"],
            )


outages = _Outages()


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache that answers like an empty cache while Redis is unreachable."""

    def __init__(self, server, params):
        timeouts = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
        params = {**params, "OPTIONS": timeouts | dict(params.get("OPTIONS") or {})}
        super().__init__(server, params)
        self._where = ", ".join(describe(url) for url in self._servers)

    def _call(self, fallback, operation, *args, **kwargs):
        if outages.skipping(self._where):
            return fallback
        try:
            result = operation(*args, **kwargs)
        except OUTAGE_ERRORS as error:
            outages.failed(self._where, error)
            return fallback
        outages.succeeded(self._where)
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        return self._call(delta, super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(None, super().delete_many, keys, version)

    def clear(self):
        return self._call(False, super().clear)
