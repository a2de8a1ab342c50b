"""Records shared by the security tests: one system of ``team`` with a record of every kind."""

import pytest

from tests.factories import (
    ExportJobFactory,
    IncidentFactory,
    ReviewFactory,
    RiskAcceptanceFactory,
)


@pytest.fixture
def incident(system, risk):
    return IncidentFactory(system=system, title="Refund promised", materialised_risks=[risk])


@pytest.fixture
def review(system, committee_member):
    return ReviewFactory(system=system, reviewers=[committee_member])


@pytest.fixture
def acceptance(risk):
    return RiskAcceptanceFactory(risk=risk)


@pytest.fixture
def export_job(contributor):
    return ExportJobFactory(user=contributor, status="running", progress=40)
