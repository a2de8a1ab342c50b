"""Deliver the outbox's pending messages now, in this process (no worker or broker needed).

    manage.py relay_outbox                 # what is due, once
    manage.py relay_outbox --retry-failed  # first put failed messages back in line
    manage.py relay_outbox --watch 60      # keep relaying every 60 seconds until stopped

With ``REDIS_URL`` set, Celery beat runs the same relay every minute (the "Relay the outbox"
periodic task); without a worker, schedule this command instead (e.g. a cron line every minute)
or run it with ``--watch``. Safe to run beside the periodic relay: each message is delivered once
(see :mod:`apps.core.outbox`).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from apps.core import outbox
from apps.core.models import OutboxMessage, OutboxStatus


class Command(BaseCommand):
    help = "Deliver the outbox's pending messages (e-mails, export jobs) that are due."

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=outbox.RELAY_BATCH,
            help="Deliver at most this many messages per run (default: %(default)s).",
        )
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="First put the messages that failed every attempt back in line.",
        )
        parser.add_argument(
            "--watch",
            type=float,
            metavar="SECONDS",
            help="Keep relaying, waiting this many seconds between runs, until interrupted.",
        )

    def handle(self, *args, **options):
        if options["limit"] < 1:
            raise CommandError("--limit must be at least 1.")
        if options["watch"] is not None and options["watch"] <= 0:
            raise CommandError("--watch takes a positive number of seconds.")
        if options["retry_failed"]:
            count = outbox.retry(OutboxMessage.objects.filter(status=OutboxStatus.FAILED))
            self.stdout.write(f"{count} failed message{'s' if count != 1 else ''} back in line.")
        while True:
            result = outbox.relay(limit=options["limit"])
            backlog = outbox.backlog()
            self.stdout.write(
                self.style.SUCCESS(f"Outbox relay: {result}.")
                + f" Pending: {backlog['pending']}, failed: {backlog['failed']}."
            )
            if options["watch"] is None:
                return
            try:
                time.sleep(options["watch"])
            except KeyboardInterrupt:
                return
