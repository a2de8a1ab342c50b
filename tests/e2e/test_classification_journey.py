"""Journey: a contributor classifies a CV-screening tool with the questionnaire on the system's
page (one step at a time, in place, Back keeping the answers): it comes out high-risk under
Annex III point 4(a), and once applied its compliance obligations follow — those of a deployer,
without Art. 27's impact assessment (a private deployer, not a credit or insurance use). The team
starts its Annex IV technical documentation, which lists what the record still lacks. It
then claims the Art. 6(3) exemption in a second version; the committee confirms it, and the
confirmed classification is applied."""

import re

import pytest
from playwright.sync_api import expect

from apps.classification import services
from apps.classification.models import ClassificationRecord, RecordStatus
from apps.reviews.models import ReviewSettings
from apps.reviews.subjects import register_review_subject
from apps.systems.models import AIKind, AISystem
from tests.e2e.conftest import assert_page_is_whole, screenshot
from tests.e2e.steps import accept_confirmation
from tests.factories import AISystemFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def next_step(page, heading: str) -> None:
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#wizard-heading")).to_have_text(heading)


def answer(page, question: str, choice: str) -> None:
    page.get_by_role("group", name=question).get_by_label(choice, exact=True).check()


def test_a_contributor_classifies_a_cv_screening_tool_and_the_committee_confirms_an_exemption(
    open_as, live_server, contributor, team
):
    register_review_subject(services.REVIEW_SUBJECT)  # as the app's ready() did
    # One approval per review in this organisation, whatever the system's criticality.
    ReviewSettings.objects.update_or_create(
        pk=1,
        defaults={
            "approvals_low": 1,
            "approvals_medium": 1,
            "approvals_high": 1,
            "approvals_critical": 1,
        },
    )
    ada = UserFactory(full_name="Ada Reviewer", is_committee_member=True)
    system = AISystemFactory(
        team=team,
        name="CV screening tool",
        ai_kind=AIKind.CLASSIFICATION,
        purpose="Ranks job applications against a vacancy so recruiters read the best first.",
        business_owner=contributor,
        technical_owner=contributor,
    )
    page = open_as(contributor)
    page.goto(f"{live_server.url}{system.get_absolute_url()}")
    expect(page.locator("#classification")).to_contain_text("Not classified yet")
    page.locator("#classify-button").click()

    # One group of questions at a time, swapped in place (htmx), the address following.
    expect(page.locator("#wizard-heading")).to_have_text("An AI system?")
    answer(page, re.compile("^Does it infer"), "Yes")
    answer(page, re.compile("^Is it designed to work"), "Yes")
    next_step(page, "Prohibited practices")
    expect(page).to_have_url(re.compile(r"/prohibited/$"))
    answer(page, "Does it do any of the following?", "None of these")
    next_step(page, "Products under Annex I")
    answer(page, re.compile("^Is it a product covered"), "No")
    next_step(page, "Uses listed in Annex III")
    page.get_by_label(re.compile(r"^4\(a\) Recruiting or selecting people")).check()
    next_step(page, "The Art. 6(3) exemption")
    # Next without an answer: each question says what it needs, and nothing moves on.
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#q-profiling-error")).to_have_text(re.compile("Answer yes or no."))
    answer(page, re.compile("^Does it profile people"), "Yes")
    answer(page, "Which of these describe what it does?", "None of these")
    next_step(page, "Transparency (Art. 50)")
    # Back, then forward: the answers are still there.
    page.get_by_role("button", name="Back").click()
    expect(page.locator("#wizard-heading")).to_have_text("The Art. 6(3) exemption")
    expect(
        page.get_by_role("group", name=re.compile("^Does it profile")).get_by_label("Yes")
    ).to_be_checked()
    next_step(page, "Transparency (Art. 50)")
    answer(page, "Which of these apply?", "None of these")
    next_step(page, "General-purpose AI model")
    answer(page, re.compile("^Is it a general-purpose AI model"), "No")
    page.get_by_role("button", name="Next").click()

    # The result and its rationale, before anything is saved.
    expect(page.locator("#wizard-heading")).to_have_text("The result")
    expect(page.locator("#result-tier")).to_have_text("High-risk (Art. 6, Annex I or III)")
    expect(page.locator("#result-area")).to_contain_text("Annex III(4)(a)")
    expect(page.locator("#result-rationale")).to_contain_text("It profiles people")
    assert_page_is_whole(page)
    screenshot(page, "classification-result")
    page.get_by_role("button", name="Save the classification").click()
    expect(page.locator(".alert-success")).to_contain_text("is saved: high-risk")
    record = ClassificationRecord.objects.get()

    # Applied: the system is high-risk in Annex III 4(a), with the record as the reason.
    accept_confirmation(page)
    page.get_by_role("button", name="Apply to the system").click()
    expect(page.locator(".alert-success")).to_contain_text(f"{record.label} is applied")
    system.refresh_from_db()
    assert (system.eu_ai_act_tier, system.eu_ai_act_area, system.annex_iii_point) == (
        "high_risk",
        "4",
        "a",
    )

    # Its obligations: a deployer's (Art. 26), and no Art. 27 for a private deployer.
    page.goto(f"{live_server.url}/compliance/for-system/{system.pk}/")
    obligations = page.locator("main")
    expect(obligations).to_contain_text("Art. 26")
    expect(obligations.get_by_text("Art. 27", exact=False)).to_have_count(0)
    screenshot(page, "classification-obligations")

    # Its Annex IV technical documentation, started from the system's page: the register
    # supplies what it holds, and the document lists what is still missing.
    page.goto(f"{live_server.url}{system.get_absolute_url()}")
    page.locator("#start-technical-document").click()
    page.get_by_role("button", name="Start the document").click()
    expect(page.locator("#gap-count")).to_contain_text("missing")
    missing = page.locator("#missing")
    expect(missing).to_contain_text("What is missing, and where to fill it")
    expect(missing.get_by_role("link").first).to_be_visible()
    screenshot(page, "annex-iv-gaps")

    # A second version claims the Art. 6(3) exemption: the committee confirms it first.
    page.goto(f"{live_server.url}{system.get_absolute_url()}")
    expect(page.locator("#latest-classification")).to_have_text(record.label)
    screenshot(page, "classification-system-panel")
    page.locator("#classify-button").click()
    # It starts from the latest answers: straight to the step that changes.
    expect(page.locator("#wizard-heading")).to_have_text("An AI system?")
    page.locator("nav[aria-label='Questionnaire steps']").get_by_role(
        "link", name="The Art. 6(3) exemption"
    ).click()
    expect(
        page.get_by_role("group", name=re.compile("^Does it profile")).get_by_label("Yes")
    ).to_be_checked()
    answer(page, re.compile("^Does it profile people"), "No")
    cases = page.get_by_role("group", name="Which of these describe what it does?")
    cases.get_by_label("None of these", exact=True).uncheck()
    cases.get_by_label(re.compile("preparatory")).check()
    page.get_by_label(re.compile("^Why does it pose no significant risk")).fill(
        "It only orders the queue; a recruiter reads every application and decides."
    )
    next_step(page, "Transparency (Art. 50)")
    page.locator("nav[aria-label='Questionnaire steps']").get_by_role("link", name="Result").click()
    expect(page.locator("#needs-confirmation")).to_contain_text("claims the Art. 6(3) exemption")
    page.get_by_role("button", name="Save the classification").click()
    expect(page.locator(".alert-success")).to_contain_text("ask the committee to confirm it")
    page.locator("#ask-confirmation").click()
    page.get_by_role("checkbox", name=re.compile("Ada Reviewer")).check()
    page.get_by_role("button", name="Send to the committee").click()
    expect(page.locator(".alert-success")).to_contain_text("is with the committee")
    second = ClassificationRecord.objects.get(number=2)
    review = second.review

    committee = open_as(ada)
    committee.goto(f"{live_server.url}{review.get_absolute_url()}")
    expect(committee.locator("#review-subject")).to_contain_text(second.label)
    decide = committee.get_by_role("region", name=re.compile("Your decision on version"))
    decide.get_by_role("radio", name="Approve").check()
    decide.get_by_label("Comment").fill("A preparatory ranking; recruiters decide. Confirmed.")
    accept_confirmation(committee)
    decide.get_by_role("button", name="Record my decision").click()
    expect(committee.locator(".alert-success")).to_contain_text("approved")
    assert_page_is_whole(committee)

    second.refresh_from_db()
    assert (second.status, second.is_applied) == (RecordStatus.CONFIRMED, True)
    assert AISystem.objects.get(pk=system.pk).eu_ai_act_tier == "minimal"
    page.goto(f"{live_server.url}{second.get_absolute_url()}")
    expect(page.get_by_text("Confirmed by the committee").first).to_be_visible()
    screenshot(page, "classification-confirmed")
