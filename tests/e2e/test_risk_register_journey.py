"""Journey 1: a contributor registers a chatbot, fills its register from the library and by hand,
plans the mitigations and backs them with evidence, keeps the deployment checklist and submits
the safety plan to two committee members."""

import re

import pytest
from playwright.sync_api import expect

from apps.mitigations.models import Mitigation
from apps.reviews.models import ChecklistStatus, Review, ReviewStatus
from apps.risks.models import Risk
from apps.systems.models import AISystem
from tests.e2e.conftest import assert_page_is_whole, screenshot
from tests.e2e.steps import CHECKLIST, accept_confirmation, fill_checklist_item
from tests.factories import UserFactory

# The library and taxonomy come from data migrations: a live server's transactional test
# flushes the tables afterwards, so the migrated rows are restored for each journey.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SYSTEM_FIELDS = {
    "name": "Helpdesk chatbot",
    "purpose": "Answers employees' IT questions in the intranet chat.",
    "business_process": "Employee asks → bot answers from the knowledge base → ticket if unsolved.",
    "model_version": "llm-2026-10",
    "rollback_thresholds": "Grounded answers below 95% on the weekly sample",
}


def register_system(page, live_server, team, owner):
    page.goto(f"{live_server.url}/systems/new/")
    for name, value in SYSTEM_FIELDS.items():
        page.locator(f"[name={name}]").fill(value)
    page.locator("[name=team]").select_option(str(team.pk))
    page.locator("[name=business_owner]").select_option(str(owner.pk))
    page.locator("[name=technical_owner]").select_option(str(owner.pk))
    for radio in [
        "lifecycle_stage][value=pilot",
        "decision_role][value=advises",
        "oversight_mode][value=in_the_loop",
        "customer_data_training][value=never",
    ]:
        page.locator(f"[name={radio}]").check()
    page.locator("[name=ai_kind]").select_option("generative")
    page.locator("[name=eu_ai_act_tier]").select_option("limited")
    page.locator("[name=affects_employees]").check()
    page.get_by_role("button", name="Register the system").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Helpdesk chatbot")
    return AISystem.objects.get(name="Helpdesk chatbot")


