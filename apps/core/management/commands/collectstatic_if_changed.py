"""Collect the static files only if their sources changed since the last collection.

    manage.py collectstatic_if_changed

Compares the SHA-256 of every static source file (and the storage) with the one recorded at the
last collection in ``STATIC_ROOT``; runs ``collectstatic`` only when they differ, and says which
it did. ``python3 dev.py test`` and ``manage.py start`` run it; the Docker image runs it at build.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.core import static_files


class Command(BaseCommand):
    help = "Collect the static files if their sources changed since the last collection."

    def handle(self, *args, **options):
        static_files.collect_if_changed(say=self.stdout.write)
