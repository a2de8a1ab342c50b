"""The registration form starts from what most registrations are: the contributor's only team,
and the contributor as business owner."""

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

NEW_SYSTEM = reverse("systems:create")


def initial(response, name):
    return response.context["form"][name].value()


def test_the_contributors_only_team_and_themselves_are_preselected(team, contributor, client_for):
    response = client_for(contributor).get(NEW_SYSTEM)
    assert initial(response, "team") == team.pk
    assert initial(response, "business_owner") == contributor.pk
    assert initial(response, "technical_owner") is None
    content = response.content.decode()
    assert f'<option value="{team.pk}" selected>' in content
    assert f'<option value="{contributor.pk}" selected>' in content


def test_someone_in_two_teams_chooses_the_team(team, other_team, contributor, client_for):
    MembershipFactory(team=other_team, user=contributor, role="contributor")
    response = client_for(contributor).get(NEW_SYSTEM)
    assert initial(response, "team") is None
    assert initial(response, "business_owner") == contributor.pk


def test_a_viewers_team_is_not_a_choice(team, other_team, contributor, client_for):
    MembershipFactory(team=other_team, user=contributor, role="viewer")
    response = client_for(contributor).get(NEW_SYSTEM)
    assert initial(response, "team") == team.pk


def test_the_team_in_the_address_wins(team, other_team, contributor, client_for):
    MembershipFactory(team=other_team, user=contributor, role="contributor")
    response = client_for(contributor).get(NEW_SYSTEM, {"team": other_team.pk})
    assert initial(response, "team") == other_team.pk


def test_what_was_posted_wins_over_the_defaults(team, contributor, client_for):
    response = client_for(contributor).post(NEW_SYSTEM, {"team": "", "business_owner": ""})
    assert response.status_code == 200
    assert initial(response, "team") in ("", None)
    assert "team" in response.context["form"].errors
