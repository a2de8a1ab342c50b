"""Recompute the audit trail's hash chain and report the first broken link.

    manage.py verify_audit_trail                      # the whole chain
    manage.py verify_audit_trail --from-entry 1200    # from entry 1200 onward
    manage.py verify_audit_trail --pin 5000:3f9a…     # and it still reaches a recorded head

Prints the count and the head hash when the chain is intact (record the hash somewhere the
database's administrators cannot write, and pass it to ``--pin`` later); otherwise names the
first broken link (entry, model, record, time, why) and exits with status 1.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError

from apps.core import audit_chain

PIN = re.compile(r"(\d+):([0-9a-f]{64})")


def pin(text: str) -> tuple[int, str]:
    match = PIN.fullmatch(text.strip().lower())
    if match is None:
        raise ValueError(text)
    return int(match.group(1)), match.group(2)


class Command(BaseCommand):
    help = (
        "Recompute the tamper-evident hash chain of the audit trail; report OK with the count "
        "and the head hash, or the first broken link (exit status 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from-entry",
            type=int,
            metavar="ID",
            help="Start at this audit entry (its id), trusting the stored hash of the entry "
            "before it: a quicker check of what was added since a full verification.",
        )
        parser.add_argument(
            "--pin",
            type=pin,
            action="append",
            default=[],
            metavar="SEQUENCE:HASH",
            help="A head printed by an earlier run and kept outside the database; the "
            "recomputed chain must still reach exactly that hash (repeatable).",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=audit_chain.PENDING_GRACE,
            metavar="SECONDS",
            help="How long an entry written while the chain was busy may take to be chained "
            "after its transaction committed, before it counts as written around the "
            "application.",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=audit_chain.CHUNK_SIZE,
            help="Entries read at a time (memory stays bounded by it).",
        )

    def handle(self, *args, from_entry, pin, wait, chunk_size, **options):
        try:
            result = audit_chain.verify(
                from_entry=from_entry,
                pins=dict(pin),
                chunk_size=max(chunk_size, 1),
                pending_grace=max(wait, 0),
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        if not result.ok:
            raise CommandError(result.broken.describe())
        if result.checked:
            last = result.first_sequence + result.checked - 1
            span = f" (sequence {result.first_sequence} to {last})"
        else:
            span = ""
        self.stdout.write(
            self.style.SUCCESS(f"Audit trail OK: {result.checked:,} entries verified{span}.")
        )
        if result.pins_matched:
            self.stdout.write(f"Pinned hashes reached: {result.pins_matched}.")
        self.stdout.write(f"Head: sequence {result.head_sequence} hash {result.head_hash}")
        self.stdout.write(
            "Record it outside the database; later, "
            f"--pin {result.head_sequence}:{result.head_hash} proves nothing before it changed."
        )
