"""/metrics: request latency and queries by view, Celery's tasks and queues, reminders sent."""

import os
import socket
import uuid

import pytest
import redis
import time_machine
from celery import shared_task
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from prometheus_client import REGISTRY

from apps.core import metrics, telemetry
from apps.reminders.services import run_sweep
from tests.factories import MitigationFactory, UserFactory
from tests.reminders.conftest import NOW, TODAY, days

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def page(client_for) -> str:
    response = client_for("administrator").get(reverse("core:metrics"))
    assert response.status_code == 200
    return response.content.decode()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_redis():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"needs Redis at {REDIS_URL}")
    yield client
    client.close()


# --- Requests -------------------------------------------------------------------------------------
def test_a_request_is_timed_and_counted_under_its_views_name(client):
    before = value("http_request_duration_seconds_count", view="core:healthz", method="GET")
    answered = value("http_requests_total", view="core:healthz", method="GET", status="200")

    client.get(reverse("core:healthz"))

    assert value("http_request_duration_seconds_count", view="core:healthz", method="GET") == (
        before + 1
    )
    assert value("http_requests_total", view="core:healthz", method="GET", status="200") == (
        answered + 1
    )


def test_a_path_that_matches_no_url_is_counted_as_unmatched_not_by_its_path(client):
    before = value("http_requests_total", view="<unmatched>", method="GET", status="404")

    client.get(f"/no-such-page-{uuid.uuid4().hex}/")

    assert value("http_requests_total", view="<unmatched>", method="GET", status="404") == (
        before + 1
    )


def test_the_queries_a_request_makes_are_counted_for_its_view(client_for, risk):
    client = client_for("contributor")
    client.get(reverse("risks:list"))  # the session's first queries out of the way
    before = value("http_request_db_queries_sum", view="risks:list")

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("risks:list"))

    assert len(queries) > 0
    assert value("http_request_db_queries_sum", view="risks:list") == before + len(queries)


def test_the_page_shows_latency_and_queries_by_view(client, client_for):
    client.get(reverse("core:healthz"))

    text = page(client_for)

    assert "# TYPE http_request_duration_seconds histogram" in text
    assert 'http_request_duration_seconds_count{method="GET",view="core:healthz"}' in text
    assert 'http_request_db_queries_bucket{le="5.0",view="core:healthz"}' in text


# --- Shared counters ------------------------------------------------------------------------------
def test_a_counter_counts_by_its_labels(settings):
    metrics.count("celery_tasks_total", task="tests.a", outcome="succeeded")
    metrics.count("celery_tasks_total", 2, task="tests.a", outcome="succeeded")
    metrics.count("celery_tasks_total", task="tests.a", outcome="failed")

    counted = metrics.counted("celery_tasks_total")
    assert counted[("tests.a", "succeeded")] == 3
    assert counted[("tests.a", "failed")] == 1


def test_a_counter_refuses_labels_it_was_not_declared_with():
    with pytest.raises(ValueError, match="is counted by"):
        metrics.count("celery_tasks_total", task="tests.a")


def test_counters_are_added_up_in_redis_when_the_app_has_it(settings, broker_redis):
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    metrics.count("celery_tasks_total", task="tests.b", outcome="succeeded")

    from django.core.cache import cache

    stored = broker_redis.hgetall(cache.make_key("metrics:celery_tasks_total"))
    assert stored == {b'["tests.b", "succeeded"]': b"1"}
    assert metrics.counted("celery_tasks_total") == {("tests.b", "succeeded"): 1.0}


def test_with_redis_down_counting_loses_the_count_not_the_work(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }

    metrics.count("celery_tasks_total", task="tests.c", outcome="succeeded")

    assert metrics.counted("celery_tasks_total") == {}


# --- Celery ---------------------------------------------------------------------------------------
@shared_task(name="tests.telemetry_works")
def works():
    return "done"


@shared_task(name="tests.telemetry_breaks")
def breaks():
    raise RuntimeError("broken on purpose")


def test_each_task_is_counted_by_its_outcome_and_timed():
    works.apply()
    works.apply()
    breaks.apply(throw=False)

    counted = metrics.counted("celery_tasks_total")
    assert counted[("tests.telemetry_works", "succeeded")] == 2
    assert counted[("tests.telemetry_breaks", "failed")] == 1
    assert metrics.counted("celery_task_seconds_total")[("tests.telemetry_works",)] > 0


def test_the_page_shows_task_outcomes(client_for):
    works.apply()

    assert 'celery_tasks_total{outcome="succeeded",task="tests.telemetry_works"} 1' in page(
        client_for
    )


def test_queue_lengths_are_read_from_the_broker(settings, broker_redis, monkeypatch):
    queue = f"tests-{uuid.uuid4().hex}"
    settings.CELERY_BROKER_URL = REDIS_URL
    monkeypatch.setattr(telemetry, "queue_names", lambda: [queue])
    broker_redis.lpush(queue, "a", "b")
    broker_redis.lpush(f"{queue}\x06\x163", "c")  # kombu's priority 3 of the same queue
    try:
        figures = {metric.name: metric.samples for metric in telemetry.queue_metrics()}
    finally:
        broker_redis.delete(queue, f"{queue}\x06\x163")

    assert figures["celery_broker_up"] == [({}, 1.0)]
    assert figures["celery_queue_length"] == [({"queue": queue}, 3.0)]
    assert "celery_unacknowledged_tasks" in figures


def test_a_broker_that_does_not_answer_reads_as_down(settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"

    figures = {metric.name: metric.samples for metric in telemetry.queue_metrics()}

    assert figures == {"celery_broker_up": [({}, 0.0)]}


def test_without_a_broker_there_are_no_queues_to_show(settings):
    settings.CELERY_BROKER_URL = "memory://localhost/"

    assert telemetry.queue_metrics() == []


def test_the_queues_are_the_default_one_and_the_routed_ones(settings, monkeypatch):
    from celery import current_app

    monkeypatch.setitem(current_app.conf, "task_routes", {"tests.x": {"queue": "tests-exports"}})

    assert {"celery", "tests-exports"} <= set(telemetry.queue_names())


# --- Reminders ------------------------------------------------------------------------------------
def test_the_sweep_counts_the_reminders_it_sent():
    owner = UserFactory()
    with time_machine.travel(NOW, tick=False):
        MitigationFactory(owner=owner, due_date=days(-2))
        result = run_sweep(TODAY)

    counted = metrics.counted("reminders_sent_total")
    assert result.notified >= 1
    assert counted[("notification",)] == result.notified
    assert counted[("digest_email",)] == result.digests
