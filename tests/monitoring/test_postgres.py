"""PostgreSQL behaviour: concurrent posts of one batch store it once (roll-ups counted once), two
evaluations at once open one incident, the BRIN index exists, retention's SQL roll-up."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from apps.incidents.models import Incident
from apps.monitoring import services
from apps.monitoring.models import Breach, HourlyRollup, Reading
from tests.monitoring.conftest import rows

START = datetime.datetime(2025, 6, 1, 10, 0, tzinfo=datetime.UTC)
NOW = datetime.datetime(2025, 6, 2, tzinfo=datetime.UTC)
CLIENTS = 6


def _at_once(count: int, call) -> list:
    """``call(i)`` in ``count`` threads released together; their results, in order."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        try:
            start.wait(timeout=30)
            results[index] = call(index)
        except Exception as error:  # reported to the test below
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.postgres
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_posts_of_one_batch_store_it_once(metric, contributor, system):
    _, secret = services.create_monitoring_token(user=contributor, name="job", systems=[system])
    batch = rows(metric, [float(i % 7) for i in range(600)], start=START)

    def post(_):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        response = client.post(
            "/api/v1/readings/", {"readings": batch}, content_type="application/json"
        )
        return response.status_code, response.json()

    results = _at_once(CLIENTS, post)
    assert all(status == 201 for status, _ in results), results
    assert sum(body["stored"] for _, body in results) == 600
    assert Reading.objects.filter(metric=metric).count() == 600
    assert sum(HourlyRollup.objects.filter(metric=metric).values_list("count", flat=True)) == 600


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_concurrent_batches_lose_nothing(metric, contributor):
    def post(index):
        # Each batch shares half its readings with the next one.
        start = START + datetime.timedelta(minutes=100 * index)
        return services.ingest_readings(
            rows=rows(metric, [1.0] * 200, start=start), by=contributor
        ).stored

    results = _at_once(CLIENTS, post)
    assert all(isinstance(stored, int) for stored in results), results
    expected = 100 * (CLIENTS + 1)
    assert sum(results) == Reading.objects.count() == expected
    assert sum(HourlyRollup.objects.values_list("count", flat=True)) == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_evaluations_at_once_open_one_incident(metric, contributor):
    services.ingest_readings(rows=rows(metric, [9.0] * 30, start=START), by=contributor)

    def evaluate(_):
        return services.evaluate_metrics([metric.pk], by_id=contributor.pk, now=NOW).incidents

    results = _at_once(4, evaluate)
    assert sorted(results) == [0, 0, 0, 1], results
    assert Incident.objects.count() == Breach.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_readings_time_has_a_brin_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'reading_timestamp_brin'")
        (definition,) = cursor.fetchone()
    assert "USING brin" in definition
