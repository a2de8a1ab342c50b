"""``/metrics``: the app's figures in the Prometheus text format (version 0.0.4).

Three kinds of figures, written out together (:func:`exposition`):

* **Collectors** registered by name (by this app or by others in their ``AppConfig.ready()``):
  a function that returns :class:`Metric` values, read when the page is scraped::

      metrics.register("outbox", outbox_metrics)

  Keep collectors cheap (one aggregate query, or one Redis round trip, each): a scraper asks
  every 15 to 60 seconds.
* **Per-request instruments** (``prometheus_client``: request latency by view, database queries
  per request; :mod:`apps.core.telemetry`), counted in the process that serves the request with
  no network call. Under gunicorn each worker process writes them to memory-mapped files in
  ``PROMETHEUS_MULTIPROC_DIR`` (``config/gunicorn.py`` makes one per server when it is not set)
  and whichever worker answers the scrape adds them all up: the figures are the server's, not
  one worker's.
* **Shared counters** (:func:`count`: Celery task outcomes, reminders sent, anything counted by a
  worker or a job): added up in Redis (``HINCRBYFLOAT``, one round trip), so that a web node's
  ``/metrics`` shows what every worker of the deployment did, whatever machine or pod it runs
  on. A counter starts again from 0 when Redis restarts (Prometheus' ``rate()`` expects that).
  Without Redis (the embedded default: one process, tasks run in it) they are counted in the
  process.

Why two mechanisms: a request must not wait for the network to be counted (and must not fail to
be counted when Redis is down), while a worker's tasks — seconds each, on other machines — must
reach the one place a scraper reads.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import threading
from collections.abc import Callable, Iterable

from django.core.cache import caches

from apps.core import outbox
from apps.core.cache import OUTAGE_ERRORS

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Metric:
    """One metric family: its name, what it means, its type and its samples
    (``(labels, value)``; a family without labels has one sample with ``{}``)."""

    name: str
    help: str
    type: str  # gauge or counter
    samples: list[tuple[dict[str, str], float]]


Collector = Callable[[], Iterable[Metric]]

_collectors: dict[str, Collector] = {}


def register(name: str, collector: Collector) -> None:
    """Register ``collector`` under ``name`` (registering a name again replaces it)."""
    _collectors[name] = collector


def collect() -> list[Metric]:
    """Every registered collector's metrics, collectors in name order."""
    return [metric for name in sorted(_collectors) for metric in _collectors[name]()]


def _escape_label(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(int(value)) if float(value).is_integer() else repr(float(value))


def render(metrics: Iterable[Metric]) -> str:
    """The exposition text: ``# HELP``, ``# TYPE`` and one line per sample."""
    lines = []
    for metric in metrics:
        lines.append(f"# HELP {metric.name} {metric.help.replace(chr(10), ' ')}")
        lines.append(f"# TYPE {metric.name} {metric.type}")
        for labels, value in metric.samples:
            label_text = ",".join(
                f'{key}="{_escape_label(label)}"' for key, label in sorted(labels.items())
            )
            name = f"{metric.name}{{{label_text}}}" if label_text else metric.name
            lines.append(f"{name} {_value(value)}")
    return "\n".join(lines) + "\n"


# --- Shared counters ------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Counter:
    name: str  # ends in _total
    help: str
    labels: tuple[str, ...]


_counters: dict[str, Counter] = {}
_local_counts: dict[str, dict[str, float]] = {}
_local_lock = threading.Lock()


def declare_counter(name: str, help: str, labels: Iterable[str] = ()) -> Counter:
    """Declare a shared counter (``name`` ends in ``_total``); :func:`count` adds to it and
    ``/metrics`` shows it (with no sample until something was counted)."""
    if not name.endswith("_total"):
        raise ValueError(f"A counter's name ends in _total: {name!r}")
    counter = Counter(name, help, tuple(labels))
    _counters[name] = counter
    return counter


def _redis_cache():
    cache = caches["default"]
    return cache if hasattr(cache, "_cache") and hasattr(cache._cache, "get_client") else None


def _key(cache, name: str) -> str:
    return cache.make_key(f"metrics:{name}")


def count(name: str, amount: float = 1, **labels: str) -> None:
    """Add ``amount`` to the shared counter ``name`` for ``labels`` (see the module's notes).
    With Redis unreachable the amount is lost (logged by the cache), never the caller's work."""
    counter = _counters[name]
    if set(labels) != set(counter.labels):
        raise ValueError(f"{name} is counted by {counter.labels}, not {tuple(sorted(labels))}")
    if not amount:
        return
    field = json.dumps([str(labels[label]) for label in counter.labels])
    cache = _redis_cache()
    if cache is None:
        with _local_lock:
            values = _local_counts.setdefault(_key(caches["default"], name), {})
            values[field] = values.get(field, 0.0) + amount
        return

    def add() -> None:
        client = cache._cache.get_client(write=True)
        client.hincrbyfloat(_key(cache, name), field, amount)

    _on_redis(cache, add, None)


def _on_redis(cache, operation, fallback):
    call = getattr(cache, "_call", None)  # FailOpenRedisCache: an outage is logged, not raised
    if call is not None:
        return call(fallback, operation)
    try:
        return operation()
    except OUTAGE_ERRORS as error:
        logger.warning("Metrics: Redis unreachable (%s)", error)
        return fallback


def counted(name: str) -> dict[tuple[str, ...], float]:
    """What the shared counter ``name`` holds, by its labels' values."""
    cache = _redis_cache()
    if cache is None:
        with _local_lock:
            raw = dict(_local_counts.get(_key(caches["default"], name), {}))
    else:

        def read():
            return cache._cache.get_client().hgetall(_key(cache, name))

        raw = _on_redis(cache, read, {})
    return {
        tuple(json.loads(field)): float(value)
        for field, value in ((_text(f), _text(v)) for f, v in raw.items())
    }


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def counter_metrics() -> list[Metric]:
    """Every declared shared counter (one Redis round trip each)."""
    return [
        Metric(
            counter.name,
            counter.help,
            "counter",
            [
                (dict(zip(counter.labels, values, strict=True)), amount)
                for values, amount in sorted(counted(counter.name).items())
            ],
        )
        for counter in sorted(_counters.values(), key=lambda c: c.name)
    ]


# --- The page -------------------------------------------------------------------------------------
def multiprocess() -> bool:
    """Whether the per-request figures of this process are written for the server's other
    processes to read (``PROMETHEUS_MULTIPROC_DIR`` was set when prometheus_client loaded)."""
    from prometheus_client import values

    return values.ValueClass is not values.MutexValue and bool(
        os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    )


def instrument_text() -> str:
    """The per-request instruments (``prometheus_client``), added up over every process of the
    server when it has a multiprocess directory."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    if multiprocess():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry).decode()


def exposition() -> str:
    """The whole page: instruments, registered collectors, shared counters."""
    return instrument_text() + render(collect() + counter_metrics())


def outbox_metrics() -> list[Metric]:
    """The outbox's backlog (:func:`apps.core.outbox.backlog`): one query."""
    figures = outbox.backlog()
    return [
        Metric(
            "outbox_pending",
            "Outbox messages waiting to be delivered (e-mails, export jobs).",
            "gauge",
            [({}, figures["pending"])],
        ),
        Metric(
            "outbox_failed",
            "Outbox messages that failed every attempt; retry them from the administration.",
            "gauge",
            [({}, figures["failed"])],
        ),
        Metric(
            "outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox message in seconds (0 when none is pending).",
            "gauge",
            [({}, figures["oldest_pending_age_seconds"])],
        ),
    ]
