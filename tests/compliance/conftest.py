"""The compliance tests' own fixtures: the Statement of Applicability's controls, a second
committee member (four eyes), and helpers that answer every control and submit the draft."""

import pytest

from apps.compliance import soa
from apps.compliance.models_soa import (
    ControlApplicability,
    ControlImplementation,
    SoAEntry,
    SoAVersion,
)
from tests.factories import UserFactory

APPLICABLE = {
    "applicability": ControlApplicability.APPLICABLE,
    "justification": "Needed for the AI management system.",
    "implementation": ControlImplementation.IMPLEMENTED,
}


@pytest.fixture
def controls():
    return list(soa.soa_controls(soa.soa_catalogue()))


@pytest.fixture
def second_member(db):
    return UserFactory(is_committee_member=True, full_name="Sean Second")


def answer_all(controls, by, **values):
    """Every control answered (applicable and justified unless ``values`` say otherwise)."""
    SoAEntry.objects.bulk_create(
        [
            SoAEntry(requirement=control, updated_by=by, **{**APPLICABLE, **values})
            for control in controls
        ]
    )


def submitted(controls, by) -> SoAVersion:
    answer_all(controls, by)
    return soa.submit_soa(by=by, note="First statement")
