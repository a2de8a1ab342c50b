"""Fixtures of the monitoring tests: a metric of the shared ``system`` and readings helpers."""

from __future__ import annotations

import datetime

import pytest

from tests.factories import MetricFactory


@pytest.fixture
def metric(system, risk):
    """Error rate of ``system``: warning at 2 %, rollback at 5 %, 15-minute windows, SEV2,
    watching ``risk``."""
    return MetricFactory(system=system, name="Answer error rate", watched_risks=[risk])


@pytest.fixture
def foreign_metric(foreign_system):
    return MetricFactory(system=foreign_system, name="Approval rate gap")


def at(minutes_ago: float, now=None) -> datetime.datetime:
    now = now or datetime.datetime.now(datetime.UTC)
    return (now - datetime.timedelta(minutes=minutes_ago)).replace(microsecond=0)


def rows(metric, values, *, start, step_minutes=1, source="job"):
    """Readings of ``metric``: one per ``step_minutes`` from ``start``, as the API takes them."""
    return [
        {
            "metric": metric.reference,
            "timestamp": (start + datetime.timedelta(minutes=i * step_minutes)).isoformat(),
            "value": value,
            "source": source,
        }
        for i, value in enumerate(values)
    ]
