"""The test database between modules: the rows the migrations wrote, and module-wide rows.

A transactional test empties every table when it ends (Django's ``TransactionTestCase``), the
rows of the data migrations included (the shipped catalogues, the risk library); the next
transactional test with ``serialized_rollback`` puts them back, but a module's fixture that runs
in between would find none. The module fixtures below start from them whatever ran before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, connections, transaction


def reset_to_migrated() -> None:
    """Empty the tables and reload the rows the migrations wrote (serialized once, right after
    the test database was created: see ``django_db_setup`` in ``tests/conftest.py``), with the
    sequences after them and no cached content type left pointing at a row that is gone."""
    connection.close()
    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
    connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
    statements = connection.ops.sequence_reset_sql(no_style(), django_apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    ContentType.objects.clear_cache()


def restore_migrated_rows_if_emptied() -> None:
    """Put the migrations' rows back if a transactional test emptied the tables."""
    from apps.compliance.models import Catalogue

    if not Catalogue.objects.exists():
        reset_to_migrated()


@contextlib.contextmanager
def module_rows(django_db_blocker) -> Iterator[None]:
    """Database access for a module-scoped fixture: from the migrations' rows, in a transaction
    that is rolled back when the module is done (each test's own ``db`` transaction is a
    savepoint inside it)."""
    with django_db_blocker.unblock():
        restore_migrated_rows_if_emptied()
        with transaction.atomic():
            yield
            transaction.set_rollback(True)


# --- Copies of the test database (PostgreSQL) -----------------------------------------------------
def _server(source: dict) -> psycopg.Connection:
    return psycopg.connect(
        host=source.get("HOST") or "127.0.0.1",
        port=int(source.get("PORT") or 5432),
        user=source["USER"],
        dbname="postgres",
        autocommit=True,
    )


def create_copy(source: dict, name: str) -> None:
    """``CREATE DATABASE name TEMPLATE <the test database>``: its migrations applied in a second,
    where migrating a new database takes most of a minute. A template must have no session:
    this process's are closed, and idle ones left by this run (e.g. a pooler's) ended."""
    connections.close_all()
    with _server(source) as server:
        statement = f'CREATE DATABASE "{name}" TEMPLATE "{source["NAME"]}"'
        try:
            server.execute(statement)
        except psycopg.errors.ObjectInUse:
            server.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [source["NAME"]],
            )
            server.execute(statement)


def drop_copy(source: dict, name: str) -> None:
    with _server(source) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
