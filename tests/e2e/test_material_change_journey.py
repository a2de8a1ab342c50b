"""Journey 6: a material change. The team records a new model version on the system's page; the
approved plan is stale for it and the deployment gate refuses it to the CI pipeline; the team
submits a change review, the committee approves it, and the gate lets the version through. A
configuration change is then waived by the committee, with the reason recorded."""

import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

from apps.accounts.services import create_token
from apps.systems.models import AISystem, SystemVersion, VersionStatus
from tests.e2e.conftest import assert_page_is_whole, screenshot
from tests.e2e.steps import accept_confirmation
from tests.factories import AISystemFactory, RiskFactory, UserFactory
from tests.systems.approvals import approved, only_gate_checks_below

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def ask_gate(live_server, token: str, system, version: str) -> tuple[int, dict]:
    """What the pipeline does before deploying: ask the gate, with its token."""
    query = urllib.parse.urlencode({"version": version})
    url = f"{live_server.url}/api/v1/systems/{system.reference}/gate/?{query}"
    assert url.startswith("http://")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_new_model_version_waits_for_its_change_review_at_the_gate(
    open_as, live_server, contributor, team, monkeypatch
):
    only_gate_checks_below(monkeypatch)  # monitoring and compliance test theirs
    ada = UserFactory(full_name="Ada Reviewer", is_committee_member=True)
    system = AISystemFactory(
        team=team,
        name="IT helpdesk assistant",
        business_owner=contributor,
        technical_owner=contributor,
    )
    AISystem.objects.filter(pk=system.pk).update(model_version="llm-2026-07")
    RiskFactory(system=system, title="Invents a password-reset procedure", owner=contributor)
    approved(system, submitter=contributor, reviewer=ada)
    _, token = create_token(user=contributor, name="deploy pipeline")
    assert ask_gate(live_server, token, system, "llm-2026-07")[0] == 200

    # The team records the upgrade on the system's page.
    page = open_as(contributor)
    page.goto(f"{live_server.url}{system.get_absolute_url()}")
    page.locator("#versions").get_by_role("link", name="Record a new version").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Record a new version of IT helpdesk assistant"
    )
    page.get_by_role("radio", name=re.compile("^Model")).check()
    page.get_by_role("textbox", name=re.compile("^Version")).fill("llm-2026-11")
    page.get_by_label("What changed").fill("The provider's November model; same prompt.")
    asked = accept_confirmation(page)
    page.get_by_role("button", name="Record the version").click()
    version = SystemVersion.objects.get()
    expect(page.locator(".alert-success")).to_contain_text(
        f"{version.reference}: model version “llm-2026-11” is recorded."
    )
    assert asked and asked[0].startswith("Record this version of IT helpdesk assistant?")
    expect(page.locator("#plan-stale")).to_contain_text("The approved plan is stale")
    expect(page.locator("#gate-answer")).to_contain_text("Refused")
    assert_page_is_whole(page)
    screenshot(page, "material-change-recorded")

    # The pipeline is refused the new version, and told why; the approved one is still allowed.
    status, answer = ask_gate(live_server, token, system, "llm-2026-11")
    assert status == 409 and answer["allowed"] is False
    assert [reason["check"] for reason in answer["reasons"]] == ["approved_plan"]
    assert "stale for model version “llm-2026-11”" in answer["reasons"][0]["reason"]
    assert ask_gate(live_server, token, system, "llm-2026-07")[0] == 200

    # The team submits the change review the plan panel asks for.
    page.locator("#plan-stale").get_by_role("link", name="submit a change review").click()
    expect(page.get_by_role("radio", name="Change")).to_be_checked()
    expect(page.locator("#material-changes")).to_contain_text(version.reference)
    page.get_by_role("checkbox", name=re.compile("Ada Reviewer")).check()
    accept_confirmation(page)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".alert-success")).to_contain_text("of the plan is with the committee")
    review = system.reviews.get(kind="change")
    status, answer = ask_gate(live_server, token, system, "llm-2026-11")
    assert status == 409
    assert f"{review.reference} is in progress" in answer["reasons"][0]["reason"]

    # The committee approves the change review.
    ada_page = open_as(ada)
    ada_page.goto(f"{live_server.url}{review.get_absolute_url()}")
    decide = ada_page.get_by_role("region", name="Your decision on version 2")
    decide.get_by_role("radio", name="Approve").check()
    decide.get_by_label("Comment").fill("Evaluated on the red-team suite; fine.")
    accept_confirmation(ada_page)
    decide.get_by_role("button", name="Record my decision").click()
    expect(ada_page.locator(".alert-success")).to_contain_text("it is now approved")
    assert_page_is_whole(ada_page)

    # The gate lets the new version through; the system's page says so.
    status, answer = ask_gate(live_server, token, system, "llm-2026-11")
    assert (status, answer["allowed"], answer["reasons"]) == (200, True, [])
    page.goto(f"{live_server.url}{system.get_absolute_url()}")
    versions = page.locator("#versions")
    expect(versions.get_by_role("row", name=re.compile(version.reference))).to_contain_text(
        "Approved by a change review"
    )
    expect(page.locator("#gate-answer")).to_contain_text("Allowed")
    expect(page.locator("#plan-stale")).to_have_count(0)
    screenshot(page, "material-change-approved")

    # A prompt tweak: recorded by the team, waived by the committee with the reason kept.
    versions.get_by_role("link", name="Record a new version").click()
    page.get_by_role("radio", name=re.compile("^Configuration")).check()
    page.get_by_role("textbox", name=re.compile("^Version")).fill("prompt v17")
    accept_confirmation(page)
    page.get_by_role("button", name="Record the version").click()
    tweak = SystemVersion.objects.get(value="prompt v17")
    assert ask_gate(live_server, token, system, "prompt v17")[0] == 409
    ada_page.goto(f"{live_server.url}{tweak.get_absolute_url()}")
    ada_page.get_by_role("link", name="Waive the change review").click()
    ada_page.get_by_role("textbox", name=re.compile("^Why no change review")).fill(
        "A typo fixed in the greeting."
    )
    ada_page.get_by_role("button", name="Waive the change review").click()
    expect(ada_page.locator(".alert-success")).to_contain_text("the change review is waived")
    expect(ada_page.locator("main")).to_contain_text("A typo fixed in the greeting.")
    assert_page_is_whole(ada_page)
    screenshot(ada_page, "material-change-waived")
    tweak.refresh_from_db()
    assert (tweak.status, tweak.decided_by) == (VersionStatus.WAIVED, ada)
    assert ask_gate(live_server, token, system, "prompt v17")[0] == 200
