"""An archived system is read-only until restored, its plan and acceptances included: the
committee decides nothing on it, nobody adds reviewers, and its review leaves the queue.

Found by the permission matrix (tests/test_permission_matrix.py, ARCHIVED rows): a committee
member could approve the plan or a risk acceptance of an archived system (moving its next
review date, rewriting the risk's treatment), and its team could assign reviewers.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from apps.reviews import selectors, services
from apps.reviews.models import ReviewStatus
from apps.risks import services as risk_services
from apps.risks.models import AcceptanceStatus, Treatment
from apps.systems import services as system_services
from tests.factories import RiskAcceptanceFactory, RiskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived_review(review, contributor):
    system_services.archive_system(system=review.system, by=contributor, reason="Retired")
    review.system.refresh_from_db()
    return review


def test_the_committee_cannot_decide_on_the_plan_of_an_archived_system(
    archived_review, committee_member
):
    with pytest.raises(PermissionDenied, match="archived"):
        services.decide_review(
            review=archived_review, reviewer=committee_member, decision="approve", version=1
        )
    archived_review.refresh_from_db()
    assert archived_review.status == ReviewStatus.PENDING


def test_the_api_refuses_a_decision_on_the_plan_of_an_archived_system(archived_review, client_for):
    response = client_for("committee_member").post(
        reverse("api:review-decide", args=[archived_review.pk]),
        {"decision": "approve", "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "archived" in response.json()["detail"]


def test_an_archived_systems_plan_takes_no_more_reviewers(
    archived_review, committee_member, reviewer2
):
    with pytest.raises(PermissionDenied):
        services.assign_reviewers(
            review=archived_review, by=committee_member, reviewers=[reviewer2]
        )
    assert not archived_review.assignments.filter(reviewer=reviewer2).exists()


def test_an_archived_systems_review_leaves_the_committees_queue(
    review, archived_review, committee_member
):
    assert archived_review not in selectors.review_queue(committee_member)


def test_the_committee_cannot_accept_a_risk_of_an_archived_system(
    system, contributor, committee_member
):
    risk = RiskFactory(system=system)
    acceptance = RiskAcceptanceFactory(risk=risk, requested_by=contributor)
    system_services.archive_system(system=system, by=contributor)
    with pytest.raises(PermissionDenied, match="archived"):
        risk_services.decide_acceptance(acceptance=acceptance, by=committee_member, approve=True)
    acceptance.refresh_from_db()
    risk.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.PENDING
    assert risk.treatment != Treatment.ACCEPT
