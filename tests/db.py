"""The test database between modules: the rows the migrations wrote, and module-wide rows.

A transactional test empties every table when it ends (Django's ``TransactionTestCase``), the
rows of the data migrations included (the shipped catalogues, the risk library); the next
transactional test with ``serialized_rollback`` puts them back, but a module's fixture that runs
in between would find none. The module fixtures below start from them whatever ran before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction


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
