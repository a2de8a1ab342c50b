"""Incidents of the contributor's team (and of another team), and a high-risk system of the team.

``system``, ``foreign_system`` and ``risk`` are the shared ones of ``tests/conftest.py``.
"""

import pytest

from apps.systems.models import AnnexIIIArea, EUAIActTier
from tests.factories import AISystemFactory, IncidentFactory


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
def incident(system):
    return IncidentFactory(system=system, title="Refund policy invented in chat")


@pytest.fixture
def foreign_incident(foreign_system):
    return IncidentFactory(system=foreign_system, title="Credit limits halved overnight")
