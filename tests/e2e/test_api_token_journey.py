"""Journey 4: an auditor creates an API token on their profile page (its secret is shown once)
and a script uses it to export the whole risk register as CSV; once revoked, it no longer works."""

import json
import re
import urllib.error
import urllib.request

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import APIToken
from tests.e2e.conftest import assert_page_is_whole, screenshot
from tests.export_files import csv_dicts
from tests.factories import AISystemFactory, RiskFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def get(url: str, token: str) -> tuple[int, bytes]:
    """What a script does: a GET with the token, as the API documentation says."""
    assert url.startswith("http://")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_an_auditor_exports_the_register_with_a_token_from_the_profile(
    open_as, live_server, auditor, team, other_team
):
    chatbot = AISystemFactory(team=team, name="Support chatbot")
    scorer = AISystemFactory(team=other_team, name="Credit scorer")
    leak = RiskFactory(
        system=chatbot,
        title="Chatbot reveals another customer's order",
        residual_likelihood=3,
        residual_impact=4,
    )
    invented = RiskFactory(system=chatbot, title="Chatbot invents a refund policy")
    bias = RiskFactory(
        system=scorer,
        title="Scores disadvantage applicants over 60",
        residual_likelihood=1,
        residual_impact=4,
    )
    RiskFactory(system=scorer, title="Retired score band", archived_at=timezone.now())

    # The auditor opens their profile from the menu and creates a token for the export script.
    page = open_as(auditor)
    page.get_by_role("button", name=str(auditor)).click()
    page.get_by_role("link", name="My profile").click()
    tokens = page.get_by_role("region", name="API tokens")
    expect(tokens).to_contain_text("You have no API tokens.")
    tokens.get_by_label("Name").fill("Quarterly audit export")
    tokens.get_by_label("Expires").select_option(label="in 30 days")
    tokens.get_by_role("button", name="Create a token").click()
    created = page.get_by_role("status").filter(has_text="Quarterly audit export")
    expect(created).to_contain_text("Copy it now: it will not be shown again.")
    secret = page.get_by_test_id("new-token-secret").inner_text().strip()
    assert re.fullmatch(r"arr_[A-Za-z0-9_-]{40,}", secret)
    assert_page_is_whole(page)
    screenshot(page, "profile-token-created")

    # Shown once: the profile lists the token by its first characters only.
    page.get_by_role("button", name=str(auditor)).click()
    page.get_by_role("link", name="My profile").click()
    expect(tokens.get_by_role("cell", name="Quarterly audit export", exact=True)).to_be_visible()
    assert secret not in page.content()
    expect(tokens.get_by_role("cell", name=secret[:8] + "…")).to_be_visible()

    # The script exports the register: every live risk of every team, worst residual first.
    status, body = get(f"{live_server.url}/api/v1/exports/risks.csv", secret)
    assert status == 200, body[:300]
    rows = csv_dicts(body)
    assert [row["reference"] for row in rows] == [
        leak.reference,
        invented.reference,
        bias.reference,
    ]
    by_reference = {row["reference"]: row for row in rows}
    assert {
        key: by_reference[leak.reference][key]
        for key in ("system_reference", "system", "team", "title", "residual_score")
    } == {
        "system_reference": chatbot.reference,
        "system": "Support chatbot",
        "team": "Customer Experience",
        "title": "Chatbot reveals another customer's order",
        "residual_score": "12",
    }
    assert by_reference[leak.reference]["residual_level"] == "High"
    assert by_reference[bias.reference]["team"] == "Credit Risk"
    assert by_reference[bias.reference]["residual_level"] == "Low"
    assert {row["archived"] for row in rows} == {"no"}

    # The same filters as the register: archived risks too, and one team's as JSON.
    status, body = get(f"{live_server.url}/api/v1/exports/risks.csv?archived=all", secret)
    assert status == 200
    assert len(csv_dicts(body)) == 4
    status, body = get(f"{live_server.url}/api/v1/exports/risks.json?team={other_team.pk}", secret)
    assert status == 200
    assert [item["title"] for item in json.loads(body)] == [bias.title]

    # The profile shows that the token was used; revoked, it no longer opens the API.
    page.reload()
    row = tokens.get_by_role("row", name=re.compile("Quarterly audit export"))
    expect(row).not_to_contain_text("never")  # last used: just now
    row.get_by_role("button", name=re.compile("^Revoke")).click()
    expect(page.locator(".alert-success")).to_contain_text("is revoked: it no longer works.")
    expect(tokens.get_by_role("row", name=re.compile("Quarterly audit export"))).to_contain_text(
        "revoked"
    )
    assert_page_is_whole(page)
    screenshot(page, "profile-token-revoked")
    status, body = get(f"{live_server.url}/api/v1/exports/risks.csv", secret)
    assert status == 401
    assert "revoked" in body.decode()
    assert APIToken.objects.get().last_used_at is not None
