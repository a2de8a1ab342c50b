"""Demo monitored metrics (``manage.py seed_demo``): three metrics of the support assistant and
the card fraud detector, with 90 days of readings (one every 15 minutes), and one rollback breach
three days ago that opened an incident.

The readings are made up by a small deterministic formula (a daily cycle and a little noise)
and go through the real intake and evaluation, so the charts, roll-ups, breach and incident
are what the register makes of them. Idempotent: a system that already has metrics is left
alone.
"""

from __future__ import annotations

import datetime
import math
import random

from django.utils import timezone

from apps.monitoring import services
from apps.monitoring.models import Metric
from apps.systems.models import AISystem

DAYS = 90
STEP = datetime.timedelta(minutes=15)
BATCH = 10_000


def _specs() -> list[dict]:
    return [
        {
            "system": "Aria customer-support assistant",
            "by": "contributor@example.com",
            "data": {
                "name": "Ungrounded answer rate (sampled)",
                "measures": "error_rate",
                "description": "Share of sampled conversations whose answer cites no help-centre "
                "article, judged by the nightly grader on 200 conversations an hour.",
                "unit": "%",
                "direction": "higher",
                "warning_threshold": 3.0,
                "rollback_threshold": 6.0,
                "window_minutes": 60,
                "incident_severity": 2,
            },
            "base": 1.6,
            "swing": 0.6,
            "noise": 0.3,
            # Three days ago a prompt change made answers drift for about two hours.
            "incident": (3, 2.5, 8.5),
        },
        {
            "system": "Aria customer-support assistant",
            "by": "contributor@example.com",
            "data": {
                "name": "Answer latency p95",
                "measures": "p95_latency",
                "unit": "ms",
                "direction": "higher",
                "warning_threshold": 2500,
                "rollback_threshold": 4000,
                "window_minutes": 15,
                "incident_severity": 3,
            },
            "base": 1400,
            "swing": 350,
            "noise": 120,
        },
        {
            "system": "Card fraud detector",
            "by": "fincrime@example.com",
            "data": {
                "name": "Fraud recall on confirmed cases",
                "measures": "accuracy",
                "unit": "%",
                "direction": "lower",
                "warning_threshold": 90,
                "rollback_threshold": 85,
                "window_minutes": 60,
                "incident_severity": 2,
            },
            "base": 93.5,
            "swing": 0.8,
            "noise": 0.6,
        },
    ]


def _values(spec: dict, start: datetime.datetime, count: int, now) -> list[tuple]:
    chance = random.Random(spec["data"]["name"])  # noqa: S311 — made-up figures, the same every run
    days_ago, hours, bad = spec.get("incident", (None, 0, 0))
    bad_from = bad_until = None
    if days_ago is not None:
        bad_from = (now - datetime.timedelta(days=days_ago)).replace(minute=0, second=0)
        bad_until = bad_from + datetime.timedelta(hours=hours)
    readings = []
    for index in range(count):
        at = start + STEP * index
        hour = at.hour + at.minute / 60
        value = spec["base"] + spec["swing"] * math.sin((hour - 8) / 24 * 2 * math.pi)
        value += chance.gauss(0, spec["noise"])
        if bad_from is not None and bad_from <= at < bad_until:
            value = bad + chance.gauss(0, spec["noise"])
        readings.append((at, round(value, 3)))
    return readings


def seed_demo_metrics(people: dict, now: datetime.datetime | None = None) -> int:
    """Declare the demo metrics of demo systems that have none, with their history; returns
    how many were declared."""
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    systems = {s.name: s for s in AISystem.objects.all()}
    with_metrics = set(Metric.objects.values_list("system_id", flat=True))
    start = services.window_start(Metric(window_minutes=15), now - datetime.timedelta(days=DAYS))
    count = int((now - start) / STEP)
    declared = []
    for spec in _specs():
        system = systems.get(spec["system"])
        author = people.get(spec["by"])
        if system is None or author is None or system.pk in with_metrics:
            continue
        metric = services.create_metric(
            system=system,
            by=author,
            data=spec["data"],
            risks=system.risks.filter(archived_at__isnull=True).order_by("-residual_score")[:1],
            reason="Demo data",
        )
        rows = [
            {"metric": metric.pk, "timestamp": at, "value": value, "source": "demo"}
            for at, value in _values(spec, start, count, now)
        ]
        for first in range(0, len(rows), BATCH):
            services.ingest_readings(rows=rows[first : first + BATCH], by=author)
        declared.append((metric, author))
    for metric, author in declared:
        services.evaluate_metrics([metric.pk], by_id=author.pk, now=now)
    return len(declared)
