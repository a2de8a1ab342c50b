"""Export throughput and peak memory of the API's streamed exports.

Creates N risks with ``bulk_create`` (once; rerun with the same database to reuse them), then
streams ``/api/v1/exports/risks.{csv,json,xlsx}`` as an auditor through Django's test client,
each format in a fresh process, and reports rows per second, the size of the file, the peak
resident memory the process grew by while exporting, and (with ``--tracemalloc``, slower) the
peak of Python allocations.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_api \\
        .venv/bin/python bench/export_throughput.py --rows 100000

Never run it against a database that matters: it adds rows (and ``--reset`` deletes them).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

BENCH_SYSTEM = "Export benchmark system"
BENCH_EMAIL = "export-bench-auditor@example.org"


def setup_django():
    import django

    django.setup()


def ensure_rows(count: int, reset: bool) -> int:
    from apps.accounts.models import Team, User
    from apps.risks.models import Risk, RiskCategory, RiskMatrix
    from apps.risks.services import apply_assessment
    from apps.systems.models import AISystem

    team, _ = Team.objects.get_or_create(slug="export-bench", defaults={"name": "Export bench"})
    owner, _ = User.objects.get_or_create(
        email="export-bench-owner@example.org", defaults={"full_name": "Bench Owner"}
    )
    User.objects.get_or_create(
        email=BENCH_EMAIL, defaults={"full_name": "Bench Auditor", "is_auditor": True}
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
    if reset:
        Risk.objects.filter(system=system).delete()
    existing = Risk.objects.filter(system=system).count()
    category = RiskCategory.objects.get(slug="hallucination", parent__slug="model-error")
    matrix = RiskMatrix.load()
    started = time.perf_counter()
    batch = []
    for n in range(existing, count):
        risk = Risk(
            system=system,
            title=f"Benchmark risk {n}",
            scenario="The assistant states a policy that does not exist; a customer acts on it "
            "and the complaint reaches the ombudsman weeks later. " * 2,
            category=category,
            owner=owner,
            inherent_likelihood=1 + n % 5,
            inherent_impact=1 + (n // 5) % 5,
            residual_likelihood=1,
            residual_impact=1 + (n // 5) % 5,
        )
        apply_assessment(risk, matrix)
        batch.append(risk)
        if len(batch) == 5000:
            Risk.objects.bulk_create(batch)
            batch = []
    if batch:
        Risk.objects.bulk_create(batch)
    if count > existing:
        print(f"created {count - existing} risks in {time.perf_counter() - started:.1f} s")
    return Risk.objects.filter(system=system).count()


def measure(file_format: str, use_tracemalloc: bool) -> dict:
    """Stream one export through the full stack (URL, auth, filters, view) and time it."""
    from django.test import Client

    from apps.accounts.models import User
    from apps.risks.models import Risk

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=BENCH_EMAIL))
    rows = Risk.objects.filter(archived_at__isnull=True).count()
    client.get("/api/v1/")  # warm up: URLs, imports, connection
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if use_tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(f"/api/v1/exports/risks.{file_format}")
    first_byte = None
    size = 0
    for chunk in response.streaming_content:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
    elapsed = time.perf_counter() - started
    result = {
        "format": file_format,
        "status": response.status_code,
        "rows": rows,
        "seconds": round(elapsed, 2),
        "rows_per_second": round(rows / elapsed),
        "first_byte_seconds": round(first_byte or 0, 3),
        "megabytes": round(size / 1e6, 1),
        # ru_maxrss is in KiB on Linux: how much the process's peak grew while exporting.
        "peak_rss_growth_mb": round(
            (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - baseline) / 1024, 1
        ),
    }
    if use_tracemalloc:
        result["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 1e6, 2)
        tracemalloc.stop()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,json,xlsx")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one format, this process
    args = parser.parse_args()
    setup_django()
    if args.measure:
        print(json.dumps(measure(args.measure, args.tracemalloc)))
        return
    from django.db import connection

    total = ensure_rows(args.rows, args.reset)
    print(f"database: {connection.vendor}; benchmark risks: {total}")
    for file_format in args.formats.split(","):
        command = [sys.executable, __file__, "--measure", file_format]
        if args.tracemalloc:
            command.append("--tracemalloc")
        output = subprocess.run(  # noqa: S603 — this same script, with fixed arguments
            command, check=True, capture_output=True, text=True
        ).stdout
        print(output.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
