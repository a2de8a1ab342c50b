"""What the app measures of itself for ``/metrics`` (:mod:`apps.core.metrics` writes the page).

* Each request (:class:`RequestMetricsMiddleware`): its latency by view
  (``http_request_duration_seconds``, a histogram), its count by view and status
  (``http_requests_total``) and the database queries it made (``http_request_db_queries``, a
  histogram whose ``_sum`` is the queries made). A view is named by its URL name
  (``risks:list``); what matched no URL is ``<unmatched>``. A streamed response is timed until
  its first byte is ready, not until the download ends.
* Each Celery task, counted by whichever worker ran it (shared counters, added up in Redis):
  ``celery_tasks_total{task, outcome}`` (``succeeded``, ``failed``, ``retried``, ``revoked``)
  and ``celery_task_seconds_total{task}`` (time spent, so that ``rate(seconds) / rate(tasks)``
  is the mean duration).
* The broker's queues, read when the page is scraped (:func:`queue_metrics`): the tasks
  waiting in each queue (``celery_queue_length{queue}``), the tasks delivered to a worker and not
  yet acknowledged (``celery_unacknowledged_tasks``) and whether the broker answered
  (``celery_broker_up``).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections
from prometheus_client import Counter, Histogram

from apps.core import metrics

logger = logging.getLogger(__name__)

UNMATCHED = "<unmatched>"
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUEST_SECONDS = Histogram(
    "http_request_duration_seconds",
    "Time to answer a request (until its first byte for a streamed one), by view.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
REQUESTS = Counter(
    "http_requests",
    "Requests answered, by view, method and status code.",
    ["view", "method", "status"],
)
REQUEST_QUERIES = Histogram(
    "http_request_db_queries",
    "Database queries made to answer a request, by view (the _sum is every query made).",
    ["view"],
    buckets=(0, 1, 2, 5, 10, 15, 20, 30, 50, 100, 250),
)

TASKS = metrics.declare_counter(
    "celery_tasks_total",
    "Celery tasks run to an end, by task and outcome (succeeded, failed, retried, revoked).",
    ["task", "outcome"],
)
TASK_SECONDS = metrics.declare_counter(
    "celery_task_seconds_total",
    "Seconds spent running Celery tasks, by task (divide by celery_tasks_total for the mean).",
    ["task"],
)


class _QueryCounter:
    def __init__(self):
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)


def view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.view_name or UNMATCHED


class RequestMetricsMiddleware:
    """Times each request and counts its database queries (early in ``MIDDLEWARE``, so that the
    rest of the stack is inside the measure)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = _QueryCounter()
        started = time.perf_counter()
        with contextlib.ExitStack() as stack:
            for connection in connections.all(initialized_only=False):
                stack.enter_context(connection.execute_wrapper(counter))
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = view_name(request)
        method = request.method if request.method in METHODS else "other"
        REQUEST_SECONDS.labels(view, method).observe(elapsed)
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        REQUEST_QUERIES.labels(view).observe(counter.queries)
        return response


# --- Celery tasks ---------------------------------------------------------------------------------
_started: dict[str, float] = {}


def _task_name(sender=None, task=None) -> str:
    task = task or sender
    return getattr(task, "name", None) or str(task)


def task_started(task_id=None, task=None, **_) -> None:
    _started[task_id or ""] = time.perf_counter()


def task_ended(task_id=None, task=None, **_) -> None:
    started = _started.pop(task_id or "", None)
    if started is not None:
        metrics.count(TASK_SECONDS.name, time.perf_counter() - started, task=_task_name(task=task))


def _outcome(outcome: str):
    def record(sender=None, **_) -> None:  # the sender is the task
        metrics.count(TASKS.name, task=_task_name(sender), outcome=outcome)

    record.__name__ = f"task_{outcome}"
    return record


task_succeeded = _outcome("succeeded")
task_failed = _outcome("failed")
task_retried = _outcome("retried")
task_revoked = _outcome("revoked")


def connect_celery_signals() -> None:
    from celery import signals

    signals.task_prerun.connect(task_started, weak=False, dispatch_uid="metrics.prerun")
    signals.task_postrun.connect(task_ended, weak=False, dispatch_uid="metrics.postrun")
    signals.task_success.connect(task_succeeded, weak=False, dispatch_uid="metrics.success")
    signals.task_failure.connect(task_failed, weak=False, dispatch_uid="metrics.failure")
    signals.task_retry.connect(task_retried, weak=False, dispatch_uid="metrics.retry")
    signals.task_revoked.connect(task_revoked, weak=False, dispatch_uid="metrics.revoked")


# --- The broker's queues --------------------------------------------------------------------------
# kombu's Redis transport keeps a queue of priority p > 0 under "<queue>\x06\x16<p>".
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)


def queue_names() -> list[str]:
    """Every queue the app's tasks go to: the default one, the configured ones and the routes'."""
    from celery import current_app

    conf = current_app.conf
    names = {conf.task_default_queue or "celery"}
    for queue in conf.task_queues or ():
        names.add(getattr(queue, "name", queue))
    routes = conf.task_routes or {}
    for route in routes.values() if isinstance(routes, dict) else ():
        if isinstance(route, dict) and route.get("queue"):
            queue = route["queue"]
            names.add(getattr(queue, "name", queue))
    return sorted(str(name) for name in names)


def _queue_keys(name: str) -> Iterable[str]:
    yield name
    for priority in PRIORITY_STEPS[1:]:
        yield f"{name}{PRIORITY_SEPARATOR}{priority}"


def queue_metrics() -> list[metrics.Metric]:
    """The broker's queues (Redis only: one pipelined round trip). Nothing without a broker."""
    url = settings.CELERY_BROKER_URL
    if urlsplit(url).scheme not in ("redis", "rediss"):
        return []
    import redis

    from apps.core.cache import OUTAGE_ERRORS

    names = queue_names()
    client = redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)
    try:
        pipeline = client.pipeline(transaction=False)
        for name in names:
            for key in _queue_keys(name):
                pipeline.llen(key)
        pipeline.hlen("unacked")
        answers = pipeline.execute()
    except OUTAGE_ERRORS as error:
        logger.warning("Metrics: the broker did not answer (%s)", error)
        return [_broker_up(False)]
    finally:
        client.close()
    per_queue = len(PRIORITY_STEPS)
    lengths = [
        ({"queue": name}, float(sum(answers[i * per_queue : (i + 1) * per_queue])))
        for i, name in enumerate(names)
    ]
    return [
        _broker_up(True),
        metrics.Metric(
            "celery_queue_length", "Tasks waiting in each broker queue.", "gauge", lengths
        ),
        metrics.Metric(
            "celery_unacknowledged_tasks",
            "Tasks delivered to a worker and not yet acknowledged (running, or lost with a "
            "worker until the visibility timeout hands them to another).",
            "gauge",
            [({}, float(answers[-1]))],
        ),
    ]


def _broker_up(up: bool) -> metrics.Metric:
    return metrics.Metric(
        "celery_broker_up",
        "1 when the broker answered the scrape, 0 otherwise.",
        "gauge",
        [({}, float(up))],
    )
