"""A metric's trend as a server-rendered SVG (``monitoring/_trend_chart.html`` draws it).

Like :mod:`apps.core.charts`: no JavaScript, no CDN; the value axis speaks the metric's unit,
the time axis local dates and hours; each point has a tooltip (``<title>``) with its figures,
the warning and rollback thresholds are dashed lines named in the legend (not by colour alone),
breaches are shaded bands with their own tooltip, and the page shows the same points in a table.
"""

from __future__ import annotations

import datetime
import itertools
import math

from django.utils import timezone

from apps.core.charts import _nice_step, _number
from apps.monitoring.models import Metric

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 40


def _figure(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"


def _range(values: list[float]) -> tuple[float, float, float]:
    """Round bounds and step of the value axis around ``values``."""
    low, high = min(values), max(values)
    if math.isclose(low, high):
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = _nice_step((high - low) / 4)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def trend_chart(metric: Metric, points, breaches, *, since, until, hourly: bool) -> dict:
    """Geometry of ``points`` (:class:`apps.monitoring.selectors.Point`) from ``since`` to
    ``until``, with the metric's thresholds and the ``breaches`` that overlap the period."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    thresholds = [
        (key, label, value, colour)
        for key, label, value, colour in (
            ("warning", "Warning threshold", metric.warning_threshold, "#b35c00"),
            ("rollback", "Rollback threshold", metric.rollback_threshold, "#b02a37"),
        )
        if value is not None
    ]
    values = [p.value for p in points] + [value for _, _, value, _ in thresholds]
    low, high, step = _range(values)
    span = (until - since).total_seconds() or 1.0

    def x_at(moment: datetime.datetime) -> float:
        seconds = (moment - since).total_seconds()
        return round(LEFT + max(0.0, min(1.0, seconds / span)) * plot_width, 1)

    def y_at(value: float) -> float:
        return round(TOP + plot_height - (value - low) / (high - low) * plot_height, 1)

    unit = metric.unit

    def figure(value: float) -> str:
        return metric.with_unit(value)

    zone = timezone.get_current_timezone()

    def when(moment):
        """“3 Jun 2025, 14:00” in the person's time zone (strftime: hundreds per chart)."""
        local = moment.astimezone(zone)
        return f"{local.day} {local:%b %Y, %H:%M}"

    # One polyline per run of points; a gap of more than three buckets breaks the line.
    segments, current, previous = [], [], None
    gap = None
    if len(points) > 1:
        gap = (
            min(
                (b.at - a.at for a, b in itertools.pairwise(points)),
                default=datetime.timedelta(hours=1),
            )
            * 3
        )
    drawn, table = [], []
    for point in points:
        if previous is not None and gap is not None and point.at - previous.at > gap and current:
            segments.append(current)
            current = []
        x, y = x_at(point.at), y_at(point.value)
        current.append(f"{x},{y}")
        table.append(
            (
                when(point.at),
                _figure(point.value),
                _figure(point.minimum),
                _figure(point.maximum),
                point.count,
            )
        )
        drawn.append(
            {
                "x": x,
                "y": y,
                "title": f"{when(point.at)}: mean {figure(point.value)} "
                f"(min {figure(point.minimum)}, max {figure(point.maximum)}, "
                f"{point.count} reading{'s' if point.count != 1 else ''})",
            }
        )
        previous = point
    if current:
        segments.append(current)
    ticks = []
    value = low
    while value <= high + step / 2:
        ticks.append({"y": y_at(value), "label": f"{_number(round(value, 6))}"})
        value += step
    lines = [
        {
            "key": key,
            "label": f"{label}: {figure(value)}",
            "y": y_at(value),
            "colour": colour,
            "dash": "6 4" if key == "warning" else "2 3",
        }
        for key, label, value, colour in thresholds
    ]
    bands = []
    for breach in breaches:
        start = max(breach.started_at, since)
        end = min(breach.ended_at or until, until)
        if end < since:
            continue
        x1, x2 = x_at(start), x_at(end)
        ended = f"ended {when(breach.ended_at)}" if breach.ended_at else "still open"
        bands.append(
            {
                "x": x1,
                "width": max(round(x2 - x1, 1), 2.0),
                "colour": "#f8d7da" if breach.is_rollback else "#fff3cd",
                "title": f"{breach.reference}: {breach.get_level_display().lower()} breach from "
                f"{when(breach.started_at)}, {ended}; worst {figure(breach.worst_value)}",
            }
        )
    x_labels = []
    count = 6
    for index in range(count + 1):
        moment = since + (until - since) * index / count
        local = moment.astimezone(zone)
        day = f"{local.day} {local:%b}"
        x_labels.append(
            {
                "x": x_at(moment),
                "label": f"{local:%H:%M}" if span <= 86400 else day,
                "sub": day if span <= 86400 else "",
            }
        )
    axis_title = (
        f"{metric.get_aggregation_display()} ({unit})"
        if unit
        else (metric.get_aggregation_display())
    )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "plot_height": plot_height,
        "tick_label_x": LEFT - 6,
        "axis_title": axis_title,
        "axis_title_y": TOP - 12,
        "unit": unit or "the metric's unit",
        "paths": [" ".join(segment) for segment in segments],
        "points": drawn,
        "table": table,  # (from, mean, min, max, readings): the accessible alternative
        "thresholds": lines,
        "bands": bands,
        "y_ticks": ticks,
        "x_labels": x_labels,
        "label_y": HEIGHT - BOTTOM + 16,
        "sub_y": HEIGHT - BOTTOM + 30,
        "empty": not points,
        "show_markers": len(points) <= 120,
    }
