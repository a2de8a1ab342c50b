"""``/metrics``: the app's figures in the Prometheus text format (version 0.0.4).

Each figure comes from a collector registered by name (by this app or, later, by others in
their ``AppConfig.ready()``): a function that returns :class:`Metric` values, read when the page
is scraped::

    metrics.register("outbox", outbox_metrics)

Keep collectors cheap (one aggregate query each): a scraper asks every 15 to 60 seconds.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable

from apps.core import outbox


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
