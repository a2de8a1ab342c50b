"""Retention: raw readings older than the setting are rolled up and deleted; roll-ups stay and
the long charts still read them; the schedule exists."""

from __future__ import annotations

import datetime

import pytest

from apps.monitoring import selectors, services
from apps.monitoring.models import HourlyRollup, Reading
from tests.monitoring.conftest import rows

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 6, 10, 12, 0, tzinfo=datetime.UTC)


def test_readings_older_than_the_retention_are_deleted_and_their_rollups_kept(metric, contributor):
    old = NOW - datetime.timedelta(days=5)
    recent = NOW - datetime.timedelta(hours=5)
    services.ingest_readings(rows=rows(metric, [1.0, 3.0], start=old), by=contributor)
    services.ingest_readings(rows=rows(metric, [2.0], start=recent), by=contributor)
    result = services.expire_readings(now=NOW, retention_days=2)
    assert result.deleted == 2
    assert list(Reading.objects.values_list("value", flat=True)) == [2.0]
    hour = old.replace(minute=0, second=0)
    rollup = HourlyRollup.objects.get(metric=metric, hour=hour)
    assert (rollup.count, rollup.total, rollup.minimum, rollup.maximum) == (2, 4.0, 1.0, 3.0)


def test_expiry_rebuilds_a_rollup_from_the_raw_readings(metric, contributor):
    old = NOW - datetime.timedelta(days=5)
    services.ingest_readings(rows=rows(metric, [1.0, 3.0], start=old), by=contributor)
    HourlyRollup.objects.update(count=99, total=0)  # however it went wrong
    services.expire_readings(now=NOW, retention_days=2)
    rollup = HourlyRollup.objects.get()
    assert (rollup.count, rollup.total) == (2, 4.0)


def test_running_it_again_deletes_nothing_more(metric, contributor):
    services.ingest_readings(
        rows=rows(metric, [1.0], start=NOW - datetime.timedelta(days=5)), by=contributor
    )
    services.expire_readings(now=NOW, retention_days=2)
    assert services.expire_readings(now=NOW, retention_days=2).deleted == 0
    assert HourlyRollup.objects.get().count == 1


def test_the_90_day_chart_reads_the_rollups_after_expiry(metric, contributor):
    old = NOW - datetime.timedelta(days=30)
    services.ingest_readings(rows=rows(metric, [4.0] * 10, start=old), by=contributor)
    services.expire_readings(now=NOW, retention_days=2)
    points = selectors.trend(metric, selectors.PERIODS["90d"], now=NOW)
    assert [(p.value, p.count) for p in points] == [(4.0, 10)]


def test_the_retention_follows_the_setting(metric, contributor, settings):
    settings.MONITORING_RAW_RETENTION_DAYS = 10
    services.ingest_readings(
        rows=rows(metric, [1.0], start=NOW - datetime.timedelta(days=5)), by=contributor
    )
    assert services.expire_readings(now=NOW).deleted == 0


def test_the_expiry_is_scheduled_hourly():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="monitoring.expire_readings")
    assert task.enabled and task.crontab.minute == "40"


def test_prometheus_counts_open_breaches_by_level(metric):
    from apps.core import metrics
    from tests.factories import BreachFactory

    BreachFactory(metric=metric, level="rollback")
    family = next(m for m in metrics.collect() if m.name == "monitoring_open_breaches")
    assert {labels["level"]: value for labels, value in family.samples} == {
        "rollback": 1,
        "warning": 0,
    }
