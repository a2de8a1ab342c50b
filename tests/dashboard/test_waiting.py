"""The "Waiting for you" of every role's home page, and its counts in the navigation bar.

The contributor (``contributor``, who owns ``system``) has an overdue mitigation, a risk overdue
for treatment and an open incident of their system; the committee member has a review and an
acceptance to decide. Around them: the same things that do not count (not overdue, closed,
someone else's, another team's, an archived system's, a decision already made).
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from apps.dashboard import waiting
from apps.reviews.models import Decision, DecisionOutcome
from tests.factories import (
    AISystemFactory,
    IncidentFactory,
    MembershipFactory,
    MitigationFactory,
    ReviewFactory,
    RiskAcceptanceFactory,
    RiskFactory,
)

pytestmark = pytest.mark.django_db


def ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def world(system, contributor, committee_member, team, foreign_system):
    teammate = MembershipFactory(team=team).user
    archived = AISystemFactory(
        team=team, business_owner=contributor, archived_at=timezone.now(), name="Old bot"
    )
    records = {
        "mitigation": MitigationFactory(
            system=system, owner=contributor, due_date=ago(3), title="Late filter"
        ),
        "risk": RiskFactory(
            system=system, owner=contributor, assessed_on=ago(400), title="Late risk"
        ),
        "incident": IncidentFactory(system=system, severity=1, title="Chatbot down"),
        "review": ReviewFactory(system=system, reviewers=[committee_member]),
    }
    records["acceptance"] = RiskAcceptanceFactory(risk=records["risk"], requested_by=teammate)
    # What does not count.
    MitigationFactory(system=system, owner=contributor, due_date=ago(-3))  # not due yet
    MitigationFactory(system=system, owner=contributor, due_date=ago(3), status="implemented")
    MitigationFactory(system=system, owner=teammate, due_date=ago(3))  # someone else's
    MitigationFactory(system=archived, owner=contributor, due_date=ago(3))  # archived system
    RiskFactory(system=system, owner=contributor, assessed_on=ago(400), status="treated")
    RiskFactory(system=system, owner=contributor)  # not overdue
    now = timezone.now()
    IncidentFactory(
        system=system, assessed_at=now, contained_at=now, recovered_at=now, closed_at=now
    )
    IncidentFactory(system=foreign_system, severity=1)  # another team's
    decided = ReviewFactory(system=AISystemFactory(team=team), reviewers=[committee_member])
    Decision.objects.create(
        review=decided,
        version=decided.current_version,
        reviewer=committee_member,
        outcome=DecisionOutcome.APPROVE,
    )
    own_acceptance = RiskAcceptanceFactory(
        risk=RiskFactory(system=AISystemFactory(business_owner=committee_member))
    )  # on a system the committee member owns: not theirs to decide
    records["own_acceptance"] = own_acceptance
    return records


def test_a_contributor_sees_what_they_own_that_is_late(client_for, world):
    response = client_for("contributor").get(reverse("dashboard:home"))

    kinds = {kind.key: kind for kind in response.context["waiting_for"]}
    assert set(kinds) == {"mitigations", "risks", "incidents"}  # no decisions to make
    assert (kinds["mitigations"].count, kinds["risks"].count, kinds["incidents"].count) == (1, 1, 1)
    assert kinds["mitigations"].items == [world["mitigation"]]
    assert kinds["mitigations"].items[0].days_overdue == 3
    assert kinds["risks"].items == [world["risk"]]
    assert kinds["incidents"].items == [world["incident"]]
    assertContains(response, "Late filter")
    assertContains(response, "3 days overdue")
    assertContains(response, world["incident"].get_absolute_url())


def test_a_committee_member_sees_the_reviews_and_acceptances_to_decide(client_for, world):
    response = client_for("committee_member").get(reverse("dashboard:home"))

    kinds = {kind.key: kind for kind in response.context["waiting_for"]}
    assert kinds["reviews"].items == [world["review"]]
    assert kinds["acceptances"].items == [world["acceptance"]]
    assertContains(response, world["review"].reference)
    assertContains(response, reverse("reviews:queue"))


@pytest.mark.parametrize("role", ["viewer", "auditor", "administrator", "nobody"])
def test_nothing_waiting_shows_the_empty_state(role, client_for, world):
    response = client_for(role).get(reverse("dashboard:home"))

    assertContains(response, 'data-testid="waiting-empty"')
    assertContains(response, "Nothing waits for you")
    assertNotContains(response, 'data-testid="waiting-count"')


def test_an_auditor_on_the_committee_decides_nothing(client_for, world, committee_member):
    committee_member.is_auditor = True
    committee_member.save()

    assert waiting.waiting_counts(committee_member)["reviews"] == 0
    assert waiting.waiting_counts(committee_member)["acceptances"] == 0


def test_the_navigation_bar_counts_what_waits_on_every_page(client_for, world):
    response = client_for("contributor").get(reverse("systems:list"))

    assertContains(
        response,
        '<span class="badge rounded-pill text-bg-warning" data-testid="waiting-count">3</span>',
        html=True,
    )
    assertContains(response, "My overdue mitigations")
    assertContains(response, "Open incidents of my systems")
    assertNotContains(response, "Reviews to decide")  # nothing of that kind


def test_the_links_open_the_lists_filtered_to_exactly_those_items(client_for, world, contributor):
    client = client_for("contributor")
    kinds = {kind.key: kind for kind in waiting.kinds(contributor)}

    mitigations = client.get(kinds["mitigations"].url)
    risks = client.get(kinds["risks"].url)
    incidents = client.get(kinds["incidents"].url)

    # The lists also show an archived system's records (read-only, so not waiting for anyone).
    assert world["mitigation"] in mitigations.context["object_list"]
    assert {m.system.archived_at is None for m in mitigations.context["object_list"]} == {
        True,
        False,
    }
    assert len(mitigations.context["object_list"]) == 2
    assert [r.pk for r in risks.context["object_list"]] == [world["risk"].pk]
    assert [i.pk for i in incidents.context["object_list"]] == [world["incident"].pk]


def test_the_acceptances_link_lists_those_to_decide(client_for, world, committee_member):
    kinds = {kind.key: kind for kind in waiting.kinds(committee_member)}

    response = client_for(committee_member).get(kinds["acceptances"].url)

    assert [a.pk for a in response.context["object_list"]] == [world["acceptance"].pk]


def test_a_risk_owned_by_someone_who_cannot_read_it_is_not_counted_for_them(
    world, outsider, system
):
    RiskFactory(system=system, owner=outsider, assessed_on=ago(400))

    assert waiting.waiting_counts(outsider)["risks"] == 0


def test_the_counts_are_one_query_whatever_the_rows(world, contributor, system):
    def queries():
        person = type(contributor).objects.get(pk=contributor.pk)  # no cached teams
        with CaptureQueriesContext(connection) as captured:
            waiting.waiting_counts(person)
        return len(captured)

    few = queries()
    for n in range(10):
        MitigationFactory(system=system, owner=contributor, due_date=ago(n + 1))
        IncidentFactory(system=system)
    assert queries() == few == 2  # the person's teams (cached per request), then the counts


def test_the_home_page_queries_do_not_grow_with_what_waits(client_for, world, contributor, system):
    client = client_for(contributor)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("dashboard:home")).status_code == 200
        return len(captured)

    few = queries()
    for n in range(10):
        MitigationFactory(system=system, owner=contributor, due_date=ago(n + 1))
        RiskFactory(system=system, owner=contributor, assessed_on=ago(400 + n))
        IncidentFactory(system=system)
    assert queries() == few


def test_the_bell_and_the_counts_are_one_query_on_a_page(
    client_for, world, contributor, django_assert_num_queries
):
    from apps.dashboard.context_processors import Waiting

    state = Waiting(type(contributor).objects.get(pk=contributor.pk))
    with django_assert_num_queries(2):  # the person's teams, then every count and the bell's
        assert state.total == 3
        assert state.unread_notifications() == 0
        assert len(state.kinds) == 3


def test_an_archived_risks_pending_acceptance_waits_for_nobody(world, committee_member):
    archived_risk = RiskFactory(system=world["risk"].system, archived_at=timezone.now())
    RiskAcceptanceFactory(risk=archived_risk)

    assert waiting.waiting_counts(committee_member)["acceptances"] == 1  # world's only


WAITING_BADGE = (
    '<span class="badge rounded-pill text-bg-warning" data-testid="waiting-count">{}</span>'
)


@pytest.fixture
def counts_cached(settings):
    settings.WAITING_COUNTS_CACHE_SECONDS = 30


def test_a_page_may_show_counts_up_to_the_cache_age_old(
    client_for, world, contributor, system, counts_cached
):
    client = client_for(contributor)
    assertContains(client.get(reverse("systems:list")), WAITING_BADGE.format(3), html=True)

    MitigationFactory(system=system, owner=contributor, due_date=ago(1))  # someone else's doing

    assertContains(client.get(reverse("systems:list")), WAITING_BADGE.format(3), html=True)


def test_cached_counts_cost_no_query(client_for, world, contributor, counts_cached):
    client = client_for(contributor)
    client.get(reverse("systems:list"))

    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("systems:list"))

    assert not [q for q in captured if "waiting_mitigations" in q["sql"]]


def test_the_persons_own_write_shows_on_their_next_page(
    client_for, world, contributor, system, counts_cached
):
    client = client_for(contributor)
    client.get(reverse("systems:list"))
    MitigationFactory(system=system, owner=contributor, due_date=ago(1))

    client.post(reverse("reminders:notifications_read_all"))

    assertContains(client.get(reverse("systems:list")), WAITING_BADGE.format(4), html=True)


def test_the_home_page_counts_afresh(client_for, world, contributor, system, counts_cached):
    client = client_for(contributor)
    client.get(reverse("systems:list"))
    MitigationFactory(system=system, owner=contributor, due_date=ago(1))

    response = client.get(reverse("dashboard:home"))

    kinds = {kind.key: kind for kind in response.context["waiting_for"]}
    assert kinds["mitigations"].count == 2
    # …and the next page shows what the home page counted.
    assertContains(client.get(reverse("systems:list")), WAITING_BADGE.format(4), html=True)


def test_a_count_stops_at_the_cap_and_says_there_may_be_more(
    client_for, world, contributor, system, monkeypatch
):
    monkeypatch.setattr(waiting, "COUNT_CAP", 2)
    MitigationFactory.create_batch(2, system=system, owner=contributor, due_date=ago(5))

    counts = waiting.waiting_counts(contributor)
    response = client_for("contributor").get(reverse("dashboard:home"))

    assert counts["mitigations"] == 2  # three are late: counting stopped at the cap
    assertContains(
        response,
        '<span class="badge text-bg-warning" data-testid="waiting-mitigations">2+</span>',
        html=True,
    )
