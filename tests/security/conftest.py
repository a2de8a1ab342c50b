"""Records shared by the security tests: one system of ``team`` with a record of every kind."""

import pytest

from tests.factories import (
    AISystemFactory,
    ExportJobFactory,
    IncidentFactory,
    MitigationFactory,
    ReviewFactory,
    RiskAcceptanceFactory,
    RiskFactory,
)


@pytest.fixture
def system(team, contributor):
    return AISystemFactory(
        team=team, name="Support chatbot", business_owner=contributor, technical_owner=contributor
    )


@pytest.fixture
def risk(system):
    return RiskFactory(system=system, title="Invented refund policy")


@pytest.fixture
def mitigation(system, risk, contributor):
    mitigation = MitigationFactory(system=system, title="Ground answers", owner=contributor)
    mitigation.risks.add(risk)
    return mitigation


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


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
