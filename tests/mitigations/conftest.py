"""Records of the mitigation page tests beyond the shared ones: another team's mitigation, and a
temporary folder for uploaded evidence."""

import pytest

from tests.factories import MitigationFactory


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
