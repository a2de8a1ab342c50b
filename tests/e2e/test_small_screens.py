"""Journey 5: a contributor on a phone (390 px wide, browser in Paris time).

Their time zone is taken from the browser at their first sign-in; the system and risk pages do
not scroll sideways; the register shows its first rows and both level columns, with its filters
behind a “Filters (n)” button; “From the library” on the system's page adds a template to that
system in one click; a half-typed incident time is not sent (what was typed stays) and a new
API token copies in one click."""

import pytest
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.core.models import Level
from apps.risks.models import FrameworkReference, Risk, RiskTemplate
from apps.systems.models import AIKind, EUAIActTier
from tests.e2e.conftest import CHROMIUM, PASSWORD, assert_page_is_whole, screenshot, where
from tests.factories import AISystemFactory, RiskFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server, request):
    """``page = phone(user)``: signed in on a 390 px wide browser set to Paris time."""
    contexts = []

    def sign_in(user):
        user.set_password(PASSWORD)
        user.save()
        context = browser.new_context(
            viewport=PHONE, timezone_id="Europe/Paris", has_touch=True, is_mobile=True
        )
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda message: (
                page.console_errors.append(f"{message.text} (at {where(message.location)})")
                if message.type == "error"
                else None
            ),
        )
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("E-mail").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield sign_in
    report = getattr(request.node, "report_call", None)
    for number, context in enumerate(contexts, start=1):
        if report is not None and report.failed:
            for page in context.pages:
                screenshot(page, f"failed-{request.node.name}-{number}")
        context.close()


WIDER_THAN_THE_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = e => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return true;
    }
    return false;
  };
  return Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > width + 1 && !clipped(e))
    .map(e => e.tagName + "." + e.className + " " + (e.textContent || "").trim().slice(0, 40));
}"""


def scrolls_sideways(page) -> list[str]:
    """What sticks out of a page that scrolls sideways (nothing when it does not)."""
    if page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ):
        return []
    return page.evaluate(WIDER_THAN_THE_SCREEN) or ["the page scrolls sideways"]


def within_screen(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def wait_for_time_zone(user, expected, page) -> None:
    for _ in range(50):
        if User.objects.get(pk=user.pk).time_zone == expected:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the time zone was not set to {expected}")


def test_a_contributor_on_a_phone(phone, live_server, team, contributor):
    assert CHROMIUM
    chatbot = AISystemFactory(
        team=team,
        name="Customer support chatbot for the retail bank's mobile app",
        ai_kind=AIKind.GENERATIVE,
        eu_ai_act_tier=EUAIActTier.HIGH_RISK,
        eu_ai_act_area="5",
        business_owner=contributor,
        technical_owner=contributor,
    )
    leak = RiskFactory(
        system=chatbot,
        title="Chatbot reveals another customer's account balance",
        inherent_likelihood=4,
        inherent_impact=5,
        residual_likelihood=3,
        residual_impact=4,
    )
    leak.framework_references.set(
        FrameworkReference.objects.filter(framework__in=["owasp_llm", "nist_ai_600_1"])[:4]
    )
    for number in range(12):
        RiskFactory(system=chatbot, title=f"Another way the chatbot fails, number {number}")

    # First sign-in: the browser's time zone becomes the person's (sent with the sign-in form).
    page = phone(contributor)
    wait_for_time_zone(contributor, "Europe/Paris", page)
    assert_page_is_whole(page)

    # The system page does not scroll sideways; its EU AI Act badge wraps inside the screen.
    page.goto(f"{live_server.url}{chatbot.get_absolute_url()}")
    badge = page.locator("#eu-ai-act-badge")
    expect(badge).to_contain_text("EU AI Act: High-risk")
    assert within_screen(badge)
    assert scrolls_sideways(page) == []
    screenshot(page, "phone-system-page")

    # The risk page neither: its framework badges wrap inside their card.
    page.goto(f"{live_server.url}{leak.get_absolute_url()}")
    for badge in page.locator(".framework-badge").all():
        assert within_screen(badge)
    assert scrolls_sideways(page) == []
    screenshot(page, "phone-risk-page")

    # The register: filters folded behind “Filters (0)”, the first row and both levels visible.
    page.goto(f"{live_server.url}/risks/")
    toggle = page.get_by_role("button", name="Filters (0)")
    expect(toggle).to_be_visible()
    expect(page.get_by_role("search", name="Filter the list")).to_be_hidden()
    first_row = page.locator("#results tbody tr").first
    assert first_row.bounding_box()["y"] < PHONE["height"]
    for header in ("Inherent", "Residual"):
        assert within_screen(page.get_by_role("columnheader", name=header))
    assert within_screen(first_row.locator(".badge").first)
    assert scrolls_sideways(page) == []
    screenshot(page, "phone-register")
    toggle.click()
    filters = page.get_by_role("search", name="Filter the list")
    expect(filters).to_be_visible()
    filters.get_by_label("Residual level").select_option(label="High")
    expect(page.get_by_role("button", name="Filters (1)")).to_be_visible()
    high = Risk.objects.filter(system=chatbot, residual_level=Level.HIGH).count()
    expect(page.locator("#results tbody tr")).to_have_count(high)

    # “From the library” remembers the system: one click adds a template to it.
    page.goto(f"{live_server.url}{chatbot.get_absolute_url()}")
    page.get_by_role("link", name="From the library").click()
    expect(page.locator("#library-target")).to_contain_text(chatbot.name)
    template = RiskTemplate.objects.filter(is_active=True).order_by("title").first()
    page.get_by_role("button", name=f"Add “{template.title}” to {chatbot.name}").click()
    expect(page.locator(".alert-success")).to_contain_text(f"is added to {chatbot.name}")
    assert Risk.objects.filter(system=chatbot, template=template).exists()

    # An incident time typed half-way is not sent: the field says so and keeps what was typed.
    page.goto(f"{live_server.url}/incidents/new/?system={chatbot.pk}")
    page.get_by_label("Title").fill("Balance shown to the wrong customer")
    occurred = page.locator("[name=occurred_at]")
    occurred.click()
    page.keyboard.type("31022026")
    page.get_by_role("button", name="Log the incident").click()
    expect(page.locator("#id_occurred_at-picker-error")).to_contain_text("incomplete")
    assert page.url.endswith(f"/incidents/new/?system={chatbot.pk}")
    assert occurred.evaluate("field => field.validity.badInput")
    expect(page.get_by_text("Times are in Europe/Paris").first).to_be_visible()

    # The one-time API token copies in one click.
    page.goto(f"{live_server.url}/accounts/profile/")
    tokens = page.get_by_role("region", name="API tokens")
    tokens.get_by_label("Name").fill("Phone script")
    tokens.get_by_role("button", name="Create a token").click()
    secret = page.get_by_test_id("new-token-secret").inner_text().strip()
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied to the clipboard.")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == secret
    assert scrolls_sideways(page) == []
    assert not page.console_errors, page.console_errors
