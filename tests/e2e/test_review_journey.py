"""Journey 2: two committee members read a submitted safety plan from their queues; one sends it
back for changes, the team revises and resubmits it, both approve; the system shows the approved
version and its next review date, and the approved plan downloads as a PDF."""

import datetime
import io
import re

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from apps.core.models import Evidence, Level
from apps.reviews import services as review_services
from apps.reviews.models import ChecklistKey, ChecklistStatus, ReviewStatus
from apps.systems import services as system_services
from apps.systems.models import AISystem, EUAIActTier
from tests.e2e.conftest import assert_page_is_whole, screenshot
from tests.e2e.steps import accept_confirmation
from tests.factories import AISystemFactory, MitigationFactory, RiskFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHANGES_WANTED = "Claims may be denied on the model's word alone: put a person before each denial."


def submitted_plan(team, contributor, reviewers):
    """A high-risk claims assistant whose complete plan the team submitted (not what this
    journey is about: the services do it as the pages would)."""
    system = AISystemFactory(
        team=team,
        name="Claims triage assistant",
        purpose="Sorts incoming insurance claims and drafts a first decision.",
        business_owner=contributor,
        technical_owner=contributor,
        eu_ai_act_tier=EUAIActTier.HIGH_RISK,
        eu_ai_act_area="5",
    )
    risk = RiskFactory(
        system=system,
        title="Valid claims denied by the model",
        owner=contributor,
        inherent_likelihood=4,
        inherent_impact=5,
        residual_likelihood=3,
        residual_impact=5,
    )
    MitigationFactory(system=system, title="Weekly sample of decisions", status="implemented")
    system.mitigations.get().risks.add(risk)
    with transaction.atomic():
        system = system_services.refresh_criticality(system, by=contributor)
        for key in ChecklistKey.values:
            review_services.add_checklist_evidence(
                system=system, key=key, by=contributor, kind=Evidence.Kind.NOTE, note=f"{key} ok"
            )
            review_services.update_checklist_item(
                system=system, key=key, by=contributor, status=ChecklistStatus.DONE
            )
    review = review_services.submit_safety_plan(
        system=system, by=contributor, kind="initial", reviewers=reviewers
    )
    assert review.required_approvals == 2
    return system, risk, review


