"""Run the daily reminder sweep now, in this process (no worker or Redis needed).

With ``REDIS_URL`` set, Celery beat runs it every day (the "Daily reminder sweep" periodic task);
without Redis, schedule this command instead (e.g. a cron line at 06:00).
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from apps.reminders import services


class Command(BaseCommand):
    help = "Run the daily reminder sweep now: reminders, escalations, notifications, digests."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="Sweep as of this day (YYYY-MM-DD) instead of today.",
        )

    def handle(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date: {error}") from error
        result = services.run_locked_sweep(today)
        if result is None:
            raise CommandError("Another reminder sweep is running; try again later.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Sweep of {result.today}: {result.expired_acceptances} acceptances expired, "
                f"{result.candidates} reminders found ({result.escalations} escalations), "
                f"{result.notified} new notifications, {result.digests} digests e-mailed"
                + (f", {result.digest_failures} digests failed" if result.digest_failures else "")
                + "."
            )
        )
