"""The assessments of ``system`` (the shared one of ``tests/conftest.py``, owned by
``contributor``), made one Art. 27 applies to: a public service's high-risk system."""

import pytest

from apps.assessments import services
from tests.assessments.factories import AssessmentFactory, make_art27_system


@pytest.fixture
def art27_system(system):
    """``system``, high-risk, deployed for a public service: it has its Art. 27 obligation."""
    return make_art27_system(system)


@pytest.fixture
def art27_obligation(art27_system):
    return art27_system.obligations.get(requirement__identifier="Art. 27")


@pytest.fixture
def assessment(art27_system, contributor, risk):
    """``art27_system``'s draft, every section filled in, linked to ``risk``."""
    draft = AssessmentFactory(system=art27_system, created_by=contributor)
    draft.risks.add(risk)
    return draft


@pytest.fixture
def submit(committee_member):
    """Submit an assessment as the page would (``committee_member`` reviews it)."""

    def submit_(assessment, by, *, reviewers=None, note=""):
        return services.submit_assessment(
            assessment=assessment,
            by=by,
            reviewers=[committee_member] if reviewers is None else reviewers,
            note=note,
        )

    return submit_


@pytest.fixture
def decide():
    from apps.reviews import services as review_services

    def decide_(version, reviewer, decision="approve", comment=""):
        review = type(version.review).objects.get(pk=version.review_id)
        return review_services.decide_review(
            review=review, reviewer=reviewer, decision=decision, comment=comment
        )

    return decide_


@pytest.fixture
def risk_data(contributor):
    """What the risk form sends for a new risk of ``system``."""
    from apps.risks.models import RiskCategory

    return {
        "title": "Applicants wrongly deprioritised",
        "scenario": "The score pushes urgent applications from some postcodes to the back.",
        "category": RiskCategory.objects.filter(parent__isnull=False).first(),
        "owner": contributor,
        "inherent_likelihood": 3,
        "inherent_impact": 4,
        "residual_likelihood": 2,
        "residual_impact": 4,
    }
