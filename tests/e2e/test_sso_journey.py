"""Journey: single sign-on against the local identity providers the tests run.

An administrator connects the OpenID Connect provider from the admin pages; a committee member
signs in through it (their group maps to the committee), is made to set up an authenticator
app, and then reaches the register. Another person signs in through the SAML provider."""

import re

import pytest
import requests
from allauth.socialaccount.models import SocialApp
from playwright.sync_api import expect

from apps.accounts.models import GroupMapping, User
from tests.accounts.sso import CLIENT_SECRET, OIDC_ID, SAML_ATTRIBUTES, SAML_SLUG
from tests.e2e.conftest import CHROMIUM_ARGS, screenshot  # noqa: F401
from tests.factories import totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
IDP_PASSWORD = "journey-idp-password"


def test_an_administrator_connects_oidc_and_a_committee_member_signs_in_and_enrols(
    open_as, browser, live_server, administrator, oidc_provider, second_factor_required
):
    from apps.accounts.services import configure_sign_in

    configure_sign_in(by=administrator, reason="Journey", mfa_administrators=False)
    callback = f"{live_server.url}/accounts/sso/oidc/{OIDC_ID}/login/callback/"
    oidc_provider.set_client(OIDC_ID, CLIENT_SECRET, [callback])

    # The administrator adds the identity provider on the admin pages.
    admin = open_as(administrator)
    admin.goto(f"{live_server.url}/admin/socialaccount/socialapp/add/")
    admin.select_option("#id_provider", "openid_connect")
    admin.fill("#id_provider_id", OIDC_ID)
    admin.fill("#id_name", "Company SSO")
    admin.fill("#id_client_id", OIDC_ID)
    admin.fill("#id_secret", CLIENT_SECRET)
    admin.fill("#id_oidc_issuer", oidc_provider.issuer)
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.locator(".messagelist")).to_contain_text("was added successfully")
    app = SocialApp.objects.get(provider_id=OIDC_ID)
    assert app.settings["server_url"] == oidc_provider.issuer
    GroupMapping.objects.create(
        provider=app, claim="groups", value="risk-committee", is_committee_member=True
    )

    # A committee member signs in through it, for the first time.
    oidc_provider.set_user(
        "jonas",
        IDP_PASSWORD,
        email="jonas@example.org",
        name="Jonas Weber",
        groups=["risk-committee"],
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_role("button", name="Sign in with Company SSO").click()
        page.fill("#idp-username", "jonas")
        page.fill("#idp-password", IDP_PASSWORD)
        page.click("#idp-submit")
        # Back in the register: the committee needs a second factor first.
        expect(page.locator("#second-factor-needed")).to_contain_text("As committee members")
        screenshot(page, "sso-second-factor-needed")
        page.get_by_role("link", name="Set up an authenticator app").click()
        secret = page.locator("#authenticator_secret").input_value()
        page.get_by_label("Authenticator code").fill(totp_code(secret))
        page.get_by_role("button", name="Activate").click()
        expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
        screenshot(page, "sso-recovery-codes")
        # The page tells the register the browser's time zone in the background: let it finish
        # (SQLite's shared test database locks a table while another request writes it).
        page.wait_for_load_state("networkidle")
        page.goto(f"{live_server.url}/")
        expect(page.locator("footer")).to_contain_text("jonas@example.org")
        screenshot(page, "sso-signed-in")
    finally:
        context.close()
    person = User.objects.get(email="jonas@example.org")
    assert person.is_committee_member and person.full_name == "Jonas Weber"


def test_a_person_signs_in_through_the_saml_identity_provider(browser, live_server, saml_idp):
    app = SocialApp.objects.create(
        provider="saml",
        provider_id=SAML_SLUG,
        name="Company SAML",
        client_id=SAML_SLUG,
        settings={
            "idp": {
                "entity_id": saml_idp.entity_id,
                "sso_url": saml_idp.sso_url,
                "x509cert": saml_idp.certificate,
            },
            "attribute_mapping": SAML_ATTRIBUTES,
            "advanced": {"allow_single_label_domains": True},
        },
    )
    metadata = requests.get(
        f"{live_server.url}/accounts/sso/saml/{app.client_id}/metadata/", timeout=10
    )
    saml_idp.trust_service_provider(metadata.text)
    saml_idp.set_user(
        "fatima", IDP_PASSWORD, email="fatima@example.org", given_name="Fatima", surname="Okafor"
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_role("button", name="Sign in with Company SAML").click()
        page.fill("#idp-username", "fatima")
        page.fill("#idp-password", IDP_PASSWORD)
        page.click("#idp-submit")
        page.click("#saml-continue")
        page.wait_for_url(re.compile(re.escape(live_server.url) + r"/$"))
        page.wait_for_load_state("networkidle")
        expect(page.locator("footer")).to_contain_text("fatima@example.org")
    finally:
        context.close()
    assert User.objects.get(email="fatima@example.org").full_name == "Fatima Okafor"
