"""Server-rendered SVG charts: the geometry is computed here, ``core/_line_chart.html`` draws it.

No JavaScript and no CDN: the chart is plain SVG in the page, with a legend, distinct markers
per series (colour is never the only signal) and the same figures in a table next to it.
"""

from __future__ import annotations

import datetime
import math

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40

# (key in each row, legend, stroke colour, marker shape)
RESPONSE_TIME_SERIES = (
    ("mttd", "Mean time to detect", "#0d6efd", "circle"),
    ("mttr", "Mean time to resolve", "#d63384", "square"),
)


def _hours(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 3600
    return float(value)


def _nice_ceiling(value: float) -> float:
    """1, 2, 2.5 or 5 × a power of ten, at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))


def format_hours(hours: float) -> str:
    """An axis label: hours below two days, days above."""
    if hours >= 48:
        days = hours / 24
        return f"{days:.0f} d" if days == int(days) else f"{days:.1f} d"
    return f"{hours:.0f} h" if hours == int(hours) else f"{hours:.1f} h"


def line_chart(rows: list[dict], series=RESPONSE_TIME_SERIES) -> dict:
    """Geometry of a line chart of durations by month.

    ``rows``: ``[{"month": date, "mttd": timedelta | None, ...}]`` oldest first. A month without
    a value breaks its line rather than drawing it at zero.
    """
    count = len(rows)
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    values = [_hours(row.get(key)) for row in rows for key, *_ in series]
    present = [v for v in values if v is not None]
    top = _nice_ceiling(max(present)) if present else 1.0

    def x_at(index: int) -> float:
        if count <= 1:
            return LEFT + plot_width / 2
        return round(LEFT + index * plot_width / (count - 1), 1)

    def y_at(hours: float) -> float:
        return round(TOP + plot_height - (hours / top) * plot_height, 1)

    lines = []
    for key, label, colour, marker in series:
        segments, current, points = [], [], []
        for index, row in enumerate(rows):
            hours = _hours(row.get(key))
            if hours is None:
                if current:
                    segments.append(current)
                current = []
                continue
            x, y = x_at(index), y_at(hours)
            point = {
                "x": x,
                "y": y,
                "corner_x": round(x - 4, 1),  # top-left corner of a square marker
                "corner_y": round(y - 4, 1),
                "title": f"{label}, {row['month']:%b %Y}: {format_hours(hours)}",
            }
            current.append(point)
            points.append(point)
        if current:
            segments.append(current)
        lines.append(
            {
                "key": key,
                "label": label,
                "colour": colour,
                "marker": marker,
                "paths": [" ".join(f"{p['x']},{p['y']}" for p in seg) for seg in segments],
                "points": points,
            }
        )
    y_ticks = [
        {"y": y_at(top * fraction), "label": format_hours(top * fraction)}
        for fraction in (0, 0.25, 0.5, 0.75, 1)
    ]
    bottom = HEIGHT - BOTTOM
    x_labels = [
        {
            "x": x_at(index),
            "y": bottom + 16,
            "year_y": bottom + 30,
            "label": f"{row['month']:%b}",
            "year": f"{row['month']:%Y}" if index == 0 or row["month"].month == 1 else "",
        }
        for index, row in enumerate(rows)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": bottom,
        "tick_label_x": LEFT - 6,
        "lines": lines,
        "y_ticks": y_ticks,
        "x_labels": x_labels,
        "empty": not present,
    }
