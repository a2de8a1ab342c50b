"""Blocking obligations not met refuse a deployment review's submission and the deployment gate;
met, justified or covered by an approved exception in force, they do not."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from apps.compliance import gate_checks
from apps.compliance.models import AcceptanceStatus, ObligationStatus
from apps.reviews import services as review_services
from apps.reviews.models import ReviewKind
from apps.reviews.submission_checks import registered_checks
from apps.systems.gate import evaluate_gate
from tests.factories import ObligationExceptionFactory, ObligationFactory, current_requirement

pytestmark = pytest.mark.django_db


@pytest.fixture
def high_risk(system):
    system.eu_ai_act_tier, system.eu_ai_act_area = "high_risk", "4"
    system.save(update_fields=["eu_ai_act_tier", "eu_ai_act_area"])
    return system


@pytest.fixture
def art_9(high_risk):
    return ObligationFactory(system=high_risk)  # blocking


def submission_errors(system, by, kind=ReviewKind.INITIAL) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        review_services.check_submission(system=system, by=by, kind=kind, reviewers=[])
    return refused.value.messages


def compliance_errors(system, by, kind=ReviewKind.INITIAL) -> list[str]:
    return [m for m in submission_errors(system, by, kind) if "blocking compliance" in m]


def test_the_compliance_check_is_registered_with_the_reviews():
    assert "compliance" in [check.name for check in registered_checks()]


def test_an_unmet_blocking_obligation_refuses_the_initial_review(high_risk, art_9, contributor):
    [message] = compliance_errors(high_risk, contributor)
    assert message.startswith(f"{high_risk.reference} has 1 blocking compliance obligation ")
    assert f"Art. 9 ({art_9.reference}, not started)" in message


def test_it_refuses_a_change_review_too(high_risk, art_9, contributor):
    assert compliance_errors(high_risk, contributor, ReviewKind.CHANGE)


def test_a_periodic_review_is_still_submitted(high_risk, art_9, contributor):
    assert compliance_errors(high_risk, contributor, ReviewKind.PERIODIC) == []


@pytest.mark.parametrize("status", [ObligationStatus.IMPLEMENTED, ObligationStatus.VERIFIED])
def test_a_met_blocking_obligation_does_not_refuse(high_risk, art_9, contributor, status):
    art_9.status = status
    art_9.save(update_fields=["status"])
    assert compliance_errors(high_risk, contributor) == []


def test_an_approved_exception_in_force_does_not_refuse(
    high_risk, art_9, contributor, committee_member
):
    ObligationExceptionFactory(
        obligation=art_9,
        status=AcceptanceStatus.APPROVED,
        decided_by=committee_member,
        decided_at=datetime.datetime.now(datetime.UTC),
    )
    assert compliance_errors(high_risk, contributor) == []


@pytest.mark.parametrize(
    ("status", "expires_in_days"),
    [(AcceptanceStatus.PENDING, 30), (AcceptanceStatus.APPROVED, -1)],
)
def test_a_pending_or_expired_exception_still_refuses(
    high_risk, art_9, contributor, committee_member, status, expires_in_days
):
    ObligationExceptionFactory(
        obligation=art_9,
        status=status,
        expires_on=datetime.date.today() + datetime.timedelta(days=expires_in_days),
        decided_by=committee_member if status == AcceptanceStatus.APPROVED else None,
        decided_at=datetime.datetime.now(datetime.UTC)
        if status == AcceptanceStatus.APPROVED
        else None,
    )
    assert compliance_errors(high_risk, contributor)


def test_a_non_blocking_obligation_does_not_refuse(high_risk, contributor):
    ObligationFactory(system=high_risk, requirement=current_requirement("Art. 50"))
    assert compliance_errors(high_risk, contributor) == []


def test_the_refusal_comes_with_the_plans_other_problems(high_risk, art_9, contributor):
    messages = submission_errors(high_risk, contributor)
    assert any("catalogues no risk" in m for m in messages)
    assert any("blocking compliance" in m for m in messages)


def test_the_deployment_gate_refuses_with_the_same_reason(high_risk, art_9):
    answer = evaluate_gate(high_risk, "model-1")
    assert "compliance" in answer.checks
    reasons = [r["reason"] for r in answer.reasons if r["check"] == "compliance"]
    assert reasons == [gate_checks.unmet_blocking_sentence(high_risk)]


def test_the_deployment_gate_lets_a_met_obligation_through(high_risk, art_9):
    art_9.status = ObligationStatus.VERIFIED
    art_9.save(update_fields=["status"])
    assert gate_checks.blocking_obligations_at_deployment(high_risk, "model-1") == []
