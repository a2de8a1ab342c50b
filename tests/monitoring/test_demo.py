"""The demo organisation's monitored metrics: 90 days of history and one breach with its
incident, made by the real intake and evaluation."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from apps.monitoring.models import Breach, BreachLevel, HourlyRollup, Metric

pytestmark = pytest.mark.django_db


def test_the_demo_metrics_have_90_days_of_history(demo_organisation):
    metrics = Metric.objects.all()
    assert metrics.count() == 3
    oldest = HourlyRollup.objects.order_by("hour").first().hour
    assert timezone.now() - oldest > datetime.timedelta(days=89)


def test_the_demo_has_one_rollback_breach_that_opened_an_incident(demo_organisation):
    breach = Breach.objects.get(level=BreachLevel.ROLLBACK)
    assert breach.incident is not None
    assert breach.ended_at is not None  # it recovered
    assert breach.incident.detected_at == breach.detected_at