def test_contributor_builds_a_safety_plan_and_submits_it_to_two_reviewers(
    open_as, live_server, contributor, team, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path  # the evidence file lands here, not in the working tree
    reviewers = [
        UserFactory(full_name="Ada Reviewer", is_committee_member=True),
        UserFactory(full_name="Bea Reviewer", is_committee_member=True),
        UserFactory(full_name="Cy Bystander", is_committee_member=True),
    ]
    page = open_as(contributor)
    system = register_system(page, live_server, team, contributor)

    # Three risks from the library's suggestions for a generative system, one click each.
    suggestions = page.locator("#risk-suggestions")
    for _ in range(3):
        page.goto(f"{live_server.url}{system.get_absolute_url()}")
        expect(suggestions.get_by_role("button", name=re.compile("^Add")).first).to_be_visible()
        suggestions.get_by_role("button", name=re.compile("^Add")).first.click()
        expect(page.locator(".alert-success")).to_contain_text("adapt")
    assert Risk.objects.filter(system=system, template__isnull=False).count() == 3
    screenshot(page, "risk-from-library")

    # One risk by hand, with a mistake first: the residual may not exceed the inherent score.
    page.goto(f"{live_server.url}/risks/new/?system={system.pk}")
    page.get_by_label("Title").fill("Bot suggests disabling endpoint protection")
    page.get_by_label("Scenario").fill(
        "Asked why a tool is slow, the bot suggests turning off endpoint protection; an "
        "employee does so. Noticed by the security team's agent-health dashboard."
    )
    page.get_by_label("Category").select_option(label="Misuse by users")
    page.get_by_label("Inherent likelihood").select_option("2")
    page.get_by_label("Inherent impact").select_option("4")
    page.get_by_label("Residual likelihood").select_option("3")
    page.get_by_label("Residual impact").select_option("4")
    page.get_by_role("button", name="Add the risk").click()
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.get_by_text("cannot score higher")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Bot suggests disabling endpoint protection")
    page.get_by_label("Residual likelihood").select_option("1")
    page.get_by_role("button", name="Add the risk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bot suggests disabling endpoint protection"
    )
    assert_page_is_whole(page)

    # Plan a mitigation inline on the risk's page (htmx), then mark it implemented.
    panel = page.locator("#mitigations-panel")
    panel.get_by_text("Plan a new mitigation for this risk").click()
    panel.get_by_label("Title").fill("Refuse security-control changes; link the IT policy")
    panel.get_by_label("Kind").select_option(index=1)
    panel.get_by_label("Defence layer").select_option(index=1)
    panel.get_by_role("button", name="Plan it").click()
    expect(panel.get_by_role("link", name=re.compile("Refuse security-control"))).to_be_visible()
    panel.get_by_role("button", name=re.compile("Mark implemented")).click()
    expect(panel.locator(".badge", has_text="Implemented")).to_be_visible()
    screenshot(page, "risk-with-mitigation")

    # Back the mitigation with evidence: a link to the test run.
    panel.get_by_role("link", name=re.compile("Refuse security-control changes")).click()
    page.get_by_role("radio", name="Link").check()
    page.locator("[name=url]").fill("https://ci.example.com/runs/4711")
    page.get_by_role("button", name="Add the evidence").click()
    expect(page.locator('a[href="https://ci.example.com/runs/4711"]')).to_be_visible()
    mitigation = Mitigation.objects.get(title__startswith="Refuse security-control changes")
    assert mitigation.status == "implemented"
    assert mitigation.evidence.count() == 1

    # The register lists the system's four risks, and its CSV export is a download.
    page.goto(f"{live_server.url}/risks/?system={system.pk}")
    expect(page.locator("#results tbody tr")).to_have_count(4)
    assert_page_is_whole(page)
    screenshot(page, "register-filtered")
    with page.expect_download() as download:
        page.locator("#export-link").click()
    assert download.value.suggested_filename.startswith("risk-register-")

    # The library's risks come with planned mitigations: put one of each in place and re-assess
    # the residual risk with it (nothing Critical may stay untreated for a first deployment).
    for risk in Risk.objects.filter(system=system, template__isnull=False).order_by("pk"):
        page.goto(f"{live_server.url}{risk.get_absolute_url()}")
        panel = page.locator("#mitigations-panel")
        panel.get_by_role("button", name=re.compile("^Mark implemented")).first.click()
        expect(panel.locator(".badge", has_text="Implemented").first).to_be_visible()
        page.get_by_role("link", name="Edit").click()
        page.get_by_label("Residual likelihood").select_option("1")
        page.get_by_label("Residual impact").select_option("2")
        page.get_by_label("Status").select_option("treated")
        page.get_by_label("Reason for this change").fill("Mitigation in place; re-assessed")
        page.get_by_role("button", name="Save changes").click()
        expect(page.locator(".alert-success")).to_be_visible()
    assert not Risk.objects.filter(system=system, residual_level__gte=3).exists()

    # The deployment checklist: every item done with its evidence, or not applicable and why.
    page.goto(f"{live_server.url}{system.get_absolute_url()}")
    page.get_by_role("link", name="Checklist (0/8)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Deployment checklist")
    for key, (kind, value) in CHECKLIST.items():
        fill_checklist_item(page, key, kind, value)
    expect(page.get_by_text("8 of 8 items complete")).to_be_visible()
    assert_page_is_whole(page)
    screenshot(page, "checklist-complete")
    assert system.checklist_items.filter(status=ChecklistStatus.DONE).count() == 7

    # Submit the plan to two committee members (the system's owner cannot review it).
    page.get_by_role("link", name="The safety plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Safety plan of Helpdesk chatbot")
    assert_page_is_whole(page)
    screenshot(page, "plan-live")
    page.get_by_role("link", name="Submit for review").click()
    page.get_by_role("radio", name=re.compile("^Initial deployment")).check()
    page.get_by_role("checkbox", name="Ada Reviewer").check()
    page.get_by_role("checkbox", name="Bea Reviewer").check()
    assert_page_is_whole(page)
    screenshot(page, "plan-submit")
    asked = accept_confirmation(page)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".alert-success")).to_contain_text("version 1 of the plan is with")
    assert asked and asked[0].startswith("Freeze the plan of Helpdesk chatbot")
    review = Review.objects.get(system=system)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Initial deployment review of the safety plan"
    )
    reviewers_card = page.locator("#reviewers")
    expect(reviewers_card).to_contain_text("Ada Reviewer")
    expect(reviewers_card).to_contain_text("Bea Reviewer")
    assert_page_is_whole(page)
    screenshot(page, "review-submitted")
    assert review.status == ReviewStatus.PENDING
    assert review.current_version.number == 1
    assert {a.reviewer for a in review.assignments.all()} == set(reviewers[:2])
    assert len(review.current_version.content["risks"]) == 4
