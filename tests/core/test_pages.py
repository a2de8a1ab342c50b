"""Sign-in, the home page, the profile page, the health check."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.factories import AISystemFactory

pytestmark = pytest.mark.django_db


def test_people_sign_in_with_their_email_address(client, contributor):
    response = client.post(
        reverse("login"),
        {"username": contributor.email.upper(), "password": "correct-horse-battery-staple"},
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard:home")


def test_a_wrong_password_is_refused_with_a_message(client, contributor):
    response = client.post(reverse("login"), {"username": contributor.email, "password": "nope"})
    assert response.status_code == 200
    assertContains(response, "Please enter a correct e-mail address and password")


def test_signing_out_needs_a_post(client_for):
    client = client_for("viewer")
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302


def test_home_shows_my_teams_and_their_systems(client_for, team, other_team):
    AISystemFactory(team=team, name="Support chatbot")
    AISystemFactory(team=other_team, name="Credit scorer")
    response = client_for("contributor").get(reverse("dashboard:home"))
    assertContains(response, "Customer Experience")
    assertContains(response, "Support chatbot")
    assertNotContains(response, "Credit scorer")
    assertNotContains(response, "The whole organisation")


def test_home_offers_registration_in_an_empty_team(client_for, team):
    response = client_for("contributor").get(reverse("dashboard:home"))
    assertContains(response, "No AI system registered for this team yet")
    assertContains(response, f"{reverse('systems:create')}?team={team.pk}")


def test_home_shows_the_whole_organisation_to_the_committee(client_for, team, other_team):
    AISystemFactory(team=other_team)
    response = client_for("committee_member").get(reverse("dashboard:home"))
    assertContains(response, "The whole organisation")
    assertContains(response, "Credit Risk")


def test_navigation_offers_the_audit_log_only_to_global_readers(client_for, team):
    audit_url = reverse("core:audit_log")
    assertContains(client_for("auditor").get(reverse("dashboard:home")), audit_url)
    assertNotContains(client_for("contributor").get(reverse("dashboard:home")), audit_url)


def test_profile_lists_roles_and_teams(client_for, team):
    response = client_for("viewer").get(reverse("accounts:profile"))
    assertContains(response, "Customer Experience — Viewer")


def test_health_check_answers_without_signing_in(client):
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"


def test_health_check_answers_only_reads(client):
    assert client.head(reverse("core:healthz")).status_code == 200
    assert client.post(reverse("core:healthz")).status_code == 405


def test_registration_form_preselects_the_team_from_the_home_page(client_for, team):
    response = client_for("contributor").get(reverse("systems:create"), {"team": team.pk})
    assert response.context["form"]["team"].value() == team.pk
