"""The governance dashboard: every figure on a known organisation equals the hand-computed value.

“Today” is Sunday 15 Nov 2026, 12:00 UTC. The organisation:

Systems (active unless said otherwise)
  S1 Support chatbot      team  limited    High       approved 1 Sep, review due 30 Nov (current)
  S2 CV screening         team  high-risk  Critical   approved 1 Aug, review due 1 Oct (overdue)
  S3 Offer recommender    team  minimal    Low        never approved
  S4 Credit scoring       other high-risk  High       approved 1 Jun, review due 10 Nov (overdue)
  S5 Old FAQ bot          team  archived   (left out of every system figure)

Risks (inherent L×I → residual L×I)
  R1 S1  4×4=16 Critical → 2×4=8 Medium     M1 implemented (covered)
  R2 S1  3×5=15 High     → 3×5=15 High      M2 planned, due 1 Nov (overdue); treatment overdue
  R3 S2  5×5=25 Critical → 2×2=4 Low        M3 verified (covered)
  R4 S3  2×2=4 Low       → 1×1=1 Low        acceptance approved until 25 Nov (expiring)
  R5 S3  archived (left out)
  R6 S4  4×4=16 Critical → 4×4=16 Critical  M4 in progress, due 14 Nov (overdue); accepted to Jan
  R7 S4  1×2=2 Low       → 1×2=2 Low        acceptance approved until 15 Dec (= today + 30)
  M5 (S1) planned, due today: not overdue. R2 has a pending acceptance until 20 Nov: not counted.

Incidents
  I1 S1 SEV1 open    occurred 10 Nov 08:00, detected 09:00 (1 h)          linked to R1
  I2 S1 SEV2 closed  occurred 1 Nov 00:00, detected 02:00 (2 h), recovered 06:00 (4 h); review owed
  I3 S2 SEV2 open    detected 14 Nov 12:00, start unknown, serious (Art. 73: 15 days), uncatalogued
  I4 S4 SEV3 open    occurred 20 Oct 00:00, detected 03:00 (3 h), recovered 21 Oct 03:00 (24 h)
  I5 S1 SEV4 closed  1 Jun: 10 h to detect, 2 h to resolve (outside the 90 days, in the trend)

Every team (committee): 6 live risks; coverage 2/6 = 33 %; 4 active systems, 2 reviews overdue,
1 of 3 high/critical systems with a current plan (33 %); 2 overdue mitigations; 2 acceptances
expiring; open incidents SEV1 1, SEV2 1, SEV3 1, SEV4 0; 90 days: MTTD (1+2+3)/3 = 2 h,
MTTR (4+24)/2 = 14 h.
The contributor's team: 4 live risks; coverage 2/4 = 50 %; 3 systems, 1 review overdue, 1 of 2
current plans (50 %); 1 overdue mitigation; 1 acceptance expiring; open SEV1 1, SEV2 1;
MTTD (1+2)/2 = 1.5 h, MTTR 4 h.
"""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps.core.models import Level
from apps.dashboard import selectors as dashboard
from apps.systems.models import AnnexIIIArea, EUAIActTier
from tests.factories import (
    AISystemFactory,
    IncidentFactory,
    MitigationFactory,
    RiskAcceptanceFactory,
    RiskFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 15, 12, 0, tzinfo=datetime.UTC)
h = lambda n: datetime.timedelta(hours=n)  # noqa: E731

# The number of queries the dashboard's selectors make, whatever the number of rows: one for the
# teams (plus one for a member's memberships), then one per figure group (two for the expiring
# acceptances: the first few, then their count; two for the risks: the tally, then the overdue
# treatments).
DASHBOARD_QUERIES = {"committee_member": 14, "contributor": 15}


def day(month, d, year=2026):
    return datetime.date(year, month, d)


