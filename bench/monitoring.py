"""Benchmarks of monitoring on PostgreSQL: the readings intake, the 90-day chart, breach evaluation.

Run by ``bench/run.py --only monitoring`` or on its own, on any migrated PostgreSQL database (it
brings its own team, system, people and metrics, inside a transaction rolled back at the end, so
it leaves nothing behind):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_bench .venv/bin/python bench/monitoring.py

* **intake**: ``POST /api/v1/readings/`` through the whole Django stack (the test client, a
  monitoring token, the JSON parser, the intake service, one INSERT … ON CONFLICT and the
  roll-ups' upsert, the outbox message), batches of 5,000 readings of 10 metrics; the figure is
  readings stored per second of request time (target ≥ 20,000/s).
* **chart**: a metric with one reading a minute for 90 days (129,600 readings, 2,160 hourly
  roll-ups); the time of the 90-day trend (the selector and the SVG geometry), and of the whole
  metric page with that chart (target < 100 ms for the chart).
* **evaluation**: 1,000 metrics with a 15-minute window of readings each, 10 of them beyond
  their rollback threshold (10 incidents opened, owners and committee told), evaluated by
  :func:`apps.monitoring.services.evaluate_metrics` as the worker does (target < 5 s).
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

INTAKE_BATCH = 5_000
INTAKE_BATCHES = 20
CHART_DAYS = 90
EVALUATED_METRICS = 1_000


class Rollback(Exception):
    pass


def _check(condition, detail="") -> None:
    """A figure is only worth reporting if the work it times was done right."""
    if not condition:
        raise SystemExit(f"The benchmark's work went wrong: {detail}")


def _clock():
    from bench.run import CPUClock

    return CPUClock()


def _cpu_since(clock, start) -> float:
    """CPU seconds of this process and its PostgreSQL backend since ``start``: what the work
    cost, whatever else the machine was doing (wall times include waiting for a CPU)."""
    process, backend = clock.read()
    return (process - start[0]) + (backend - start[1])


def _world():
    from apps.accounts.models import Membership, Team, User
    from apps.systems.models import AISystem

    team = Team.objects.create(name="Monitoring bench", slug="monitoring-bench")
    owner = User.objects.create(email="monitoring-bench@example.org", full_name="Bench Owner")
    Membership.objects.create(user=owner, team=team, role=Membership.Role.CONTRIBUTOR)
    committee = User.objects.create(
        email="monitoring-bench-committee@example.org", is_committee_member=True
    )
    system = AISystem.objects.create(
        team=team,
        name="Monitoring bench system",
        purpose="Benchmark",
        business_owner=owner,
        technical_owner=owner,
    )
    return owner, committee, system


def _metrics(system, owner, count, prefix, **extra):
    from apps.monitoring.models import Metric

    return Metric.objects.bulk_create(
        [
            Metric(
                system=system,
                name=f"{prefix} {i}",
                unit="%",
                warning_threshold=2.0,
                rollback_threshold=5.0,
                window_minutes=15,
                created_by=owner,
                **extra,
            )
            for i in range(count)
        ]
    )


def _store(metric_ids, start, count, step, value):
    """Readings straight through the intake's storage (one statement per 10,000)."""
    from apps.monitoring import services

    rows = []
    for metric_id in metric_ids:
        for i in range(count):
            moment = start + step * i
            rows.append((metric_id, moment, value(metric_id, i), "bench", moment.isoformat()))
    for first in range(0, len(rows), 10_000):
        services._store_postgresql(rows[first : first + 10_000])


