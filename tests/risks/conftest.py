"""Fixtures of the risks' tests (the shared ones, people, a system and its risk, are in
tests/conftest.py)."""

import pytest

from apps.risks.models import RiskCategory


@pytest.fixture
def hallucination():
    """The “Model error › Hallucination” subcategory of the shipped taxonomy."""
    return RiskCategory.objects.get(slug="hallucination", parent__slug="model-error")
