"""Server-rendered SVG charts: the geometry is computed here, ``core/_line_chart.html`` draws it.

No JavaScript and no CDN: the chart is plain SVG in the page, with a legend, distinct markers
per series (colour is never the only signal) and the same figures in a table next to it.

A duration axis speaks one unit (minutes, hours or days, from the longest value), with round
ticks in that unit; every point and every month's column carry a tooltip with the figures in
that unit and as a duration.
"""

from __future__ import annotations

import datetime
import math

WIDTH, HEIGHT = 640, 228
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 24, 40

# (key in each row, legend, stroke colour, marker shape)
RESPONSE_TIME_SERIES = (
    ("mttd", "Mean time to detect", "#0d6efd", "circle"),
    ("mttr", "Mean time to resolve", "#d63384", "square"),
)

# (unit, hours in one, its abbreviation, its name on the axis); the axis takes the first unit
# in which the longest value is under ``limit`` of them.
UNITS = (
    ("minutes", 1 / 60, "min", "Minutes", 90),
    ("hours", 1, "h", "Hours", 48),
    ("days", 24, "d", "Days", math.inf),
)


def _hours(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 3600
    return float(value)


def axis_unit(longest_hours: float) -> tuple[str, float, str, str]:
    """``(unit, hours in one, abbreviation, axis title)`` for durations up to ``longest_hours``."""
    for name, size, short, title, limit in UNITS:
        if longest_hours < limit * size:
            return name, size, short, title
    name, size, short, title, _ = UNITS[-1]
    return name, size, short, title


def _nice_step(rough: float) -> float:
    """1, 2, 2.5 or 5 × a power of ten, at or above ``rough``."""
    if rough <= 0:
        return 1.0
    exponent = math.floor(math.log10(rough))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= rough * (1 - 1e-9):
            return float(candidate)
    return float(10 ** (exponent + 1))


def nice_ticks(longest: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at or above ``longest`` (in the axis unit), about ``count``
    intervals apart (at least 0 and 1)."""
    step = _nice_step(max(longest, 1e-9) / count) if longest > 0 else 0.25
    step = max(step, 0.25)
    top = step * max(1, math.ceil(longest / step - 1e-9))
    return [round(step * i, 6) for i in range(round(top / step) + 1)]


def _number(value: float) -> str:
    if value == int(value):
        return f"{value:.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def format_in(hours: float, size: float, short: str) -> str:
    """A duration in the axis unit: “37.5 h”, “1.6 d”, “45 min”."""
    value = hours / size
    text = _number(round(value, 1)) if value >= 1 or short == "min" else _number(round(value, 2))
    return f"{text} {short}"


def exact_duration(hours: float) -> str:
    """A duration as people say it, to the minute: “1 d 13 h 30 min”, “45 min”."""
    minutes = round(hours * 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours_part, minutes = divmod(minutes, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours_part, "h"), (minutes, "min")) if n]
    return " ".join(parts) or "under 1 min"


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
    longest = max(present) if present else 4.0  # an empty chart: a few hours
    unit, size, short, axis_title = axis_unit(longest)
    ticks = nice_ticks(longest / size)
    top_hours = ticks[-1] * size

    def x_at(index: int) -> float:
        if count <= 1:
            return LEFT + plot_width / 2
        return round(LEFT + index * plot_width / (count - 1), 1)

    def y_at(hours: float) -> float:
        return round(TOP + plot_height - (hours / top_hours) * plot_height, 1)

    def figure(hours: float) -> str:
        return f"{format_in(hours, size, short)} ({exact_duration(hours)})"

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
                "title": f"{label}, {row['month']:%b %Y}: {figure(hours)}",
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
    y_ticks = [{"y": y_at(tick * size), "label": f"{_number(tick)} {short}"} for tick in ticks]
    bottom = HEIGHT - BOTTOM
    column_width = plot_width / (count - 1) if count > 1 else plot_width
    columns = []
    for index, row in enumerate(rows):
        figures = []
        for key, label, *_ in series:
            hours = _hours(row.get(key))
            figures.append(f"{label}: {'no incident' if hours is None else figure(hours)}")
        x = x_at(index)
        left = max(LEFT, x - column_width / 2)
        right = min(WIDTH - RIGHT, x + column_width / 2)
        columns.append(
            {
                "x": round(left, 1),
                "width": round(right - left, 1),
                "title": f"{row['month']:%B %Y} — " + "; ".join(figures),
            }
        )
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
        "plot_height": bottom - TOP,
        "tick_label_x": LEFT - 6,
        "unit": unit,
        "axis_title": axis_title,
        "axis_title_y": TOP - 10,
        "lines": lines,
        "columns": columns,
        "y_ticks": y_ticks,
        "x_labels": x_labels,
        "empty": not present,
    }
