"""The plan PDF stays quick: what its layout costs follows its page count, so a 50-risk plan with
scenarios of a realistic length must stay short (it was 42 pages, about 3.5 s, when each scenario
sat in a narrow table column), lose no text, and its links show progress while it is prepared."""

import io
import time

import pytest
from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader

from apps.reviews.pdf import render_plan_pdf
from apps.reviews.plan import live_document_context
from apps.risks.models import FrameworkReference
from tests.db import module_rows
from tests.factories import AISystemFactory, MitigationFactory, RiskFactory

pytestmark = pytest.mark.django_db

# About 550 characters, as the risk library's scenarios are.
SCENARIO = (
    "A demand forecasting model treats a field differently from what it actually means: cases "
    "are read as units, returns are counted as negative sales, a date stored in local time is "
    "treated as UTC, or a new product code reuses an old one. Forecasts are systematically off "
    "and drive wrong orders, staffing or liquidity decisions, affecting suppliers, staff rosters "
    "and customers facing stock-outs. Planners notice via persistent bias for particular "
    "products or sites, or reconciliation gaps with finance (case {n})."
)


@pytest.fixture(scope="module")
def long_plan(django_db_setup, django_db_blocker):
    """A 50-risk plan (a mitigation for each) rendered once for the module, as PDF pages' text
    and the CPU time the rendering took; its records are rolled back afterwards."""
    with module_rows(django_db_blocker):
        system = AISystemFactory(name="Demand forecaster")
        references = list(FrameworkReference.objects.filter(code__in=["LLM01:2025", "LLM09:2025"]))
        for n in range(50):
            risk = RiskFactory(
                system=system,
                title=f"Forecasting model misreads units, returns or field meanings, case {n:02d}",
                scenario=SCENARIO.format(n=n),
            )
            risk.framework_references.set(references)
            MitigationFactory(
                system=system,
                title=f"Data contract with documented field semantics for case {n:02d}",
                risks=[risk],
            )
        context = live_document_context(system)
        started = time.process_time()
        content = render_plan_pdf(context)
        cpu_seconds = time.process_time() - started
        transaction.set_rollback(True)
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]
    return pages, cpu_seconds


def test_a_50_risk_plan_with_long_scenarios_stays_short(long_plan):
    pages, _ = long_plan
    assert len(pages) <= 20, f"{len(pages)} pages"


def test_every_scenario_and_mitigation_of_a_50_risk_plan_is_in_its_pdf(long_plan):
    text = " ".join(long_plan[0])
    missing = [n for n in range(50) if f"reconciliation gaps with finance (case {n})." not in text]
    assert missing == []
    assert "semantics for case 49" in text
    assert "LLM09:2025" in text


def test_a_50_risk_plan_renders_in_a_few_seconds_of_cpu(long_plan):
    """Generous (about 1.5 s on an idle machine; a loaded CI runner is slower): this catches a
    layout that goes back to auto-sized tables, which took over 30 s."""
    assert long_plan[1] < 8


@pytest.mark.parametrize("role", ["contributor", "viewer", "committee_member"])
def test_the_plan_pdf_link_shows_progress_while_the_pdf_is_prepared(role, client_for, system):
    page = client_for(role).get(reverse("reviews:plan", args=[system.pk])).content.decode()
    pdf_url = reverse("reviews:plan_pdf", args=[system.pk])
    assert f'href="{pdf_url}" download data-download-progress' in page
