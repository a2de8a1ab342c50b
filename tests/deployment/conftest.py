"""Fixtures of the deployment tests: the real servers of tests/deployment/services.py, and the
app's settings pointed at them as the environment variables would (README, "Scaling out")."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from apps.core import replica
from config.object_storage import storage_from_url
from tests.db import reset_to_migrated
from tests.deployment.services import PgBouncer, S3Server, StreamingReplica, Unavailable


def _local_postgres_port() -> int:
    """The port of the PostgreSQL server the tests use, if it is on this machine."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… to run it")
    database = connection.settings_dict
    if database.get("HOST") not in ("127.0.0.1", "localhost", "::1"):
        pytest.skip("needs the PostgreSQL server on this machine (127.0.0.1)")
    return int(database.get("PORT") or 5432)


# --- Object storage -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def s3_server():
    """An S3-compatible server (moto's server mode) with one bucket, for the whole session."""
    try:
        server = S3Server().start()
    except (Unavailable, OSError) as error:
        pytest.skip(f"no S3-compatible server: {error}")
    yield server
    server.stop()


@pytest.fixture
def object_storage(s3_server, settings):
    """Files go to the bucket, as with ``STORAGE_URL`` set; the bucket starts empty (the cluster
    test shares the session's server) and is emptied after."""
    s3_server.empty()
    settings.STORAGES = {**settings.STORAGES, "default": storage_from_url(s3_server.url)}
    yield s3_server
    s3_server.empty()


# --- PgBouncer ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def pgbouncer():
    """PgBouncer in transaction mode in front of the tests' PostgreSQL, for the session."""
    port = _local_postgres_port()
    try:
        bouncer = PgBouncer(port).start()
    except Unavailable as error:
        pytest.skip(f"no PgBouncer: {error}")
    yield bouncer
    bouncer.stop()


@contextlib.contextmanager
def through_pgbouncer(bouncer: PgBouncer) -> Iterator[None]:
    """The app's database connection goes through PgBouncer, with the settings that
    ``DATABASE_POOLER=pgbouncer`` gives it (no test transaction may span the switch)."""
    database = connections[DEFAULT_DB_ALIAS]
    keys = ("HOST", "PORT", "DISABLE_SERVER_SIDE_CURSORS", "OPTIONS")
    saved = {key: database.settings_dict.get(key) for key in keys}
    database.close()
    database.settings_dict.update(
        HOST="127.0.0.1",
        PORT=bouncer.port,
        DISABLE_SERVER_SIDE_CURSORS=True,
        OPTIONS={**(saved["OPTIONS"] or {}), "prepare_threshold": None},
    )
    try:
        yield
    finally:
        database.close()
        database.settings_dict.update(saved)
        bouncer.disconnect(database.settings_dict["NAME"])


# --- Committed rows ------------------------------------------------------------------------------
@contextlib.contextmanager
def committed_rows(django_db_blocker) -> Iterator[None]:
    """Database access with no test transaction around it: what is written is committed, as in
    production, so that PgBouncer's other server connections and a replica see it. The tables
    start as the migrations left them (a transactional test run before may have emptied them)
    and are left so at the end (what a transactional test with ``serialized_rollback`` does
    around each test, done once for a whole module here)."""
    with django_db_blocker.unblock():
        # pytest-django creates the test database when a collected test asks for the database
        # (a module of committed rows keeps one such test); never empty another database.
        if not connection.settings_dict["NAME"].startswith("test_"):
            pytest.skip("no test database was created: run a test marked django_db with this")
        reset_to_migrated()
        try:
            yield
        finally:
            reset_to_migrated()


@pytest.fixture
def unblocked(django_db_blocker):
    """A test of a module whose rows are committed (:func:`committed_rows`): database access,
    without a transaction of its own."""
    with django_db_blocker.unblock():
        yield


# --- A streaming replica --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def streaming_replica():
    """A hot standby of the whole PostgreSQL cluster (so of the test database), streaming from
    it, for the session (about 5-10 s to start)."""
    port = _local_postgres_port()
    try:
        standby = StreamingReplica(port).start()
    except Unavailable as error:
        pytest.skip(f"no streaming replica: {error}")
    yield standby
    standby.stop()


@pytest.fixture
def replica_database(streaming_replica, settings):
    """The ``replica`` alias and the router, as ``REPLICA_URL`` sets them, on the streaming
    replica (use with ``django_db(transaction=True)``: the replica sees committed rows only)."""
    primary = connections.settings[DEFAULT_DB_ALIAS]
    connections.settings[replica.REPLICA] = {
        **primary,
        "HOST": "127.0.0.1",
        "PORT": streaming_replica.port,
        "OPTIONS": {**primary.get("OPTIONS", {}), "connect_timeout": 2},
        "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS},
    }
    settings.DATABASE_ROUTERS = ["apps.core.replica.ReplicaRouter"]
    settings.MIDDLEWARE = [
        settings.MIDDLEWARE[0],
        "apps.core.replica.ReplicaPinMiddleware",
        *settings.MIDDLEWARE[1:],
    ]
    replica.health.reset()
    yield streaming_replica
    connections[replica.REPLICA].close()
    del connections[replica.REPLICA]
    del connections.settings[replica.REPLICA]
    replica.health.reset()
