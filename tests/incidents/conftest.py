"""Systems, risks and incidents of the contributor's team (and of another team)."""

import pytest

from apps.systems.models import AnnexIIIArea, EUAIActTier
from tests.factories import AISystemFactory, IncidentFactory, RiskFactory


@pytest.fixture
def system(team, contributor):
    return AISystemFactory(team=team, name="Support chatbot", business_owner=contributor)


@pytest.fixture
def high_risk_system(team, contributor):
    return AISystemFactory(
        team=team,
        name="CV screening assistant",
        business_owner=contributor,
        eu_ai_act_tier=EUAIActTier.HIGH_RISK,
        eu_ai_act_area=AnnexIIIArea.EMPLOYMENT,
    )


@pytest.fixture
def foreign_system(other_team):
    return AISystemFactory(team=other_team, name="Credit scoring model")


@pytest.fixture
def risk(system):
    return RiskFactory(system=system, title="Invented refund policy")


@pytest.fixture
def incident(system):
    return IncidentFactory(system=system, title="Refund policy invented in chat")


@pytest.fixture
def foreign_incident(foreign_system):
    return IncidentFactory(system=foreign_system, title="Credit limits halved overnight")
