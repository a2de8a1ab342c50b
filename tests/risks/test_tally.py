"""The risk tally PostgreSQL keeps for the dashboard (apps.risks.tally, migration risks.0008)
counts what the risks themselves count, whatever writes them."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.risks import tally
from apps.risks.models import Risk, RiskTally
from apps.risks.services import apply_assessment, archive_risk
from tests.factories import (
    AISystemFactory,
    MitigationFactory,
    RiskFactory,
    TeamFactory,
    insert_copies,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's triggers"),
]


def normalised(rows: list[dict]) -> list[tuple]:
    return sorted(
        (*(row[name] for name in tally.CELL_FIELDS), bool(row["covered"]), row["n"]) for row in rows
    )


def counted_from_risks(team_ids=None) -> list[tuple]:
    """The groups as the risks themselves give them (the path of other databases)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tally, "is_kept", lambda using: False)
        return normalised(tally.cells(team_ids))


def tallied(team_ids=None) -> list[tuple]:
    return normalised(tally.cells(team_ids))


def reassess(risk: Risk, **assessment) -> None:
    for name, value in assessment.items():
        setattr(risk, name, value)
    apply_assessment(risk)
    risk.save()


@pytest.fixture
def two_teams_risks():
    first, second = AISystemFactory(), AISystemFactory()
    RiskFactory.create_batch(3, system=first)
    RiskFactory(system=first, inherent_likelihood=5, inherent_impact=5)
    RiskFactory.create_batch(2, system=second, residual_likelihood=1, residual_impact=1)
    return first, second


def test_new_risks_are_tallied_by_team_and_cell(two_teams_risks):
    first, second = two_teams_risks

    assert tallied() == counted_from_risks()
    assert tallied([first.team_id]) == counted_from_risks([first.team_id])
    assert sum(row[-1] for row in tallied([second.team_id])) == 2


def test_a_reassessed_risk_moves_to_its_new_cell(two_teams_risks):
    risk = Risk.objects.filter(system=two_teams_risks[0]).first()

    reassess(risk, inherent_likelihood=5, inherent_impact=3, residual_likelihood=1)

    assert tallied() == counted_from_risks()


def test_an_edit_that_changes_no_cell_appends_nothing(two_teams_risks):
    risk = Risk.objects.filter(system=two_teams_risks[0]).first()
    rows = RiskTally.objects.count()

    risk.title = "Renamed"
    risk.save()

    assert RiskTally.objects.count() == rows


def test_an_archived_risk_leaves_the_tally_and_a_deleted_one_too(two_teams_risks, administrator):
    archived, deleted = Risk.objects.filter(system=two_teams_risks[0])[:2]

    archive_risk(risk=archived, by=administrator, reason="Duplicate")
    deleted.delete()

    assert tallied() == counted_from_risks()
    assert sum(row[-1] for row in tallied()) == 4


def test_a_mitigation_in_place_makes_its_risks_covered(two_teams_risks):
    risks = list(Risk.objects.filter(system=two_teams_risks[1]))

    MitigationFactory(system=two_teams_risks[1], status="implemented", risks=risks)

    assert tallied() == counted_from_risks()
    assert {row[-2] for row in tallied([two_teams_risks[1].team_id])} == {True}


def test_a_system_given_to_another_team_takes_its_risks_counts_along(two_teams_risks):
    first, _ = two_teams_risks
    old_team, new_team = first.team, TeamFactory()

    first.team = new_team
    first.save()

    assert tallied([old_team.pk]) == []
    assert tallied([new_team.pk]) == counted_from_risks([new_team.pk])
    assert sum(row[-1] for row in tallied([new_team.pk])) == 4


def test_a_bulk_insert_appends_one_row_per_group_not_per_risk():
    system = AISystemFactory()
    risk = RiskFactory(system=system)
    before = RiskTally.objects.count()

    insert_copies(risk, 500)

    assert RiskTally.objects.count() == before + 1
    assert tallied() == counted_from_risks()


def test_compacting_leaves_one_row_per_group_with_the_same_counts(two_teams_risks):
    for risk in Risk.objects.filter(system=two_teams_risks[0]):
        reassess(risk, residual_likelihood=1, residual_impact=1)
    before = tallied()
    groups = sum(len(tallied([system.team_id])) for system in two_teams_risks)

    removed = tally.compact()

    assert tallied() == before == counted_from_risks()
    assert RiskTally.objects.count() == groups
    assert removed > 0
    assert tally.compact() == 0


def test_the_daily_sweep_compacts_the_tally(two_teams_risks):
    from apps.reminders.services import run_sweep

    for risk in Risk.objects.filter(system=two_teams_risks[0]):
        reassess(risk, residual_likelihood=1, residual_impact=1)

    result = run_sweep()

    assert result.housekeeping["risk_tally_compacted"] > 0
    assert tallied() == counted_from_risks()
