"""What the tamper-evident audit chain costs per write, and how fast it verifies.

Saves one AI system N times with the chain (the application as it is) and N times without it
(the audit entry saved plainly, as before the chain existed), in alternating rounds so that both
see the same database; each save is its own transaction, as a request's is. Reports the mean
time and the number of queries per save for each, and the difference. Then runs
``verify_audit_trail`` over the whole chain: entries per second and the peak of Python
allocations (bounded by the chunk size, not by the size of the trail).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_audit .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_audit \\
        .venv/bin/python bench/audit_chain.py --saves 1000

The saves "without" leave entries outside the chain, so the script deletes them at the end (it
never runs against a database that matters: it adds history and audit entries).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

BENCH_SYSTEM = "Audit chain benchmark system"


def setup_django():
    import django

    django.setup()


def bench_system():
    from apps.accounts.models import Team, User
    from apps.systems.models import AISystem

    team, _ = Team.objects.get_or_create(slug="audit-bench", defaults={"name": "Audit bench"})
    owner, _ = User.objects.get_or_create(
        email="audit-bench-owner@example.org", defaults={"full_name": "Bench Owner"}
    )
    system, _ = AISystem.objects.get_or_create(
        name=BENCH_SYSTEM,
        team=team,
        defaults={
            "purpose": "Benchmark",
            "business_process": "Benchmark",
            "business_owner": owner,
            "technical_owner": owner,
            "lifecycle_stage": "production",
            "ai_kind": "generative",
            "decision_role": "advises",
            "oversight_mode": "on_the_loop",
            "eu_ai_act_tier": "minimal",
        },
    )
    return system, owner


def plain_save(event, history_instance):
    """The audit entry as it was saved before the chain: one INSERT."""
    event.save()
    return event


def timed_saves(system, owner, count: int, label: str) -> tuple[list[float], int, float]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    durations = []
    queries = 0
    cpu_started = time.process_time()
    for n in range(count):
        system.vendor = f"{label} {n} {time.perf_counter_ns()}"
        system._history_user = owner
        connection.queries_log.clear()  # the log keeps 9,000 queries: count from empty
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            with transaction.atomic():
                system.save()
            durations.append(time.perf_counter() - started)
        queries += sum(1 for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT"))
    return durations, queries, time.process_time() - cpu_started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--saves", type=int, default=1000, help="saves with, and as many without")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument(
        "--no-fsync",
        action="store_true",
        help="PostgreSQL: SET synchronous_commit = off, to see the work the chain adds without "
        "the commit's wait for the disk (which both sides pay once per save)",
    )
    args = parser.parse_args()
    setup_django()

    from django.core.management import call_command
    from django.db import connection

    if args.no_fsync and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")

    from apps.core.models import AuditEvent

    system, owner = bench_system()
    timed_saves(system, owner, 20, "warm-up")
    per_round = max(args.saves // args.rounds, 1)
    results = {label: {"durations": [], "queries": 0, "cpu": 0.0} for label in ("with", "without")}
    for _ in range(args.rounds):
        for label, result in results.items():
            if label == "without":
                with mock.patch("apps.core.audit_chain.append", plain_save):
                    durations, queries, cpu = timed_saves(system, owner, per_round, label)
            else:
                durations, queries, cpu = timed_saves(system, owner, per_round, label)
            result["durations"].extend(durations)
            result["queries"] += queries
            result["cpu"] += cpu

    print(
        f"database: {connection.vendor}{' (synchronous_commit off)' if args.no_fsync else ''}; "
        f"saves: {per_round * args.rounds} with, as many without"
    )
    means, cpus = {}, {}
    for label, result in results.items():
        durations = result["durations"]
        means[label] = statistics.mean(durations) * 1000
        cpus[label] = result["cpu"] / len(durations) * 1000
        print(
            f"{label:>8} the chain: mean {means[label]:.2f} ms, median "
            f"{statistics.median(durations) * 1000:.2f} ms, total {sum(durations):.2f} s, "
            f"{result['queries'] / len(durations):.1f} queries and {cpus[label]:.2f} ms of this "
            "process's CPU per save"
        )
    extra = means["with"] - means["without"]
    print(
        f"cost of the chain: {extra:.2f} ms per save ({extra / means['without']:+.0%}), of which "
        f"{cpus['with'] - cpus['without']:.2f} ms CPU in this process (the rest: the database)"
    )

    # The entries saved without the chain are outside it: remove them before verifying.
    AuditEvent.objects.filter(sequence__isnull=True).delete()
    entries = AuditEvent.objects.count()
    tracemalloc.start()
    started = time.perf_counter()
    call_command("verify_audit_trail", "--chunk-size", str(args.chunk_size), stdout=io.StringIO())
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(
        f"verify_audit_trail: {entries} entries in {elapsed:.2f} s "
        f"({entries / elapsed:,.0f} entries/s), peak Python allocations {peak:.1f} MB "
        f"(chunk size {args.chunk_size})"
    )


if __name__ == "__main__":
    main()