def open_queue(page, live_server):
    """A committee member goes from the review list to their queue."""
    page.goto(f"{live_server.url}/reviews/")
    page.get_by_role("link", name=re.compile("^My queue")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for my decision")


def test_committee_sends_a_plan_back_then_both_approve_the_revision(
    open_as, live_server, contributor, team
):
    ada = UserFactory(full_name="Ada Reviewer", is_committee_member=True)
    bea = UserFactory(full_name="Bea Reviewer", is_committee_member=True)
    system, risk, review = submitted_plan(team, contributor, [ada, bea])
    assert system.criticality == Level.HIGH

    # Each reviewer finds the plan in their queue and reads the frozen version 1.
    ada_page, bea_page = open_as(ada), open_as(bea)
    for page in (ada_page, bea_page):
        open_queue(page, live_server)
        entry = page.get_by_role("article", name=re.compile(review.reference))
        expect(entry).to_contain_text("Claims triage assistant")
        expect(entry).to_contain_text("First version: no earlier plan to compare with.")
        entry.get_by_role("link", name="Read the plan (v1)").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Safety plan of Claims triage assistant, version 1"
        )
        expect(page.get_by_role("heading", name="4. Risk catalogue by category")).to_be_visible()
        expect(page.get_by_text("Valid claims denied by the model").first).to_be_visible()
        assert_page_is_whole(page)
    screenshot(ada_page, "review-version-1")

    # Ada sends it back from her queue, saying what must change (the entry updates in place).
    open_queue(ada_page, live_server)
    entry = ada_page.get_by_role("article", name=re.compile(review.reference))
    screenshot(ada_page, "review-queue")
    accept_confirmation(ada_page)
    entry.get_by_role("button", name="Request changes").click()  # without a comment: refused
    expect(entry.get_by_role("alert")).to_contain_text("Say what must change.")
    entry.get_by_label(re.compile("^Comment")).fill(CHANGES_WANTED)
    asked = accept_confirmation(ada_page)
    entry.get_by_role("button", name="Request changes").click()
    expect(entry.get_by_role("status")).to_contain_text(
        f"You requested changes to version 1 of {review.reference}"
    )
    assert asked == [f"Send {review.reference} back to the team for changes?"]
    assert_page_is_whole(ada_page)
    review.refresh_from_db()
    assert review.status == ReviewStatus.CHANGES_REQUESTED

    # Nothing waits for Bea any more: the plan went back to the team.
    open_queue(bea_page, live_server)
    expect(bea_page.locator("#main").get_by_text("Nothing waits for you.")).to_be_visible()

    # The team reads the comment, revises the live plan and submits version 2.
    team_page = open_as(contributor)
    team_page.goto(f"{live_server.url}{system.get_absolute_url()}")
    team_page.locator("#safety-plan").get_by_role("link", name=review.reference).first.click()
    expect(team_page.locator("#decisions")).to_contain_text(CHANGES_WANTED)
    expect(team_page.get_by_role("status").filter(has_text="Changes requested")).to_be_visible()
    team_page.goto(f"{live_server.url}{risk.get_absolute_url()}")
    panel = team_page.locator("#mitigations-panel")
    panel.get_by_text("Plan a new mitigation for this risk").click()
    panel.get_by_label("Title").fill("A claims handler confirms every denial")
    panel.get_by_label("Kind").select_option("human_review")
    panel.get_by_label("Defence layer").select_option("organisation")
    panel.get_by_role("button", name="Plan it").click()
    panel.get_by_role("button", name=re.compile("^Mark implemented")).click()
    expect(panel.locator(".badge", has_text="Implemented")).to_have_count(2)
    team_page.get_by_role("link", name="Edit").click()
    team_page.get_by_label("Residual likelihood").select_option("1")
    team_page.get_by_label("Status").select_option("treated")
    team_page.get_by_role("button", name="Save changes").click()
    expect(team_page.locator(".alert-success")).to_be_visible()
    team_page.goto(f"{live_server.url}{review.get_absolute_url()}")
    asked = accept_confirmation(team_page)
    team_page.get_by_role("button", name="Submit version 2").click()
    expect(team_page.locator(".alert-success")).to_contain_text(
        "Version 2 of the plan is with the committee."
    )
    assert asked and asked[0].startswith("Freeze the live plan as version 2")
    assert_page_is_whole(team_page)
    screenshot(team_page, "review-resubmitted")

    # Ada sees what changed since version 1 and approves from her queue.
    open_queue(ada_page, live_server)
    entry = ada_page.get_by_role("article", name=re.compile(review.reference))
    entry.get_by_role("link", name="Changes since v1").click()
    expect(ada_page.get_by_role("heading", level=1)).to_contain_text("version 2")
    expect(ada_page.locator("main")).to_contain_text("A claims handler confirms every denial")
    assert_page_is_whole(ada_page)
    screenshot(ada_page, "review-compare")
    open_queue(ada_page, live_server)
    entry = ada_page.get_by_role("article", name=re.compile(review.reference))
    accept_confirmation(ada_page)
    entry.get_by_role("button", name="Approve").click()
    expect(entry.get_by_role("status")).to_contain_text("You approved version 2 of")
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING  # a high-criticality plan needs two approvals

    # Bea decides on the review's own page.
    open_queue(bea_page, live_server)
    bea_page.get_by_role("link", name=review.reference).click()
    decide = bea_page.get_by_role("region", name="Your decision on version 2")
    decide.get_by_role("radio", name="Approve").check()
    decide.get_by_label("Comment").fill("Clear and proportionate.")
    asked = accept_confirmation(bea_page)
    decide.get_by_role("button", name="Record my decision").click()
    expect(bea_page.locator(".alert-success")).to_contain_text(
        f"You approved version 2 of {review.reference}: it is now approved."
    )
    assert asked and asked[0].startswith("Record your decision on version 2")
    assert_page_is_whole(bea_page)
    screenshot(bea_page, "review-approved")

    # The system's page shows the approved version and when the plan is due again.
    system.refresh_from_db()
    approved_on = timezone.localdate()
    next_due = approved_on + datetime.timedelta(days=system.review_cadence_days)
    assert system.last_approved == approved_on and system.next_review_due == next_due
    team_page.goto(f"{live_server.url}{system.get_absolute_url()}")
    plan = team_page.locator("#safety-plan")
    expect(plan.get_by_role("link", name="Version 2")).to_be_visible()
    expect(plan).to_contain_text(f"approved {approved_on:%-d %b %Y}")
    expect(plan).to_contain_text(f"Next review due {next_due:%-d %b %Y}")
    assert_page_is_whole(team_page)
    screenshot(team_page, "system-approved")

    # The approved version downloads as a PDF that says what was approved, and by whom.
    plan.get_by_role("link", name="Version 2").click()
    with team_page.expect_download() as download_info:
        team_page.get_by_role("link", name="PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{system.reference}-safety-plan-v2.pdf"
    content = download.path().read_bytes()
    assert content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Claims triage assistant" in text
    assert "A claims handler confirms every denial" in text
    assert "Ada Reviewer" in text and "Bea Reviewer" in text
    assert AISystem.objects.get(pk=system.pk).reviews.get().status == ReviewStatus.APPROVED