def intake(owner, system) -> dict:
    from django.test import Client

    from apps.monitoring import services

    metrics = _metrics(system, owner, 10, "Intake")
    _, secret = services.create_monitoring_token(user=owner, name="bench", systems=[system])
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {secret}")
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    bodies = []
    for batch in range(INTAKE_BATCHES):
        readings = [
            {
                "metric": metrics[i % 10].reference,
                "timestamp": (
                    start + datetime.timedelta(seconds=batch * INTAKE_BATCH + i)
                ).isoformat(),
                "value": (i % 100) / 10,
                "source": "bench",
            }
            for i in range(INTAKE_BATCH)
        ]
        bodies.append(json.dumps({"readings": readings}))
    times = []
    clock = _clock()
    cpu_start = clock.read()
    for body in bodies:
        began = time.perf_counter()
        response = client.post("/api/v1/readings/", body, content_type="application/json")
        times.append(time.perf_counter() - began)
        _check(response.status_code == 201, response.content[:500])
        _check(response.json()["stored"] == INTAKE_BATCH)
    cpu = _cpu_since(clock, cpu_start)
    # Idempotency under the same load: the whole first batch again stores nothing.
    began = time.perf_counter()
    again = client.post("/api/v1/readings/", bodies[0], content_type="application/json")
    repeat_ms = (time.perf_counter() - began) * 1000
    _check(again.json()["stored"] == 0)
    total = sum(times)
    return {
        "readings": INTAKE_BATCH * INTAKE_BATCHES,
        "readings_per_second": INTAKE_BATCH * INTAKE_BATCHES / total,
        "readings_per_cpu_second": INTAKE_BATCH * INTAKE_BATCHES / cpu,
        "batch_cpu_ms": cpu / INTAKE_BATCHES * 1000,
        "batch_p50_ms": statistics.median(times) * 1000,
        "batch_max_ms": max(times) * 1000,
        "repeat_batch_ms": repeat_ms,
    }


def chart(owner, system, runs: int) -> dict:
    from django.test import Client
    from django.utils import timezone

    from apps.monitoring import charts, selectors

    (metric,) = _metrics(system, owner, 1, "Chart")
    now = timezone.now().replace(second=0, microsecond=0)
    count = CHART_DAYS * 24 * 60
    start = now - datetime.timedelta(minutes=count)
    _store([metric.pk], start, count, datetime.timedelta(minutes=1), lambda _, i: (i % 97) / 20)
    period = selectors.PERIODS["90d"]

    def draw():
        until = timezone.now()
        points = selectors.trend(metric, period, now=until)
        breaches = selectors.breaches_in(metric, until - period.span)
        return charts.trend_chart(
            metric, points, breaches, since=until - period.span, until=until, hourly=True
        )

    draw()
    chart_times = []
    clock = _clock()
    cpu_start = clock.read()
    for _ in range(runs):
        began = time.perf_counter()
        geometry = draw()
        chart_times.append(time.perf_counter() - began)
    chart_cpu = _cpu_since(clock, cpu_start) / runs
    client = Client(HTTP_HOST="localhost")
    client.force_login(owner)
    url = f"/monitoring/{metric.pk}/?period=90d"
    _check(client.get(url).status_code == 200)
    page_times = []
    cpu_start = clock.read()
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url)
        page_times.append(time.perf_counter() - began)
        _check(response.status_code == 200)
    page_cpu = _cpu_since(clock, cpu_start) / runs
    return {
        "readings": count,
        "chart_cpu_ms": chart_cpu * 1000,
        "page_cpu_ms": page_cpu * 1000,
        "points": len(geometry["points"]),
        "chart_p50_ms": statistics.median(chart_times) * 1000,
        "chart_p95_ms": sorted(chart_times)[int(0.95 * (len(chart_times) - 1))] * 1000,
        "page_p50_ms": statistics.median(page_times) * 1000,
        "page_p95_ms": sorted(page_times)[int(0.95 * (len(page_times) - 1))] * 1000,
    }


