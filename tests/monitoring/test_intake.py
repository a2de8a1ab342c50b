"""The readings intake: all or nothing, idempotent, per-row errors, roll-ups, the outbox."""

from __future__ import annotations

import datetime

import pytest

from apps.core.models import OutboxMessage
from apps.monitoring import services
from apps.monitoring.models import HourlyRollup, Reading
from tests.monitoring.conftest import rows

pytestmark = pytest.mark.django_db

START = datetime.datetime(2025, 6, 1, 10, 0, tzinfo=datetime.UTC)


def test_a_batch_is_stored_with_its_hourly_rollups(metric, contributor):
    result = services.ingest_readings(
        rows=rows(metric, [1.0, 2.0, 3.0], start=START + datetime.timedelta(minutes=58)),
        by=contributor,
    )
    assert (result.received, result.stored, result.duplicates) == (3, 3, 0)
    assert Reading.objects.filter(metric=metric).count() == 3
    hours = {r.hour: (r.count, r.total, r.minimum, r.maximum) for r in HourlyRollup.objects.all()}
    assert hours == {
        START: (2, 3.0, 1.0, 2.0),
        START + datetime.timedelta(hours=1): (1, 3.0, 3.0, 3.0),
    }


def test_the_same_batch_twice_is_stored_once(metric, contributor):
    batch = rows(metric, [1.0, 2.0], start=START)
    services.ingest_readings(rows=batch, by=contributor)
    again = services.ingest_readings(rows=batch, by=contributor)
    assert (again.stored, again.duplicates) == (0, 2)
    assert Reading.objects.count() == 2
    rollup = HourlyRollup.objects.get()
    assert (rollup.count, rollup.total) == (2, 3.0)  # not counted twice


def test_a_reading_repeated_within_a_batch_is_stored_once(metric, contributor):
    batch = rows(metric, [1.0], start=START) * 2
    result = services.ingest_readings(rows=batch, by=contributor)
    assert result.stored == 1
    assert HourlyRollup.objects.get().count == 1


def test_the_same_time_from_another_source_is_another_reading(metric, contributor):
    services.ingest_readings(rows=rows(metric, [1.0], start=START, source="a"), by=contributor)
    result = services.ingest_readings(
        rows=rows(metric, [1.0], start=START, source="b"), by=contributor
    )
    assert result.stored == 1


def test_one_bad_row_stores_nothing_and_every_bad_row_is_reported(metric, contributor):
    batch = rows(metric, [1.0, 2.0, 3.0, 4.0], start=START)
    batch[1]["value"] = "high"
    batch[2]["timestamp"] = "2025-06-01 10:02"  # no offset
    batch[3]["metric"] = "MET-9999"
    with pytest.raises(services.IntakeRejected) as caught:
        services.ingest_readings(rows=batch, by=contributor)
    assert [(e.row, e.field) for e in caught.value.errors] == [
        (1, "value"),
        (2, "timestamp"),
        (3, "metric"),
    ]
    assert not Reading.objects.exists()
    assert not HourlyRollup.objects.exists()


def test_a_reading_in_the_future_is_refused(metric, contributor):
    future = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    with pytest.raises(services.IntakeRejected) as caught:
        services.ingest_readings(rows=rows(metric, [1.0], start=future), by=contributor)
    assert caught.value.errors[0].message == "A reading cannot be in the future."


def test_a_batch_larger_than_the_limit_is_refused(metric, contributor, settings):
    settings.MONITORING_MAX_BATCH = 3
    with pytest.raises(services.IntakeRejected, match="at most 3"):
        services.ingest_readings(rows=rows(metric, [1.0] * 4, start=START), by=contributor)


def test_another_teams_metric_is_unknown(foreign_metric, contributor):
    with pytest.raises(services.IntakeRejected) as caught:
        services.ingest_readings(rows=rows(foreign_metric, [1.0], start=START), by=contributor)
    assert "No metric" in caught.value.errors[0].message


def test_a_viewer_cannot_post_readings(metric, viewer):
    with pytest.raises(services.IntakeRejected) as caught:
        services.ingest_readings(rows=rows(metric, [1.0], start=START), by=viewer)
    assert "Only contributors" in caught.value.errors[0].message


def test_an_archived_metric_takes_no_readings(metric, contributor):
    services.archive_metric(metric=metric, by=contributor)
    with pytest.raises(services.IntakeRejected) as caught:
        services.ingest_readings(rows=rows(metric, [1.0], start=START), by=contributor)
    assert "archived" in caught.value.errors[0].message


def test_a_stored_batch_asks_for_an_evaluation_through_the_outbox(metric, contributor):
    services.ingest_readings(rows=rows(metric, [1.0], start=START), by=contributor)
    message = OutboxMessage.objects.get(kind=services.EVALUATE)
    assert message.payload == {"metrics": [metric.pk], "by": contributor.pk}


def test_a_batch_of_duplicates_asks_for_no_evaluation(metric, contributor):
    batch = rows(metric, [1.0], start=START)
    services.ingest_readings(rows=batch, by=contributor)
    services.ingest_readings(rows=batch, by=contributor)
    assert OutboxMessage.objects.filter(kind=services.EVALUATE).count() == 1
