"""Reads that tolerate a little lag, from a read replica (``REPLICA_URL``).

With ``REPLICA_URL`` set the settings add a ``replica`` database alias and
:class:`ReplicaRouter`. Nothing goes to the replica unless a view asks for it: the work that may
be a few hundred milliseconds behind the primary — the API's lists and exports read by auditors,
the dashboard's aggregates, the benchmark's reads — runs inside :func:`reading_from_replica`, or
binds its queryset with ``.using(read_alias())`` when the rows are read later (a streamed
export is read after its view has returned). Everything else stays on the primary:

* writes always (:meth:`ReplicaRouter.db_for_write`);
* reads after a write in the same block (the block is *pinned* to the primary from its first
  write on), and reads inside a transaction of the primary;
* reads of a request that follows a write by the same browser, for ``REPLICA_PIN_SECONDS``
  (:class:`ReplicaPinMiddleware` sets a cookie after every successful unsafe request): who has
  just saved a record sees it on the next page;
* everything, while the replica is unreachable: the first failure is logged as a warning and
  the replica is left alone for ``REPLICA_RETRY_SECONDS`` before it is tried again.

Without ``REPLICA_URL`` none of this is installed and :func:`read_alias` is ``"default"``.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import logging
import threading
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"


@dataclasses.dataclass
class _Block:
    wrote: bool = False


_block: contextvars.ContextVar[_Block | None] = contextvars.ContextVar(
    "replica_block", default=None
)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_pinned", default=False)


class _Health:
    """When this process last found the replica unreachable (one per process, for its threads)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = 0.0

    def mark_down(self, error: Exception) -> None:
        retry = float(getattr(settings, "REPLICA_RETRY_SECONDS", 30))
        with self.lock:
            first = time.monotonic() >= self.down_until
            self.down_until = time.monotonic() + retry
        if first:
            logger.warning(
                "The read replica is unreachable; reading from the primary for %.0f s: %s",
                retry,
                error,
            )

    def is_resting(self) -> bool:
        return time.monotonic() < self.down_until

    def reset(self) -> None:
        with self.lock:
            self.down_until = 0.0


health = _Health()


def replica_configured() -> bool:
    return REPLICA in connections.settings


def replica_usable() -> bool:
    """Whether the replica answers now: ``False``, logged, when it does not.

    A connection kept from an earlier request is health-checked first (Django's check of
    ``CONN_HEALTH_CHECKS``, at most once a request, done here rather than at the first query,
    by when the replica would already have been chosen); a closed one is opened, within the
    replica's ``connect_timeout``. A replica lost in the middle of a request fails that
    request's next query; the requests after it read from the primary."""
    if not replica_configured() or health.is_resting():
        return False
    connection = connections[REPLICA]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as error:
        health.mark_down(error)
        with contextlib.suppress(DatabaseError):
            connection.close()
        return False
    return True


def _primary_needed() -> bool:
    """Reads that must see the primary: pinned after a write, or inside its transaction."""
    block = _block.get()
    return (
        _pinned.get()
        or (block is not None and block.wrote)
        or connections[DEFAULT_DB_ALIAS].in_atomic_block
    )


def read_alias() -> str:
    """The alias for reads that tolerate lag, decided now: ``"replica"`` when it is configured,
    reachable and the reads need not see the primary, else ``"default"``. For querysets read
    later than this call (a streamed export): ``queryset.using(read_alias())``."""
    if not replica_configured() or _primary_needed():
        return DEFAULT_DB_ALIAS
    return REPLICA if replica_usable() else DEFAULT_DB_ALIAS


@contextlib.contextmanager
def reading_from_replica() -> Iterator[None]:
    """Inside, the ORM's reads go to the replica (see the module); writes, and the reads after
    them, to the primary."""
    token = _block.set(_Block())
    try:
        yield
    finally:
        _block.reset(token)


@contextlib.contextmanager
def pinned_to_primary(pinned: bool = True) -> Iterator[None]:
    """Inside, every read goes to the primary (a request just after a write of the same
    browser: :class:`ReplicaPinMiddleware`)."""
    token = _pinned.set(pinned)
    try:
        yield
    finally:
        _pinned.reset(token)


def tolerates_lag(user) -> bool:
    """People who never write (auditors: the rule ``write`` refuses them): a list or an export
    a moment behind the primary is all the same to them, and they have no write of their own
    to miss on it."""
    from apps.core import rules

    return bool(user and user.is_authenticated) and not rules.allows(user, "write")


def alias_for(user) -> str:
    """:func:`read_alias` for a person who tolerates lag, else ``"default"``: the database of
    a queryset read later than the view (a streamed export)."""
    if replica_configured() and tolerates_lag(user):
        return read_alias()
    return DEFAULT_DB_ALIAS


@contextlib.contextmanager
def reading_for(user) -> Iterator[None]:
    """:func:`reading_from_replica` for a person who tolerates lag; nothing otherwise."""
    if replica_configured() and tolerates_lag(user):
        with reading_from_replica():
            yield
    else:
        yield


class ReplicaRouter:
    """Reads inside :func:`reading_from_replica` to the replica; every write to the primary."""

    def db_for_read(self, model, **hints):
        if _block.get() is None:
            return None  # the default: the primary (or the instance's own database)
        return read_alias()

    def db_for_write(self, model, **hints):
        block = _block.get()
        if block is not None:
            block.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # a replica is read-only: it follows the primary's migrations


class ReplicaPinMiddleware:
    """Read-your-writes across requests: after a successful unsafe request (a form saved, an
    API write) the browser reads from the primary for ``REPLICA_PIN_SECONDS`` (a cookie holding
    the time until which; forging it can only pin oneself to the primary)."""

    cookie = "read_primary_until"
    unsafe = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            until = float(request.COOKIES.get(self.cookie, 0))
        except ValueError:
            until = 0.0
        with pinned_to_primary(until > time.time()):
            response = self.get_response(request)
        if request.method in self.unsafe and response.status_code < 400:
            seconds = int(getattr(settings, "REPLICA_PIN_SECONDS", 5))
            response.set_cookie(
                self.cookie,
                f"{time.time() + seconds:.0f}",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
