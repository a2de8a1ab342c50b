"""Fixtures of the API tests: one system per team with a risk and a mitigation, and API
clients that authenticate as each role with a real token."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.services import create_token

RELAXED_RATES = {"user": "100000/minute", "anon": "100000/minute"}


@pytest.fixture(autouse=True)
def _relaxed_throttling(settings):
    """Tests make many requests per minute; test_throttling.py checks the real limits."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RELAXED_RATES}


@pytest.fixture
def records(risk, foreign_risk, mitigation, foreign_mitigation):
    """Both teams' records, so that every list can be checked for leaks."""
    return {
        "risk": risk,
        "foreign_risk": foreign_risk,
        "mitigation": mitigation,
        "foreign_mitigation": foreign_mitigation,
    }


def token_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        _, secret = create_token(user=user, name="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client
