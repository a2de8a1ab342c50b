"""The shared ``system`` (owned by ``contributor``, of ``team``) and people of
``tests/conftest.py``; a classification of it recorded as its contributor would."""

import pytest

from apps.classification import services
from apps.reviews import subjects
from tests.classification.factories import CV_SCREENING, EXEMPTED, classify


@pytest.fixture
def high_risk_record(system, contributor):
    """``system`` classified high-risk under Annex III 4(a) (not applied yet)."""
    return classify(system, contributor, CV_SCREENING)


@pytest.fixture
def exempted_record(system, contributor):
    """``system`` classified under Annex III 4(a) with the Art. 6(3) exemption claimed."""
    return classify(system, contributor, EXEMPTED)


@pytest.fixture
def second_committee_member(db):
    from tests.factories import UserFactory

    return UserFactory(is_committee_member=True)


@pytest.fixture(autouse=True)
def _classification_reviews_registered():
    """The app registers what a classification review reviews in its ready(); a test elsewhere
    that registers a throwaway subject for the kind must not leave these tests without it."""
    subjects.register_review_subject(services.REVIEW_SUBJECT)
