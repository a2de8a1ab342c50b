"""“Ungoverned in production: N” on the dashboard: systems in pilot or production without a
current approved safety plan, counted in the systems' one GROUP BY query, linking to the
inventory filtered to them.

“Today” is Sunday 15 Nov 2026. The organisation:
  G1 team   production  approved 1 Sep, review due 30 Nov          governed
  U1 team   production  never approved                             ungoverned
  U2 team   pilot       approved 1 Aug, review due 1 Oct (lapsed)  ungoverned
  D1 team   development never approved                             not in service
  U3 other  production  never approved                             ungoverned
  A1 team   production  archived                                   left out
"""

import datetime

import pytest
import time_machine
from django.urls import reverse
from pytest_django.asserts import assertContains

from apps.dashboard import selectors as dashboard
from tests.factories import AISystemFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 15, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def org(team, other_team):
    AISystemFactory(
        team=team,
        name="G1",
        lifecycle_stage="production",
        last_approved=datetime.date(2026, 9, 1),
        next_review_due=datetime.date(2026, 11, 30),
    )
    AISystemFactory(team=team, name="U1", lifecycle_stage="production")
    AISystemFactory(
        team=team,
        name="U2",
        lifecycle_stage="pilot",
        last_approved=datetime.date(2026, 8, 1),
        next_review_due=datetime.date(2026, 10, 1),
    )
    AISystemFactory(team=team, name="D1", lifecycle_stage="development")
    AISystemFactory(team=other_team, name="U3", lifecycle_stage="production")
    AISystemFactory(team=team, name="A1", lifecycle_stage="production", archived_at=NOW)


def test_the_committee_sees_every_teams_ungoverned_systems(org, committee_member):
    ungoverned = dashboard.dashboard(committee_member)["systems"]["ungoverned"]
    assert ungoverned["count"] == 3
    assert ungoverned["url"] == reverse("systems:list") + "?ungoverned=true"


def test_a_contributor_sees_their_teams_only(org, contributor):
    assert dashboard.dashboard(contributor)["systems"]["ungoverned"]["count"] == 2


def test_the_link_keeps_the_team_chosen(org, committee_member, other_team):
    ungoverned = dashboard.dashboard(committee_member, team_id=str(other_team.pk))["systems"][
        "ungoverned"
    ]
    assert ungoverned["count"] == 1
    assert ungoverned["url"] == (reverse("systems:list") + f"?team={other_team.pk}&ungoverned=true")


def test_the_home_page_shows_the_figure_and_its_link(org, client_for):
    response = client_for("committee_member").get(reverse("dashboard:home"))
    assertContains(response, "Ungoverned in production")
    assertContains(
        response,
        '<div class="fs-3 fw-semibold text-danger" id="figure-ungoverned">3</div>',
        html=False,
    )
    assertContains(response, f'href="{reverse("systems:list")}?ungoverned=true"')


def test_the_link_opens_exactly_the_systems_counted(org, client_for):
    response = client_for("committee_member").get(reverse("systems:list"), {"ungoverned": "true"})
    assert sorted(s.name for s in response.context["page_obj"].object_list) == ["U1", "U2", "U3"]