def evaluation(owner, system) -> dict:
    from django.utils import timezone

    from apps.incidents.models import Incident
    from apps.monitoring import services

    metrics = _metrics(system, owner, EVALUATED_METRICS, "Evaluated")
    ids = [metric.pk for metric in metrics]
    breaching = set(ids[::100])  # 1 % beyond the rollback threshold: 10 incidents
    now = timezone.now()
    window = services.window_start(metrics[0], now) - datetime.timedelta(minutes=15)
    _store(
        ids,
        window,
        15,
        datetime.timedelta(minutes=1),
        lambda metric_id, i: 9.0 if metric_id in breaching else 1.0 + (i % 3) / 10,
    )
    incidents_before = Incident.objects.count()
    clock = _clock()
    cpu_start = clock.read()
    began = time.perf_counter()
    result = services.evaluate_metrics(ids, by_id=owner.pk, now=now)
    seconds = time.perf_counter() - began
    cpu = _cpu_since(clock, cpu_start)
    _check(result.incidents == len(breaching), result)
    _check(Incident.objects.count() - incidents_before == len(breaching))
    # Again: the at-least-once repeat finds nothing to do.
    began = time.perf_counter()
    repeat = services.evaluate_metrics(ids, by_id=owner.pk, now=now)
    repeat_seconds = time.perf_counter() - began
    _check(repeat.incidents == 0)
    return {
        "metrics": len(ids),
        "readings": 15 * len(ids),
        "incidents": result.incidents,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "repeat_seconds": repeat_seconds,
    }


def measure(runs: int = 20) -> dict:
    """Every figure, in one transaction rolled back at the end."""
    from django.db import transaction

    figures = {}
    try:
        with transaction.atomic():
            owner, _committee, system = _world()
            figures["intake"] = intake(owner, system)
            figures["chart"] = chart(owner, system, runs)
            figures["evaluation"] = evaluation(owner, system)
            raise Rollback
    except Rollback:
        pass
    return figures


def results(runs: int = 20) -> list:
    """The figures as rows of ``bench/run.py``'s table."""
    from bench.run import Result

    figures = measure(runs)
    intake_, chart_, evaluation_ = figures["intake"], figures["chart"], figures["evaluation"]
    return [
        Result(
            f"Readings intake, API, batches of {INTAKE_BATCH:,}",
            "≥ 20,000 readings/s",
            p50_ms=intake_["batch_p50_ms"],
            p95_ms=intake_["batch_max_ms"],
            cpu_ms=intake_["batch_cpu_ms"],
            runs=INTAKE_BATCHES,
            met=intake_["readings_per_second"] >= 20_000,
            notes=[
                f"{intake_['readings_per_second']:,.0f} readings/s of wall time, "
                f"{intake_['readings_per_cpu_second']:,.0f} per CPU second, over "
                f"{intake_['readings']:,} readings; the same batch again: "
                f"{intake_['repeat_batch_ms']:,.0f} ms, 0 stored"
            ],
        ),
        Result(
            f"90-day chart, 1 reading a minute ({chart_['readings']:,})",
            "< 100 ms",
            p50_ms=chart_["chart_p50_ms"],
            p95_ms=chart_["chart_p95_ms"],
            cpu_ms=chart_["chart_cpu_ms"],
            runs=runs,
            met=chart_["chart_p95_ms"] < 100,
            notes=[
                f"{chart_['points']} points; the whole metric page: p50 "
                f"{chart_['page_p50_ms']:,.0f} ms, p95 {chart_['page_p95_ms']:,.0f} ms, "
                f"CPU {chart_['page_cpu_ms']:,.0f} ms"
            ],
        ),
        Result(
            f"Breach evaluation of {evaluation_['metrics']:,} metrics",
            "< 5 s",
            p50_ms=evaluation_["seconds"] * 1000,
            cpu_ms=evaluation_["cpu_seconds"] * 1000,
            runs=1,
            met=evaluation_["seconds"] < 5,
            notes=[
                f"{evaluation_['readings']:,} readings, {evaluation_['incidents']} incidents "
                f"opened; the repeat: {evaluation_['repeat_seconds'] * 1000:,.0f} ms"
            ],
        ),
    ]


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: set DATABASE_URL=postgres://…")
    print(json.dumps(measure(), indent=2))


if __name__ == "__main__":
    main()
