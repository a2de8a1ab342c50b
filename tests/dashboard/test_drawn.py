"""The dashboard is drawn once a minute per scope (apps.dashboard.drawn), as in production."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import AISystemFactory, RiskFactory

pytestmark = pytest.mark.django_db

HOME = reverse("dashboard:home")
NOW = datetime.datetime(2026, 11, 15, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def drawn_once_a_minute(settings):
    settings.DASHBOARD_CACHE_SECONDS = 60


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def two_teams(team, other_team):
    mine = AISystemFactory(team=team)
    theirs = AISystemFactory(team=other_team)
    RiskFactory.create_batch(2, system=mine)
    RiskFactory.create_batch(3, system=theirs)
    return mine, theirs


def live_risks(response) -> int:
    assert response.status_code == 200
    return int(re.search(r'id="figure-risks">(\d+)<', response.content.decode())[1])


def test_within_the_minute_the_figures_are_those_drawn(client_for, two_teams, clock):
    client = client_for("committee_member")
    assert live_risks(client.get(HOME)) == 5

    RiskFactory(system=two_teams[0])  # someone else's doing

    assert live_risks(client.get(HOME)) == 5


def test_after_the_minute_they_are_drawn_again(client_for, two_teams, clock):
    client = client_for("committee_member")
    client.get(HOME)
    RiskFactory(system=two_teams[0])

    clock.shift(datetime.timedelta(seconds=61))

    assert live_risks(client.get(HOME)) == 6


def test_the_figures_drawn_serve_every_reader_of_the_scope_without_a_query(
    client_for, two_teams, clock, auditor
):
    client_for("committee_member").get(HOME)
    auditors_page = client_for(auditor)

    with CaptureQueriesContext(connection) as queries:
        assert live_risks(auditors_page.get(HOME)) == 5

    assert not [q for q in queries if "risks_risktally" in q["sql"]]


def test_the_persons_own_write_draws_their_next_dashboard_afresh(
    client_for, two_teams, clock, committee_member
):
    client = client_for(committee_member)
    client.get(HOME)
    RiskFactory(system=two_teams[0])

    client.post(reverse("reminders:notifications_read_all"))

    assert live_risks(client.get(HOME)) == 6


def test_a_contributor_is_never_served_the_figures_of_every_team(
    client_for, two_teams, clock, contributor
):
    assert live_risks(client_for("committee_member").get(HOME)) == 5

    assert live_risks(client_for(contributor).get(HOME)) == 2


def test_a_team_chosen_has_figures_of_its_own(client_for, two_teams, clock, other_team):
    client = client_for("committee_member")
    assert live_risks(client.get(HOME)) == 5

    assert live_risks(client.get(HOME, {"team": other_team.pk})) == 3


def test_the_dashboard_says_when_it_was_drawn(client_for, two_teams, clock):
    client = client_for("committee_member")
    client.get(HOME)
    clock.shift(datetime.timedelta(seconds=50))

    content = client.get(HOME).content.decode()

    assert '<span id="dashboard-drawn">as of 12:00</span>' in content


def test_with_no_cache_time_it_is_drawn_at_every_visit(client_for, two_teams, clock, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    client = client_for("committee_member")
    client.get(HOME)
    RiskFactory(system=two_teams[0])

    assert live_risks(client.get(HOME)) == 6
