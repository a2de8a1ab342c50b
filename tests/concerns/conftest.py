"""Concerns of ``system`` (the shared one of ``tests/conftest.py``, owned by ``contributor``):
one raised anonymously by the team's viewer, through the service as the page would."""

import pytest

from apps.concerns import services


@pytest.fixture
def raise_as():
    def raise_(person, system, *, anonymous=False, summary="Answers in the wrong language"):
        return services.raise_concern(
            system=system,
            by=person,
            data={
                "summary": summary,
                "description": "A customer was answered in German twice.",
                "is_anonymous": anonymous,
            },
        )

    return raise_


@pytest.fixture
def anonymous_concern(raise_as, viewer, system):
    """Raised by the team's viewer, anonymous to the team."""
    return raise_as(viewer, system, anonymous=True)


@pytest.fixture
def concern(raise_as, viewer, system):
    """Raised by the team's viewer, under their name."""
    return raise_as(viewer, system)


@pytest.fixture
def risk_data(contributor):
    from apps.risks.models import RiskCategory

    return {
        "title": "Answers in the wrong language",
        "scenario": "The assistant answers in a language the customer does not speak.",
        "category": RiskCategory.objects.filter(parent__isnull=False).first(),
        "owner": contributor,
        "inherent_likelihood": 3,
        "inherent_impact": 3,
        "residual_likelihood": 2,
        "residual_impact": 3,
    }
