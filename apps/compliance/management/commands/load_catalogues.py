"""Load the compliance catalogues shipped with the register, then recompute every system's
obligations.

    manage.py load_catalogues

Idempotent: a catalogue version already loaded is updated in place (nothing changes when the
files did not); a new version of a framework retires the one in force, and its obligations move
to the new version's requirements of the same identifiers. Key dates already in the database are
kept as administrators left them. Nothing is loaded if ``check_catalogues`` finds a problem.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.compliance import services


class Command(BaseCommand):
    help = "Load the shipped compliance catalogues (idempotent) and recompute the obligations."

    def handle(self, *args, **options):
        try:
            results = services.load_shipped_catalogues(by=None)
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from error
        for result in results:
            self.stdout.write(result.describe())
