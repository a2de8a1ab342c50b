"""One heat map for the dashboard, the safety plan and its PDF: every cell in its band's colour,
its number of risks written in it."""

import re

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse

from apps.core.models import Level
from apps.core.templatetags.register import LEVEL_CLASSES
from apps.reviews.pdf import TEMPLATE as PDF_TEMPLATE
from apps.reviews.plan import live_document_context
from apps.risks.models import RiskMatrix
from tests.factories import RiskFactory

pytestmark = pytest.mark.django_db

CELL = re.compile(
    r'<td class="(?P<css>[^"]*)" data-likelihood="(?P<l>\d)" data-impact="(?P<i>\d)" '
    r'data-count="(?P<count>\d+)"'
)


def cells(html: str, table_id: str) -> dict[tuple[int, int], tuple[str, int]]:
    """{(likelihood, impact): (css, count)} of the heat map ``table_id`` in ``html``."""
    start = html.index(f'id="{table_id}"')
    table = html[start : html.index("</table>", start)]
    return {
        (int(m["l"]), int(m["i"])): (m["css"].split()[0], int(m["count"]))
        for m in CELL.finditer(table)
    }


def band(likelihood: int, impact: int) -> str:
    return LEVEL_CLASSES[Level(RiskMatrix.load().level_for(likelihood * impact))]


@pytest.fixture
def risks(system):
    RiskFactory(system=system, title="A", residual_likelihood=2, residual_impact=4)
    RiskFactory(system=system, title="B", residual_likelihood=2, residual_impact=4)
    RiskFactory(system=system, title="C", residual_likelihood=1, residual_impact=1)


def assert_every_cell_coloured_by_band_with_its_count(grid: dict) -> None:
    assert len(grid) == 25
    for (likelihood, impact), (css, _count) in grid.items():
        assert css == band(likelihood, impact), (likelihood, impact)
    assert grid[(2, 4)][1] == 2
    assert grid[(1, 1)][1] == 1
    assert grid[(5, 5)] == (band(5, 5), 0)


def test_the_dashboard_colours_every_cell_by_band(risks, client_for):
    html = client_for("contributor").get(reverse("dashboard:home")).content.decode()
    assert_every_cell_coloured_by_band_with_its_count(cells(html, "heatmap-residual"))


def test_the_plan_page_colours_every_cell_by_band(risks, system, client_for):
    html = client_for("contributor").get(reverse("reviews:plan", args=[system.pk]))
    grid = cells(html.content.decode(), "plan-heat-map-residual")
    assert_every_cell_coloured_by_band_with_its_count(grid)


def test_the_pdf_document_uses_the_same_rendering(risks, system, client_for):
    pdf_html = render_to_string(PDF_TEMPLATE, live_document_context(system))
    page_html = client_for("contributor").get(reverse("reviews:plan", args=[system.pk]))
    page_grid = cells(page_html.content.decode(), "plan-heat-map-residual")
    assert cells(pdf_html, "plan-heat-map-residual") == page_grid
    assert "heat-empty" not in pdf_html


def test_every_cell_writes_its_number_empty_ones_too(risks, client_for):
    html = client_for("contributor").get(reverse("dashboard:home")).content.decode()
    start = html.index('id="heatmap-inherent"')
    table = html[start : html.index("</table>", start)]
    assert table.count("<td ") == 25
    assert table.count(">0</a>") + table.count("<strong>") == 25


def test_dashboard_cells_open_the_register_and_plan_cells_do_not(risks, system, client_for):
    dashboard = client_for("contributor").get(reverse("dashboard:home")).content.decode()
    assert "?residual_likelihood=2&amp;residual_impact=4" in dashboard
    plan = client_for("contributor").get(reverse("reviews:plan", args=[system.pk]))
    start = plan.content.decode().index('id="plan-heat-map-residual"')
    table = plan.content.decode()[start:]
    assert "<a " not in table[: table.index("</table>")]


def test_the_tag_names_cells_for_screen_readers_and_columns_by_their_labels():
    rows = [
        {
            "impact": impact,
            "label": f"Impact {impact}",
            "cells": [
                {"likelihood": likelihood, "impact": impact, "count": 0, "level": 1, "url": "/r"}
                for likelihood in range(1, 6)
            ],
        }
        for impact in range(5, 0, -1)
    ]
    html = Template(
        "{% load register %}{% heat_map rows title='T' likelihoods=labels table_id='x' %}"
    ).render(Context({"rows": rows, "labels": [(1, "Rare"), (5, "Almost certain")]}))
    assert 'aria-label="Likelihood 1, impact 5 (Low): 0 risks"' in html
    assert 'title="Rare">1</th>' in html
    assert 'title="Likelihood 5 × impact 5 = 25 (Low)"' in html
    assert "T: number of risks in each cell." in html