def utc(month, d, hour=0, minute=0, year=2026):
    return datetime.datetime(year, month, d, hour, minute, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def org(team, other_team, contributor, committee_member):
    s1 = AISystemFactory(
        team=team,
        name="Support chatbot",
        business_owner=contributor,
        eu_ai_act_tier=EUAIActTier.LIMITED,
        criticality=Level.HIGH,
        last_approved=day(9, 1),
        next_review_due=day(11, 30),
    )
    s2 = AISystemFactory(
        team=team,
        name="CV screening",
        eu_ai_act_tier=EUAIActTier.HIGH_RISK,
        eu_ai_act_area=AnnexIIIArea.EMPLOYMENT,
        criticality=Level.CRITICAL,
        last_approved=day(8, 1),
        next_review_due=day(10, 1),
    )
    s3 = AISystemFactory(team=team, name="Offer recommender", criticality=Level.LOW)
    s4 = AISystemFactory(
        team=other_team,
        name="Credit scoring",
        eu_ai_act_tier=EUAIActTier.HIGH_RISK,
        eu_ai_act_area=AnnexIIIArea.ESSENTIAL_SERVICES,
        criticality=Level.HIGH,
        last_approved=day(6, 1),
        next_review_due=day(11, 10),
    )
    AISystemFactory(
        team=team,
        name="Old FAQ bot",
        criticality=Level.CRITICAL,
        next_review_due=day(1, 1),
        archived_at=utc(3, 1),
    )

    def risk(system, inherent, residual, **extra):
        return RiskFactory(
            system=system,
            inherent_likelihood=inherent[0],
            inherent_impact=inherent[1],
            residual_likelihood=residual[0],
            residual_impact=residual[1],
            **extra,
        )

    r1 = risk(s1, (4, 4), (2, 4), title="R1")
    r2 = risk(s1, (3, 5), (3, 5), title="R2", assessed_on=day(9, 1))
    r3 = risk(s2, (5, 5), (2, 2), title="R3")
    r4 = risk(s3, (2, 2), (1, 1), title="R4")
    risk(s3, (5, 5), (5, 5), title="R5", archived_at=utc(10, 1))
    r6 = risk(s4, (4, 4), (4, 4), title="R6")
    r7 = risk(s4, (1, 2), (1, 2), title="R7")

    for system, status, due, risks_ in (
        (s1, "implemented", day(10, 1), [r1]),
        (s1, "planned", day(11, 1), [r2]),
        (s2, "verified", day(9, 1), [r3]),
        (s4, "in_progress", day(11, 14), [r6]),
        (s1, "planned", day(11, 15), []),
    ):
        MitigationFactory(
            system=system,
            status=status,
            due_date=due,
            last_verified_on=day(10, 2) if status == "verified" else None,
            risks=risks_,
        )

    for r, status, expires in (
        (r4, "approved", day(11, 25)),
        (r6, "approved", day(1, 30, year=2027)),
        (r7, "approved", day(12, 15)),
        (r2, "pending", day(11, 20)),
    ):
        RiskAcceptanceFactory(
            risk=r,
            status=status,
            expires_on=expires,
            decided_by=committee_member if status == "approved" else None,
            decided_at=utc(10, 1) if status == "approved" else None,
        )

    IncidentFactory(
        system=s1,
        severity=1,
        occurred_at=utc(11, 10, 8),
        detected_at=utc(11, 10, 9),
        materialised_risks=[r1],
    )
    IncidentFactory(
        system=s1,
        severity=2,
        occurred_at=utc(11, 1, 0),
        detected_at=utc(11, 1, 2),
        assessed_at=utc(11, 1, 2),
        contained_at=utc(11, 1, 2),
        recovered_at=utc(11, 1, 6),
        review_done_at=utc(11, 2),
        closed_at=utc(11, 3),
        root_cause="x",
        lessons_learned="y",
        post_incident_review_due=True,
        materialised_risks=[r2],
    )
    IncidentFactory(
        system=s2,
        severity=2,
        occurred_at=None,
        detected_at=utc(11, 14, 12),
        serious_incident="general",
    )
    IncidentFactory(
        system=s4,
        severity=3,
        occurred_at=utc(10, 20, 0),
        detected_at=utc(10, 20, 3),
        assessed_at=utc(10, 20, 3),
        contained_at=utc(10, 20, 3),
        recovered_at=utc(10, 21, 3),
        materialised_risks=[r6],
    )
    IncidentFactory(
        system=s1,
        severity=4,
        occurred_at=utc(6, 1, 0),
        detected_at=utc(6, 1, 10),
        assessed_at=utc(6, 1, 10),
        contained_at=utc(6, 1, 10),
        recovered_at=utc(6, 1, 12),
        closed_at=utc(6, 2),
    )
    return {"s1": s1, "s2": s2, "s3": s3, "s4": s4}


def cells(heatmap) -> dict:
    return {
        (cell["likelihood"], cell["impact"]): cell["count"]
        for row in heatmap["rows"]
        for cell in row["cells"]
        if cell["count"]
    }


# --- Every team -----------------------------------------------------------------------------------
def test_committee_sees_the_hand_computed_risk_figures(org, committee_member):
    risks = dashboard.dashboard(committee_member)["risks"]
    assert risks["total"] == 6
    inherent, residual = risks["heatmaps"]
    assert cells(inherent) == {(4, 4): 2, (3, 5): 1, (5, 5): 1, (2, 2): 1, (1, 2): 1}
    assert cells(residual) == {(2, 4): 1, (3, 5): 1, (2, 2): 1, (1, 1): 1, (4, 4): 1, (1, 2): 1}
    levels = {row["level"]: (row["inherent"], row["residual"]) for row in risks["levels"]}
    assert levels == {
        Level.CRITICAL: (3, 1),
        Level.HIGH: (1, 1),
        Level.MEDIUM: (0, 1),
        Level.LOW: (2, 3),
    }
    assert risks["treatment_overdue"] == 1
    assert (risks["covered"], risks["coverage"]) == (2, 33)


def test_committee_sees_the_hand_computed_system_figures(org, committee_member):
    systems = dashboard.dashboard(committee_member)["systems"]
    assert systems["total"] == 4
    grid = {
        (row["level"], tier): cell["count"]
        for row in systems["table"]
        for (tier, _), cell in zip(systems["tiers"], row["cells"], strict=True)
        if cell["count"]
    }
    assert grid == {
        (Level.HIGH, "limited"): 1,
        (Level.CRITICAL, "high_risk"): 1,
        (Level.LOW, "minimal"): 1,
        (Level.HIGH, "high_risk"): 1,
    }
    assert {t["label"]: t["count"] for t in systems["tier_totals"]} == {
        "Prohibited": 0,
        "High-risk": 2,
        "Limited risk": 1,
        "Minimal risk": 1,
    }
    overdue = systems["overdue_reviews"]
    assert overdue["count"] == 2
    assert [s.name for s in overdue["items"]] == ["CV screening", "Credit scoring"]
    assert [s.days_overdue for s in overdue["items"]] == [45, 5]
    assert (systems["serious"], systems["serious_with_current_plan"]) == (3, 1)
    assert systems["plan_coverage"] == 33


def test_committee_sees_overdue_mitigations_and_expiring_acceptances(org, committee_member):
    figures = dashboard.dashboard(committee_member)
    mitigations = figures["overdue_mitigations"]
    assert mitigations["count"] == 2
    assert [m.days_overdue for m in mitigations["items"]] == [14, 1]
    acceptances = figures["expiring_acceptances"]
    assert acceptances["count"] == 2
    assert [(a.risk.title, a.days_left) for a in acceptances["items"]] == [("R4", 10), ("R7", 30)]


def test_committee_sees_the_hand_computed_incident_figures(org, committee_member):
    incidents = dashboard.dashboard(committee_member)["incidents"]
    assert incidents["open"] == 3
    assert [row["count"] for row in incidents["by_severity"]] == [1, 1, 1, 0]
    assert incidents["uncatalogued"] == 1
    assert incidents["reviews_owed"] == 1
    assert incidents["notifications"]["count"] == 1
    (notification,) = incidents["notifications"]["items"]
    assert notification.regulator_deadline == utc(11, 29, 12)
    response = incidents["response"]
    assert response["overall"]["mttd"] == h(2)
    assert response["overall"]["mttr"] == h(14)
    assert (response["overall"]["detect_samples"], response["overall"]["resolve_samples"]) == (3, 2)
    by_severity = {row["label"]: (row["mttd"], row["mttr"]) for row in response["by_severity"]}
    assert by_severity == {
        "SEV1": (h(1), None),
        "SEV2": (h(2), h(4)),
        "SEV3": (h(3), h(24)),
        "SEV4": (None, None),
    }


def test_the_trend_has_twelve_months_with_the_monthly_means(org, committee_member):
    incidents = dashboard.dashboard(committee_member)["incidents"]
    trend = {row["month"]: (row["mttd"], row["mttr"]) for row in incidents["trend"]}
    assert len(trend) == 12
    assert trend[day(11, 1)] == (h(1.5), h(4))
    assert trend[day(10, 1)] == (h(3), h(24))
    assert trend[day(6, 1)] == (h(10), h(2))
    assert trend[day(7, 1)] == (None, None)
    chart = incidents["trend_chart"]
    mttd = next(line for line in chart["lines"] if line["key"] == "mttd")
    assert len(mttd["points"]) == 3
    assert len(mttd["paths"]) == 2  # June stands alone; October–November are joined


# --- Team scoping ---------------------------------------------------------------------------------
def test_a_contributor_sees_only_their_teams_figures(org, contributor):
    figures = dashboard.dashboard(contributor)
    assert figures["risks"]["total"] == 4
    assert cells(figures["risks"]["heatmaps"][0]) == {(4, 4): 1, (3, 5): 1, (5, 5): 1, (2, 2): 1}
    assert figures["risks"]["coverage"] == 50
    assert figures["systems"]["total"] == 3
    assert figures["systems"]["overdue_reviews"]["count"] == 1
    assert figures["systems"]["plan_coverage"] == 50
    assert figures["overdue_mitigations"]["count"] == 1
    assert figures["expiring_acceptances"]["count"] == 1
    incidents = figures["incidents"]
    assert [row["count"] for row in incidents["by_severity"]] == [1, 1, 0, 0]
    assert incidents["response"]["overall"]["mttd"] == h(1.5)
    assert incidents["response"]["overall"]["mttr"] == h(4)


def test_a_viewer_sees_the_same_team_scope(org, viewer, contributor):
    assert dashboard.dashboard(viewer)["risks"]["total"] == 4


def test_the_committee_narrows_the_dashboard_to_one_team(org, committee_member, other_team):
    figures = dashboard.dashboard(committee_member, team_id=str(other_team.pk))
    assert figures["risks"]["total"] == 2
    assert figures["systems"]["total"] == 1
    assert figures["scope"].label == "Credit Risk"
    cell = figures["risks"]["heatmaps"][0]["rows"][1]["cells"][3]  # impact 4, likelihood 4
    assert cell["count"] == 1
    assert f"team={other_team.pk}" in cell["url"]


def test_a_contributor_cannot_open_another_teams_dashboard(org, client_for, other_team):
    response = client_for("contributor").get(reverse("dashboard:home"), {"team": other_team.pk})
    assert response.status_code == 404


def test_someone_without_a_team_or_role_gets_no_dashboard(nobody):
    assert dashboard.dashboard(nobody) is None


# --- The page -------------------------------------------------------------------------------------
def test_the_home_page_shows_the_dashboard_with_links_to_the_register(org, client_for):
    response = client_for("committee_member").get(reverse("dashboard:home"))
    assertContains(response, "Where our AI risk stands")
    link = reverse("risks:list") + "?inherent_likelihood=4&amp;inherent_impact=4"
    assertContains(response, link)
    assertContains(response, 'data-likelihood="4" data-impact="4" data-count="2"')
    assertContains(response, "14 days left")  # the regulator's countdown of I3
    assertContains(response, "<svg", html=False)


def test_each_heat_map_cell_opens_the_register_filtered_to_it(org, client_for):
    client = client_for("committee_member")
    response = client.get(reverse("risks:list"), {"inherent_likelihood": 4, "inherent_impact": 4})
    assert {r.title for r in response.context["page_obj"].object_list} == {"R1", "R6"}
    response = client.get(reverse("risks:list"), {"residual_likelihood": 2, "residual_impact": 2})
    assert {r.title for r in response.context["page_obj"].object_list} == {"R3"}


def test_the_contributors_page_does_not_leak_other_teams(org, client_for):
    response = client_for("contributor").get(reverse("dashboard:home"))
    assertContains(response, "Where our AI risk stands")
    assertNotContains(response, "Credit scoring")
    assertContains(response, "My teams")


def test_the_page_keeps_my_teams_for_everyone(org, client_for):
    response = client_for("committee_member").get(reverse("dashboard:home"))
    assertContains(response, "My teams")
    assertContains(response, "The whole organisation")


# --- Bounded queries ------------------------------------------------------------------------------
def count_queries(user) -> int:
    user = type(user).objects.get(pk=user.pk)  # a fresh user: no cached memberships
    with CaptureQueriesContext(connection) as queries:
        dashboard.dashboard(user)
    return len(queries)


def add_rows(org, n):
    for i in range(n):
        system = org["s1"] if i % 2 else org["s4"]
        risk = RiskFactory(
            system=system,
            inherent_likelihood=1 + i % 5,
            inherent_impact=5,
            residual_likelihood=1,
            residual_impact=1 + i % 5,
        )
        mitigation = MitigationFactory(system=system, status="planned", due_date=day(11, 1))
        mitigation.risks.add(risk)
        IncidentFactory(system=system, severity=1 + i % 4, materialised_risks=[risk])


@pytest.mark.parametrize("role", ["committee_member", "contributor"])
def test_the_dashboard_makes_the_same_few_queries_for_5_or_50_risks(role, request, org):
    user = request.getfixturevalue(role)
    few = count_queries(user)
    add_rows(org, 45)
    assert count_queries(user) == few == DASHBOARD_QUERIES[role]


def test_the_home_page_query_count_does_not_grow_with_the_rows(org, client_for):
    client = client_for("committee_member")

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard:home")).status_code == 200
        return len(queries)

    few = page_queries()
    add_rows(org, 45)
    assert page_queries() == few
