"""The compliance dashboard: shares per framework and team, what is due by each key date, scoped to
what the person may read, drill-down links, CSV, and a query count that does not grow."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.compliance import dashboard
from apps.compliance.models import Applicability, KeyDate, ObligationStatus
from tests.factories import AISystemFactory, ObligationFactory, current_requirement

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
LATE = datetime.date(2026, 5, 1)
LATER = datetime.date(2027, 1, 1)


def obligation(system, identifier, status=ObligationStatus.NOT_STARTED, due=None, **fields):
    return ObligationFactory(
        system=system,
        requirement=current_requirement(identifier),
        status=status,
        due_date=due,
        justification="Not ours" if status == ObligationStatus.NOT_APPLICABLE else "",
        **fields,
    )


@pytest.fixture
def obligations(system, foreign_system):
    """Own team: 4 EU AI Act obligations (1 verified, 1 implemented, 1 in progress overdue, 1 not
    started due later); the other team: 1 not started, overdue; and one that no longer applies."""
    obligation(system, "Art. 9", ObligationStatus.VERIFIED, LATE)
    obligation(system, "Art. 10", ObligationStatus.IMPLEMENTED, LATE)
    obligation(system, "Art. 11", ObligationStatus.IN_PROGRESS, LATE)
    obligation(system, "Art. 12", ObligationStatus.NOT_STARTED, LATER)
    obligation(foreign_system, "Art. 9", ObligationStatus.NOT_STARTED, LATE)
    obligation(
        system,
        "Art. 50",
        applicability=Applicability.NO_LONGER_APPLIES,
        applicability_reason="No longer generative",
    )


def test_the_committee_sees_each_framework_with_the_share_of_each_status(
    obligations, committee_member
):
    data = dashboard.compliance_dashboard(committee_member, today=TODAY)
    [eu] = data["frameworks"]
    assert eu.framework == "eu-ai-act"
    assert eu.total == 5  # the one that no longer applies is not counted
    assert eu.counts == {"verified": 1, "implemented": 1, "in_progress": 1, "not_started": 2}
    assert (eu.overdue, eu.overdue_percent, eu.met_percent) == (2, 40, 40)
    assert [row.team_name for row in data["team_rows"]] == ["Credit Risk", "Customer Experience"]


def test_a_team_member_sees_only_their_teams_obligations(obligations, contributor):
    data = dashboard.compliance_dashboard(contributor, today=TODAY)
    [eu] = data["frameworks"]
    assert eu.total == 4
    assert [row.team_name for row in data["team_rows"]] == ["Customer Experience"]


def test_another_teams_dashboard_is_a_404(client, obligations, contributor, other_team):
    client.force_login(contributor)
    response = client.get(reverse("compliance_org:dashboard"), {"team": other_team.pk})
    assert response.status_code == 404


def test_archived_systems_obligations_are_not_counted(obligations, system, committee_member):
    system.archived_at = timezone.now()
    system.save(update_fields=["archived_at"])
    [eu] = dashboard.compliance_dashboard(committee_member, today=TODAY)["frameworks"]
    assert eu.total == 1


def test_each_key_date_counts_the_open_obligations_due_by_then(obligations, committee_member):
    data = dashboard.compliance_dashboard(committee_member, today=TODAY)
    due_by = {row.key_date.key: row for row in data["due_by"]}
    assert "eu-ai-act-annex-iii-high-risk" not in due_by  # superseded by the amended date
    amended = due_by["eu-ai-act-annex-iii-high-risk-amended"]  # 2 Dec 2027
    assert (amended.open_due, amended.overdue) == (3, 2)
    earliest = data["due_by"][0]  # 1 Aug 2024: nothing was due yet
    assert earliest.key_date.date < LATE
    assert (earliest.open_due, earliest.overdue) == (0, 0)


def test_figures_link_to_the_obligations_list_filtered(obligations, committee_member, team):
    data = dashboard.compliance_dashboard(committee_member, today=TODAY, team_id=str(team.pk))
    [eu] = data["frameworks"]
    verified = eu.cells[0]
    assert verified["status"] == ObligationStatus.VERIFIED
    list_url = reverse("compliance:list")
    assert verified["url"] == f"{list_url}?framework=eu-ai-act&team={team.pk}&status=verified"
    [row] = data["team_rows"]
    assert row.overdue_url == f"{list_url}?framework=eu-ai-act&team={team.pk}&overdue=true"
    amended = next(r for r in data["due_by"] if r.key_date.key.endswith("high-risk-amended"))
    assert "status=not_started&status=in_progress&due_before=2027-12-02" in amended.url


def test_the_framework_filter_narrows_every_figure(obligations, committee_member):
    data = dashboard.compliance_dashboard(committee_member, today=TODAY, framework="nist-ai-rmf")
    assert data["frameworks"] == [] and data["team_rows"] == []
    assert all(row.key_date.framework == "nist-ai-rmf" for row in data["due_by"])


def test_the_page_takes_the_same_number_of_queries_however_many_obligations(
    client, committee_member, team, django_assert_max_num_queries
):
    client.force_login(committee_member)
    system = AISystemFactory(team=team)
    obligation(system, "Art. 9", due=LATE)
    with django_assert_max_num_queries(30) as few:
        assert client.get(reverse("compliance_org:dashboard")).status_code == 200
    for n in range(6):
        other = AISystemFactory(name=f"More {n}")
        for identifier in ("Art. 9", "Art. 10", "Art. 26", "Art. 50"):
            obligation(other, identifier, ObligationStatus.IN_PROGRESS, LATER)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("compliance_org:dashboard"))
    assert "25" in response.content.decode()


def test_the_page_shows_the_figures_and_the_statement_in_force(client, obligations, auditor):
    client.force_login(auditor)
    page = client.get(reverse("compliance_org:dashboard")).content.decode()
    assert "EU AI Act" in page
    assert "Due before each key date" in page
    assert "No version approved yet" in page


def test_the_csv_has_a_line_per_framework_then_per_team(client, obligations, committee_member):
    client.force_login(committee_member)
    response = client.get(reverse("compliance_org:dashboard_export"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["framework"], r["team"], r["obligations"]) for r in rows] == [
        ("EU AI Act", "", "5"),
        ("EU AI Act", "Credit Risk", "1"),
        ("EU AI Act", "Customer Experience", "4"),
    ]
    assert rows[0]["verified_percent"] == "20"


def test_home_tile_sums_up_and_links_the_dashboard(client, obligations, committee_member):
    tally = dashboard.summary_for_home(committee_member, today=TODAY)
    assert (tally.total, tally.met, tally.overdue) == (5, 2, 2)
    client.force_login(committee_member)
    page = client.get(reverse("dashboard:home")).content.decode()
    assert reverse("compliance_org:dashboard") in page


def test_no_obligation_no_tile(committee_member):
    assert dashboard.summary_for_home(committee_member) is None


def test_key_dates_are_read_once(committee_member, django_assert_num_queries):
    dates = KeyDate.objects.filter(superseded_by__isnull=True).count()
    assert dates > 3
    with django_assert_num_queries(2):
        dashboard.due_by_key_dates(committee_member, today=TODAY)
