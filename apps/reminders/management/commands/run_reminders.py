"""Run the daily reminder sweep now, in this process (no worker or Redis needed).

With ``REDIS_URL`` set, Celery beat runs it every day (the "Daily reminder sweep" periodic task);
without Redis, schedule this command instead (e.g. a cron line at 06:00).

One sweep runs at a time (see :class:`apps.reminders.services.SweepLock`). When another holds the
lock, the command says who (a PostgreSQL session, or a process and its last heartbeat) and stops
with an error; ``--force`` runs the sweep beside it, which is safe (nobody is told anything twice)
but does the work twice: for an administrator who has read who holds the lock.
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
        parser.add_argument(
            "--force",
            action="store_true",
            help="Sweep even if another sweep holds the lock (safe: nothing is sent twice; "
            "the work is done twice). For administrators, once they have read who holds it.",
        )

    def handle(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date: {error}") from error
        if options["force"]:
            holder = services.SweepLock().holder()
            if holder:
                self.stderr.write(
                    self.style.WARNING(
                        f"Another sweep holds the lock ({holder}): sweeping beside it."
                    )
                )
        try:
            result = services.run_locked_sweep(today, force=options["force"], raise_if_held=True)
        except services.SweepLockHeld as held:
            raise CommandError(
                f"Another reminder sweep is running: {held.holder}. Try again later, or run "
                "with --force to sweep beside it (nothing is sent twice)."
            ) from held
        self.stdout.write(
            self.style.SUCCESS(
                f"Sweep of {result.today}: {result.expired_acceptances} acceptances expired, "
                f"{result.candidates} reminders found ({result.escalations} escalations), "
                f"{result.notified} new notifications, {result.digests} digests e-mailed"
                + (f", {result.digest_failures} digests failed" if result.digest_failures else "")
                + "."
            )
        )
