"""Single sign-on through a real OpenID Connect provider (django-oauth-toolkit's, run by the
tests): the first sign-in creates the person, groups map to teams and roles at every sign-in
(recorded in the history), a person removed from every mapped group is refused and loses what
the mappings gave, and the ID token's ``amr`` stands for a second factor."""

import pytest
from django.urls import reverse

from apps.accounts.models import Membership, User
from apps.core.models import AuditEvent
from tests.accounts.sso import connect_oidc, oidc_sign_in
from tests.factories import GroupMappingFactory, UserFactory, enrol_totp

pytestmark = pytest.mark.django_db
PASSWORD = "idp-password-1"


@pytest.fixture
def company(oidc_provider):
    return connect_oidc(oidc_provider)


@pytest.fixture
def mappings(company, team):
    """cx-writers: contributors of ``team``; cx-readers: its viewers; risk-committee: the
    committee."""
    return [
        GroupMappingFactory(
            provider=company, value="cx-writers", team=team, team_role="contributor"
        ),
        GroupMappingFactory(provider=company, value="cx-readers", team=team, team_role="viewer"),
        GroupMappingFactory(
            provider=company,
            value="risk-committee",
            team=None,
            team_role="",
            is_committee_member=True,
        ),
    ]


def signed_in_email(client):
    response = client.get(reverse("accounts:profile"))
    return response.context["user"].email if response.status_code == 200 else None


