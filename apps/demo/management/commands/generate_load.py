"""Fill a database with a large, believable register, for benchmarks (``bench/run.py``).

    manage.py generate_load --systems 5000 --risks 100000 --mitigations 150000 \\
        --incidents 5000 --history --seed 42

50 teams (``--teams``) with their people, systems of every kind, risks from the risk library,
mitigations, acceptances, incidents and (``--history``) every record's history and audit events;
bulk inserts in one transaction, the same data for the same seed. The generated people cannot
sign in (no password). Meant for a database of its own: never one that matters.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.demo.loadgen import generate_load, iter_counts


class Command(BaseCommand):
    help = "Generate a large, believable register for benchmarks (bulk inserts, seeded)."

    def add_arguments(self, parser):
        parser.add_argument("--teams", type=int, default=50)
        parser.add_argument("--systems", type=int, default=5000)
        parser.add_argument("--risks", type=int, default=100_000)
        parser.add_argument("--mitigations", type=int, default=150_000)
        parser.add_argument("--incidents", type=int, default=5000)
        parser.add_argument(
            "--history", action="store_true", help="Also write every record's history."
        )
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, teams, systems, risks, mitigations, incidents, history, seed, **opts):
        if min(teams, systems, risks, mitigations, incidents) < 0 or teams < 1:
            raise CommandError("Counts cannot be negative, and at least one team is needed.")
        self.stdout.write(f"Generating on {connection.vendor} (seed {seed})…")
        try:
            report = generate_load(
                teams=teams,
                systems=systems,
                risks=risks,
                mitigations=mitigations,
                incidents=incidents,
                history=history,
                seed=seed,
                log=self.stdout.write if opts["verbosity"] > 0 else None,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        for line in iter_counts(report):
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS(f"Generated in {report.seconds:.1f} s."))
