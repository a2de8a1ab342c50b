"""Database work that stays right behind a connection pooler in transaction mode.

Behind PgBouncer in transaction mode (``DATABASE_POOLER=pgbouncer``; README, "Scaling out")
each transaction of a Django connection may run on another server connection, so nothing may
outlive a transaction on the server: no cursor ``WITH HOLD`` (Django's server-side cursors
outside a transaction), no session-level advisory lock, no prepared statement (the settings set
psycopg's ``prepare_threshold`` to ``None``), no ``SET`` other than those PgBouncer tracks
(``TimeZone``, which Django sets, is one).

* :func:`stream_rows` reads a large result in chunks, in flat memory, either way: Django's
  holdable server-side cursor when the connection is direct, a cursor of a transaction
  otherwise;
* :class:`TransactionLock` is an advisory lock held by the transaction of a connection of its
  own: it dies with its holder (the transaction ends when the process or its connection does),
  behind a pooler too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import QuerySet

logger = logging.getLogger(__name__)


def server_side_cursors(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the ORM may open server-side cursors outside a transaction on ``alias``."""
    return not connections[alias].settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")


def stream_rows(queryset: QuerySet, chunk_size: int = 2000) -> Iterator[tuple]:
    """The rows of a ``values_list()`` queryset as tuples, ``chunk_size`` rows in memory at a
    time, on whatever connection serves its database:

    * server-side cursors allowed (a direct connection; any database other than PostgreSQL):
      ``queryset.iterator(chunk_size)``;
    * behind a pooler, inside a transaction of that connection: a cursor of that transaction;
    * behind a pooler otherwise (a streamed response, a worker): a connection of its own holds
      a read-only transaction for the cursor, closed when the rows end or the reader stops.
      Other queries meanwhile (an export's progress) go through the usual connection.
    """
    alias = queryset.db
    connection = connections[alias]
    if connection.vendor != "postgresql" or server_side_cursors(alias):
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    if connection.in_atomic_block:
        yield from _transaction_cursor_rows(queryset, connection, chunk_size)
        return
    own = connections.create_connection(alias)
    try:
        own.ensure_connection()
        own.set_autocommit(False)
        with own.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
        yield from _transaction_cursor_rows(queryset, own, chunk_size)
        own.rollback()
    finally:
        own.close()


def _transaction_cursor_rows(queryset: QuerySet, connection, chunk_size: int) -> Iterator[tuple]:
    # ``chunked_fetch`` opens a named (server-side) cursor; out of autocommit it is not holdable,
    # so it lives and dies with the transaction (what a pooler in transaction mode allows).
    compiler = queryset.query.get_compiler(connection=connection)
    yield from compiler.results_iter(tuple_expected=True, chunked_fetch=True, chunk_size=chunk_size)


class TransactionLock:
    """``pg_advisory_xact_lock(*keys)`` (one bigint or two integers, as PostgreSQL's advisory
    locks take) held by a transaction of a connection of its own, from :meth:`acquire` to
    :meth:`release`.

    The lock is released when that transaction ends: at :meth:`release`, or when its process
    dies, its connection is lost or its backend is terminated — behind a pooler in transaction
    mode too, where a session-level lock could be taken on one server connection and "released"
    on another. The connection stays idle in its transaction meanwhile (a server's
    ``idle_in_transaction_session_timeout`` shorter than the work would end the lock early).
    """

    def __init__(self, *keys: int, alias: str = DEFAULT_DB_ALIAS):
        if len(keys) not in (1, 2):
            raise ValueError("An advisory lock has one key or two.")
        self.keys, self.alias = list(keys), alias
        self.connection = None

    @property
    def held(self) -> bool:
        return self.connection is not None

    def acquire(self, *, wait: bool = False) -> bool:
        """Take the lock: at once or not at all (``False``), or waiting for it (``wait``)."""
        if self.held:
            return True
        connection = connections.create_connection(self.alias)
        try:
            connection.ensure_connection()
            connection.set_autocommit(False)
            with connection.cursor() as cursor:
                function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
                placeholders = ", ".join(["%s"] * len(self.keys))
                cursor.execute(f"SELECT {function}({placeholders})", self.keys)
                got = wait or bool(cursor.fetchone()[0])
        except BaseException:
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self.connection = connection
        return True

    def backend_pid(self) -> int | None:
        """The server process holding the lock (behind a pooler: the server connection the
        pooler gave the lock's transaction)."""
        if self.connection is None:
            return None
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    def release(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            connection.rollback()  # ends the transaction, and the lock with it
        except DatabaseError as error:  # the connection is gone, and the lock with it
            logger.warning("The lock's connection was already lost: %s", error)
        finally:
            connection.close()
