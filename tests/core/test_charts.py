"""The detect/resolve chart: one unit per axis, round ticks, tooltips on points and months."""

import datetime
import itertools
import re

from django.template.loader import render_to_string

from apps.core import charts

MONTHS = [datetime.date(2026, m, 1) for m in (1, 2, 3)]


def rows(*values):
    """Rows of (mttd, mttr) in hours, None for a month without incidents."""
    return [
        {
            "month": month,
            "mttd": None if d is None else datetime.timedelta(hours=d),
            "mttr": None if r is None else datetime.timedelta(hours=r),
        }
        for month, (d, r) in zip(MONTHS, values, strict=True)
    ]


def tick_labels(chart) -> list[str]:
    return [tick["label"] for tick in chart["y_ticks"]]


def test_an_axis_up_to_fifty_hours_is_in_days_only():
    chart = charts.line_chart(rows((37.5, 50.4), (2, 12), (None, None)))
    assert chart["unit"] == "days"
    assert tick_labels(chart) == ["0 d", "1 d", "2 d", "3 d"]


def test_an_axis_under_two_days_is_in_hours_only():
    chart = charts.line_chart(rows((37.5, 20), (2, 12), (1, 3)))
    assert chart["unit"] == "hours"
    assert tick_labels(chart) == ["0 h", "10 h", "20 h", "30 h", "40 h"]


def test_an_axis_under_ninety_minutes_is_in_minutes():
    chart = charts.line_chart(rows((0.25, 0.75), (0.5, 1), (None, 0.1)))
    assert chart["unit"] == "minutes"
    assert tick_labels(chart) == ["0 min", "20 min", "40 min", "60 min"]


def test_every_label_of_an_axis_has_the_same_unit():
    for values in [(5, 700), (0.2, 40), (47, 49), (3, 1)]:
        chart = charts.line_chart(rows(values, values, values))
        units = {label.split(" ")[1] for label in tick_labels(chart)}
        assert len(units) == 1, tick_labels(chart)


def test_the_top_tick_is_at_or_above_the_longest_value():
    chart = charts.line_chart(rows((37.5, 50.4), (2, 12), (None, None)))
    top = chart["y_ticks"][-1]
    assert top["y"] == chart["top"]
    highest_point = min(p["y"] for line in chart["lines"] for p in line["points"])
    assert highest_point >= chart["top"]


def test_point_tooltips_give_the_figure_in_the_axis_unit_and_as_a_duration():
    chart = charts.line_chart(rows((37.5, 50.4), (2, 12), (None, None)))
    mttd = chart["lines"][0]["points"][0]["title"]
    assert mttd == "Mean time to detect, Jan 2026: 1.6 d (1 d 13 h 30 min)"


def test_each_month_has_a_tooltip_with_both_figures():
    chart = charts.line_chart(rows((37.5, 50.4), (2, 12), (None, None)))
    titles = [column["title"] for column in chart["columns"]]
    assert titles[1] == (
        "February 2026 — Mean time to detect: 0.08 d (2 h); Mean time to resolve: 0.5 d (12 h)"
    )
    assert titles[2] == (
        "March 2026 — Mean time to detect: no incident; Mean time to resolve: no incident"
    )


def test_month_columns_cover_the_plot_side_by_side():
    chart = charts.line_chart(rows((1, 2), (3, 4), (5, 6)))
    columns = chart["columns"]
    assert columns[0]["x"] == chart["left"]
    assert round(columns[-1]["x"] + columns[-1]["width"], 1) == chart["right"]
    for left, right in itertools.pairwise(columns):
        assert round(left["x"] + left["width"], 1) == right["x"]


def test_an_empty_chart_says_so():
    chart = charts.line_chart(rows((None, None), (None, None), (None, None)))
    assert chart["empty"]
    assert tick_labels(chart)[0] == "0 h"


def test_the_svg_names_its_unit_and_carries_the_tooltips():
    chart = charts.line_chart(rows((37.5, 50.4), (2, 12), (None, None)))
    html = render_to_string(
        "core/_line_chart.html", {"chart": chart, "chart_id": "c", "chart_title": "Times"}
    )
    assert "Times (in days)" in html
    assert '<text x="50" y="14" text-anchor="end" font-size="11" font-weight="bold"' in html
    assert ">Days</text>" in html
    assert "<title>February 2026 — Mean time to detect: 0.08 d (2 h)" in html
    assert "37.5 h" not in html


def test_the_charts_coordinates_keep_a_decimal_point_in_a_language_that_writes_a_comma():
    from django.utils import translation

    chart = charts.line_chart(rows((37.5, 20), (2, 12), (1, 3)))
    with translation.override("de"):
        svg = render_to_string(
            "core/_line_chart.html", {"chart": chart, "chart_title": "T", "chart_id": "c"}
        )

    heights = [point["y"] for line in chart["lines"] for point in line["points"]]
    assert any(y != int(y) for y in heights)  # coordinates with decimals are drawn…
    assert all(f'cy="{y}"' in svg or f'y="{y - 4:.1f}"' in svg for y in heights)  # …with a point
    assert not re.search(r'(x|y)="\d+,\d', svg)
