"""Indexes that adapt to the database.

:class:`CoveringIndex` is an index with ``INCLUDE`` columns (an index-only scan reads them
without the table) on PostgreSQL. SQLite has no covering index: Django would create the plain
index there anyway, and warn about it (``models.W040``) at every start. On such a database the
model's index drops its ``include``; it deconstructs as a plain ``models.Index`` with the
``include`` whatever the database, so migrations and ``makemigrations`` see the same index on
both.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, models


def covering_indexes_supported() -> bool:
    """Whether the default database has covering indexes (no connection is opened)."""
    return connections[DEFAULT_DB_ALIAS].features.supports_covering_indexes


class CoveringIndex(models.Index):
    def __init__(self, *args, include=(), **kwargs):
        self.covering = tuple(include)
        if not covering_indexes_supported():
            include = ()
        super().__init__(*args, include=include, **kwargs)

    def deconstruct(self):
        _, args, kwargs = super().deconstruct()
        if self.covering:
            kwargs["include"] = self.covering
        return "django.db.models.Index", args, kwargs

    def __eq__(self, other):
        """Equal to the plain index the migrations hold, so that ``makemigrations`` sees no
        change (Django compares an index of another class as different)."""
        if isinstance(other, models.Index):
            return self.deconstruct() == other.deconstruct()
        return NotImplemented

    __hash__ = None
