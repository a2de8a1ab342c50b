"""Records shared by the mitigation page tests: one system per team, a risk, a mitigation."""

import pytest

from tests.factories import AISystemFactory, MitigationFactory, RiskFactory


@pytest.fixture
def system(team, contributor):
    return AISystemFactory(
        team=team, name="Support chatbot", business_owner=contributor, technical_owner=contributor
    )


@pytest.fixture
def foreign_system(other_team):
    return AISystemFactory(team=other_team, name="Credit scoring model")


@pytest.fixture
def risk(system):
    return RiskFactory(system=system, title="Invented refund policy")


@pytest.fixture
def mitigation(system, risk, contributor):
    mitigation = MitigationFactory(
        system=system, title="Ground answers in the policy corpus", owner=contributor
    )
    mitigation.risks.add(risk)
    return mitigation


@pytest.fixture
def foreign_risk(foreign_system):
    return RiskFactory(system=foreign_system, title="Biased credit decisions")


@pytest.fixture
def foreign_mitigation(foreign_system, foreign_risk):
    mitigation = MitigationFactory(system=foreign_system, title="Fairness slice evaluation")
    mitigation.risks.add(foreign_risk)
    return mitigation


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded evidence goes to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
