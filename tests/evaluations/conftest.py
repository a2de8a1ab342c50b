"""What the evaluations tests share: a mitigation in place that a test case verifies."""

import pytest

from apps.mitigations.models import MitigationStatus
from tests.factories import MitigationFactory, TestCaseFactory


@pytest.fixture
def guard(system, risk, contributor):
    """An implemented input filter of ``system`` treating ``risk``."""
    return MitigationFactory(
        system=system,
        title="Input screening for injection patterns",
        kind="input_validation",
        owner=contributor,
        status=MitigationStatus.IMPLEMENTED,
        risks=[risk],
    )


@pytest.fixture
def probe(risk, guard):
    """A red-team test case of ``risk`` that verifies ``guard``."""
    return TestCaseFactory(
        risk=risk, key="prompt-injection-ignore-instructions", mitigations=[guard]
    )


@pytest.fixture
def second_probe(risk, guard):
    return TestCaseFactory(risk=risk, key="prompt-injection-role-override", mitigations=[guard])
