"""Single sign-on through a real SAML 2.0 identity provider (pysaml2's, run by the tests): signed
responses posted back to the register, attributes to the person, isMemberOf to teams and roles,
and the AuthnContext to whether the IdP asked for a second factor."""

import pytest
from django.urls import reverse

from apps.accounts.models import Membership, User
from tests.accounts.sso import SAML_GROUPS, connect_saml, saml_sign_in
from tests.factories import GroupMappingFactory

pytestmark = pytest.mark.django_db
PASSWORD = "saml-password-1"


@pytest.fixture
def company(browser, saml_idp):
    return connect_saml(browser, saml_idp)


@pytest.fixture
def mappings(company, team):
    return [
        GroupMappingFactory(provider=company, claim=SAML_GROUPS, value="cx", team=team),
        GroupMappingFactory(
            provider=company,
            claim=SAML_GROUPS,
            value="committee",
            team=None,
            team_role="",
            is_committee_member=True,
        ),
    ]


def test_first_saml_sign_in_creates_the_person_from_the_attributes(browser, saml_idp, company):
    saml_idp.set_user(
        "grace", PASSWORD, email="grace@example.org", given_name="Grace", surname="Hopper"
    )
    response = saml_sign_in(browser, saml_idp, "grace", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    person = User.objects.get(email="grace@example.org")
    assert person.full_name == "Grace Hopper"
    assert browser.get(reverse("accounts:profile")).status_code == 200


def test_is_member_of_maps_to_the_team_and_the_committee(browser, saml_idp, mappings, team):
    saml_idp.set_user("grace", PASSWORD, email="grace@example.org", groups=["cx", "committee"])
    saml_sign_in(browser, saml_idp, "grace", PASSWORD)
    person = User.objects.get(email="grace@example.org")
    assert person.is_committee_member
    assert Membership.objects.get(user=person, team=team).role == Membership.Role.CONTRIBUTOR


def test_a_person_in_no_mapped_group_is_refused(browser, saml_idp, mappings):
    saml_idp.set_user("mallory", PASSWORD, email="mallory@example.org", groups=["sales"])
    response = saml_sign_in(browser, saml_idp, "mallory", PASSWORD)
    assert response.status_code == 403
    assert not User.objects.filter(email="mallory@example.org").exists()


def test_a_two_factor_authn_context_counts_as_the_second_factor(
    browser, saml_idp, mappings, second_factor_required
):
    saml_idp.set_user("grace", PASSWORD, email="grace@example.org", groups=["committee"], mfa=True)
    saml_sign_in(browser, saml_idp, "grace", PASSWORD)
    assert browser.get(reverse("dashboard:home")).status_code == 200


def test_a_password_authn_context_leaves_the_committee_member_to_set_up_a_second_factor(
    browser, saml_idp, mappings, second_factor_required
):
    saml_idp.set_user("grace", PASSWORD, email="grace@example.org", groups=["committee"], mfa=False)
    saml_sign_in(browser, saml_idp, "grace", PASSWORD)
    response = browser.get(reverse("dashboard:home"))
    assert response["Location"].startswith(reverse("accounts:second_factor"))


def test_the_service_provider_metadata_names_the_assertion_consumer_service(browser, company):
    response = browser.get(
        reverse("saml_metadata", kwargs={"organization_slug": company.client_id})
    )
    assert response.status_code == 200
    assert b"/accounts/sso/saml/company-saml/acs/" in response.content
