import datetime

import pytest
from django.utils import timezone

from tests.factories import TrainingFactory, TrainingRequirementFactory


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def literacy(db):
    """An AI-literacy training required of everyone, valid for a year."""
    training = TrainingFactory(name="AI literacy essentials", validity_months=12)
    TrainingRequirementFactory(training=training, audience="everyone")
    return training


@pytest.fixture
def oversight(db):
    """A role training required of the owners of a high-risk system; it never expires."""
    training = TrainingFactory(
        name="Human oversight of high-risk AI", kind="role", validity_months=None
    )
    TrainingRequirementFactory(training=training, audience="high_risk_owners")
    return training