def test_first_sign_in_creates_the_person_with_the_identity_providers_name(
    client, oidc_provider, company
):
    oidc_provider.set_user("ada", PASSWORD, email="Ada@Example.org", name="Ada Lovelace")
    response = oidc_sign_in(client, oidc_provider, "ada", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    person = User.objects.get(email="ada@example.org")
    assert person.full_name == "Ada Lovelace"
    assert not person.has_usable_password()
    assert signed_in_email(client) == "ada@example.org"


def test_the_creation_is_in_the_history_with_the_provider(client, oidc_provider, company):
    oidc_provider.set_user("ada", PASSWORD, email="ada@example.org", name="Ada Lovelace")
    oidc_sign_in(client, oidc_provider, "ada", PASSWORD)
    person = User.objects.get(email="ada@example.org")
    assert person.history.earliest().history_change_reason == (
        "Created at the first single sign-on through Company SSO"
    )


def test_groups_give_the_team_role_and_the_committee_at_the_first_sign_in(
    client, oidc_provider, mappings, team
):
    oidc_provider.set_user(
        "ada", PASSWORD, email="ada@example.org", groups=["cx-readers", "risk-committee"]
    )
    oidc_sign_in(client, oidc_provider, "ada", PASSWORD)
    person = User.objects.get(email="ada@example.org")
    assert person.is_committee_member
    assert Membership.objects.get(user=person, team=team).role == Membership.Role.VIEWER


def test_the_mapping_is_applied_again_at_each_sign_in_and_recorded(
    client, oidc_provider, mappings, team
):
    oidc_provider.set_user("ada", PASSWORD, email="ada@example.org", groups=["cx-readers"])
    oidc_sign_in(client, oidc_provider, "ada", PASSWORD)
    oidc_provider.set_user("ada", PASSWORD, email="ada@example.org", groups=["cx-writers"])
    client.logout()
    oidc_sign_in(client, oidc_provider, "ada", PASSWORD)
    membership = Membership.objects.get(user__email="ada@example.org", team=team)
    assert membership.role == Membership.Role.CONTRIBUTOR
    assert membership.history.latest().history_change_reason == (
        "Single sign-on through Company SSO: groups cx-writers"
    )
    assert AuditEvent.objects.filter(
        change_reason="Single sign-on through Company SSO: groups cx-writers"
    ).exists()


def test_a_person_removed_from_every_mapped_group_is_refused_and_loses_the_mapped_roles(
    client, oidc_provider, mappings, team
):
    oidc_provider.set_user(
        "ada", PASSWORD, email="ada@example.org", groups=["cx-writers", "risk-committee"]
    )
    oidc_sign_in(client, oidc_provider, "ada", PASSWORD)
    client.logout()
    oidc_provider.set_user("ada", PASSWORD, email="ada@example.org", groups=["marketing"])
    response = oidc_sign_in(client, oidc_provider, "ada", PASSWORD)
    assert response.status_code == 403
    assert b"none of your groups there gives access" in response.content
    assert signed_in_email(client) is None
    person = User.objects.get(email="ada@example.org")
    assert not person.is_committee_member
    assert not Membership.objects.filter(user=person, team=team).exists()


def test_a_newcomer_in_no_mapped_group_is_refused_and_not_created(client, oidc_provider, mappings):
    oidc_provider.set_user("eve", PASSWORD, email="eve@example.org", groups=["marketing"])
    response = oidc_sign_in(client, oidc_provider, "eve", PASSWORD)
    assert response.status_code == 403
    assert not User.objects.filter(email="eve@example.org").exists()


def test_memberships_given_by_hand_are_left_alone(client, oidc_provider, mappings, other_team):
    person = UserFactory(email="ada@example.org")
    Membership.objects.create(user=person, team=other_team, role=Membership.Role.VIEWER)
    oidc_provider.set_user("ada", PASSWORD, email="ada@example.org", groups=["cx-writers"])
    oidc_sign_in(client, oidc_provider, "ada", PASSWORD)
    assert Membership.objects.filter(user=person, team=other_team).exists()


def test_a_registered_person_is_linked_by_e_mail_address_not_duplicated(
    client, oidc_provider, company, contributor
):
    oidc_provider.set_user("them", PASSWORD, email=contributor.email.upper())
    oidc_sign_in(client, oidc_provider, "them", PASSWORD)
    assert User.objects.filter(email__iexact=contributor.email).count() == 1
    assert signed_in_email(client) == contributor.email


def test_a_deactivated_person_cannot_sign_in_through_the_identity_provider(
    client, oidc_provider, mappings, contributor
):
    contributor.is_active = False
    contributor.save()
    oidc_provider.set_user("them", PASSWORD, email=contributor.email, groups=["risk-committee"])
    response = oidc_sign_in(client, oidc_provider, "them", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_inactive")
    contributor.refresh_from_db()
    assert not contributor.is_committee_member  # nothing of theirs changed


def test_a_committee_member_whose_provider_asked_a_second_factor_needs_none_here(
    client, oidc_provider, mappings, second_factor_required
):
    oidc_provider.set_user(
        "ada", PASSWORD, email="ada@example.org", groups=["risk-committee"], amr=["pwd", "mfa"]
    )
    oidc_sign_in(client, oidc_provider, "ada", PASSWORD)
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_a_committee_member_signed_in_with_a_password_only_is_sent_to_set_up_a_second_factor(
    client, oidc_provider, mappings, second_factor_required
):
    oidc_provider.set_user(
        "ada", PASSWORD, email="ada@example.org", groups=["risk-committee"], amr=["pwd"]
    )
    oidc_sign_in(client, oidc_provider, "ada", PASSWORD)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:second_factor"))


def test_the_providers_second_factor_spares_a_person_with_an_app_from_entering_its_code(
    client, oidc_provider, company, contributor
):
    enrol_totp(contributor)
    oidc_provider.set_user("them", PASSWORD, email=contributor.email, amr=["mfa"])
    response = oidc_sign_in(client, oidc_provider, "them", PASSWORD)
    assert response["Location"] == reverse("dashboard:home")


def test_without_the_providers_second_factor_a_person_with_an_app_enters_its_code(
    client, oidc_provider, company, contributor
):
    enrol_totp(contributor)
    oidc_provider.set_user("them", PASSWORD, email=contributor.email, amr=["pwd"])
    response = oidc_sign_in(client, oidc_provider, "them", PASSWORD)
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_email(client) is None


def test_the_sign_in_page_offers_the_identity_provider(client, company):
    response = client.get(reverse("login"))
    assert b"Sign in with Company SSO" in response.content
