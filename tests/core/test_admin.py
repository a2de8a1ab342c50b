"""The administration site: people, teams, memberships and governance settings."""

import pytest
from django.urls import reverse

from apps.accounts.models import Membership, Team, User
from apps.core.models import GovernanceSettings
from tests.factories import AISystemFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:accounts_user_changelist",
        "admin:accounts_user_add",
        "admin:accounts_team_changelist",
        "admin:accounts_team_add",
        "admin:accounts_membership_changelist",
        "admin:core_governancesettings_changelist",
        "admin:core_auditevent_changelist",
        "admin:systems_aisystem_changelist",
    ],
)
def test_administrator_opens_every_admin_page(url_name, client_for):
    assert client_for("administrator").get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize("role", ["contributor", "committee_member", "auditor"])
def test_other_roles_cannot_open_the_admin(role, client_for):
    response = client_for(role).get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_administrator_creates_a_person(client_for):
    response = client_for("administrator").post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new.person@example.org",
            "full_name": "New Person",
            "password1": "a-long-enough-password-42",
            "password2": "a-long-enough-password-42",
            "usable_password": "true",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.filter(email="new.person@example.org").exists()


def test_administrator_adds_a_member_to_a_team(client_for, team, nobody):
    response = client_for("administrator").post(
        reverse("admin:accounts_membership_add"),
        {"user": nobody.pk, "team": team.pk, "role": "viewer"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=nobody).role == "viewer"


def test_a_person_cannot_join_the_same_team_twice(client_for, team):
    membership = MembershipFactory(team=team)
    response = client_for("administrator").post(
        reverse("admin:accounts_membership_add"),
        {"user": membership.user.pk, "team": team.pk, "role": "viewer"},
    )
    assert response.status_code == 200
    assert Membership.objects.filter(user=membership.user).count() == 1


def test_saving_governance_settings_recomputes_cadences(client_for, team):
    system = AISystemFactory(team=team, criticality=1, review_cadence_days=365)
    GovernanceSettings.load()
    response = client_for("administrator").post(
        reverse("admin:core_governancesettings_change", args=[1]),
        {
            "review_cadence_critical_days": 30,
            "review_cadence_high_days": 60,
            "review_cadence_medium_days": 120,
            "review_cadence_low_days": 200,
        },
    )
    assert response.status_code == 302
    system.refresh_from_db()
    assert system.review_cadence_days == 200


def test_teams_are_created_with_a_slug(client_for):
    client_for("administrator").post(
        reverse("admin:accounts_team_add"),
        {
            "name": "Data Science",
            "slug": "data-science",
            "description": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert Team.objects.filter(slug="data-science").exists()
