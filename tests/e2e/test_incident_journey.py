"""Journey 3: a contributor logs a SEV2 incident that no risk of the register foresaw; it is
flagged uncatalogued, the team adds the missing risk from the incident's page and links it, the
flag clears, and the dashboard's figures follow each step."""

import re

import pytest
from playwright.sync_api import expect

from apps.incidents.models import Incident
from apps.risks.models import Risk
from tests.e2e.conftest import assert_page_is_whole, screenshot
from tests.factories import AISystemFactory, IncidentFactory, RiskFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def dashboard_figures(page, live_server) -> dict[str, int]:
    """The dashboard's figures this journey is about, as the person reads them."""
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Where our AI risk stands")).to_be_visible()
    uncatalogued = page.get_by_role("link", name=re.compile(r"^\d+ open uncatalogued$"))
    return {
        "live risks": int(page.locator("#figure-risks").inner_text()),
        "open incidents": int(page.locator("#figure-open-incidents").inner_text()),
        "open SEV2": int(page.locator("#open-incidents tr[data-severity='2'] a").inner_text()),
        "uncatalogued": int(uncatalogued.inner_text().split()[0]),
    }


def test_an_uncatalogued_incident_is_caught_and_its_risk_added(
    open_as, live_server, contributor, team
):
    system = AISystemFactory(
        team=team,
        name="Refund assistant",
        business_owner=contributor,
        technical_owner=contributor,
    )
    RiskFactory(system=system, title="Invented refund policy")
    IncidentFactory(system=system, severity=3, title="Slow answers at peak time")
    page = open_as(contributor)
    before = dashboard_figures(page, live_server)
    assert before == {"live risks": 1, "open incidents": 1, "open SEV2": 0, "uncatalogued": 1}
    screenshot(page, "dashboard-before-incident")

    # Log the incident: SEV2, and none of the system's risks matches it.
    page.get_by_role("link", name="Incidents", exact=True).click()
    page.get_by_role("link", name="Log an incident").click()
    page.get_by_label("AI system").select_option(label=f"{system.reference} · Refund assistant")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Title").fill("Assistant promised refunds to customers outside the EU")
    page.get_by_label("Description").fill(
        "For two days the assistant told customers in Norway and Switzerland that EU refund "
        "rules apply to them. Noticed by the support team from a spike in refund claims."
    )
    page.get_by_role("radio", name=re.compile("^SEV2")).check()
    page.get_by_label("Occurred").fill("2026-11-20T09:00")
    page.get_by_label("Detected").fill("2026-11-21T14:30")
    expect(
        page.get_by_role("checkbox", name=re.compile("Invented refund policy"))
    ).not_to_be_checked()
    assert_page_is_whole(page)
    page.get_by_role("button", name=re.compile("^Log the incident")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Assistant promised refunds to customers outside the EU"
    )
    incident = Incident.objects.get(title__startswith="Assistant promised refunds")
    expect(page.locator(".badge", has_text="Uncatalogued")).to_be_visible()
    card = page.get_by_role("region", name="No risk of the register matches this incident")
    expect(card).to_be_visible()
    assert_page_is_whole(page)
    screenshot(page, "incident-uncatalogued")
    assert incident.uncatalogued and incident.severity == 2

    after_logging = dashboard_figures(page, live_server)
    assert after_logging == {
        **before,
        "open incidents": before["open incidents"] + 1,
        "open SEV2": before["open SEV2"] + 1,
        "uncatalogued": before["uncatalogued"] + 1,
    }

    # From the incident's page, write the missing risk, then link it to the incident.
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    card.get_by_role("link", name="Write the risk by hand").click()
    page.get_by_label("Title").fill("Assistant applies EU refund rules outside the EU")
    page.get_by_label("Scenario").fill(
        "Customers outside the EU are told that EU consumer law gives them a refund; they "
        "claim it and are refused. Noticed from refund claims and complaints by country."
    )
    page.get_by_label("Category").select_option(label="Misinterpreted data")
    page.get_by_label("Inherent likelihood").select_option("3")
    page.get_by_label("Inherent impact").select_option("3")
    page.get_by_label("Residual likelihood").select_option("2")
    page.get_by_label("Residual impact").select_option("3")
    page.get_by_role("button", name="Add the risk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Assistant applies EU refund rules outside the EU"
    )
    risk = Risk.objects.get(title="Assistant applies EU refund rules outside the EU")
    page.get_by_role("link", name="Incidents", exact=True).click()
    page.get_by_role("link", name=re.compile("Assistant promised refunds")).click()
    card.get_by_label("Once the risk exists, link it here").select_option(
        label=f"{risk.reference} · {risk.title}"
    )
    card.get_by_role("button", name="Link the risk").click()
    expect(page.locator(".alert-success")).to_have_text(
        re.compile(f"{risk.reference} is linked: {incident.reference} is catalogued.")
    )
    expect(page.locator(".badge", has_text="Uncatalogued")).to_have_count(0)
    expect(card).to_have_count(0)
    materialised = page.get_by_role("region", name=re.compile("^Risks that materialised"))
    expect(materialised.get_by_role("link", name=re.compile(risk.title))).to_be_visible()
    expect(materialised.get_by_text("Added after this incident")).to_be_visible()
    assert_page_is_whole(page)
    screenshot(page, "incident-catalogued")
    incident.refresh_from_db()
    assert not incident.uncatalogued

    after_linking = dashboard_figures(page, live_server)
    assert after_linking == {
        **after_logging,
        "live risks": before["live risks"] + 1,
        "uncatalogued": before["uncatalogued"],
    }
    assert_page_is_whole(page)
    screenshot(page, "dashboard-after-incident")
