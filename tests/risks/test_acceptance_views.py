"""Acceptance pages: the team requests, a committee member (four eyes) decides."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from apps.risks.models import AcceptanceStatus, RiskAcceptance, RiskStatus, Treatment
from tests.factories import (
    RiskAcceptanceFactory,
    RiskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def acceptance(risk, contributor):
    return RiskAcceptanceFactory(risk=risk, requested_by=contributor)


def in_days(days):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def test_contributor_requests_an_acceptance(client_for, risk, contributor):
    response = client_for("contributor").post(
        reverse("risks:request_acceptance", args=[risk.pk]),
        {"rationale": "Low residual, weekly sampling.", "expires_on": in_days(90)},
    )
    acceptance = RiskAcceptance.objects.get()
    assert response.status_code == 302
    assert acceptance.requested_by == contributor
    assert acceptance.status == AcceptanceStatus.PENDING


def test_an_expiry_in_the_past_is_refused_on_the_field(client_for, risk):
    response = client_for("contributor").post(
        reverse("risks:request_acceptance", args=[risk.pk]),
        {"rationale": "Fine.", "expires_on": in_days(-1)},
    )
    assert response.status_code == 200
    assert "expires_on" in response.context["form"].errors
    assertContains(response, "Fine.")
    assert not RiskAcceptance.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "auditor", "committee_member"])
def test_only_the_team_requests_acceptances(role, client_for, risk):
    response = client_for(role).get(reverse("risks:request_acceptance", args=[risk.pk]))
    assert response.status_code == 403


def test_outsider_cannot_see_an_acceptance(client_for, acceptance):
    response = client_for("outsider").get(acceptance.get_absolute_url())
    assert response.status_code == 404


def test_committee_member_approves_and_the_risk_is_treated_by_acceptance(
    client_for, acceptance, committee_member
):
    response = client_for("committee_member").post(
        acceptance.get_absolute_url(), {"decision": "approve", "comment": ""}
    )
    assert response.status_code == 302
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.APPROVED
    assert acceptance.decided_by == committee_member
    assert acceptance.risk.treatment == Treatment.ACCEPT
    assert acceptance.risk.status == RiskStatus.TREATED


def test_rejecting_needs_a_comment(client_for, acceptance):
    response = client_for("committee_member").post(
        acceptance.get_absolute_url(), {"decision": "reject", "comment": ""}
    )
    assert response.status_code == 400
    assertContains(response, "Say why", status_code=400)
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.PENDING


def test_requester_on_the_committee_cannot_decide_their_own_request(client_for, acceptance):
    requester = acceptance.requested_by
    requester.is_committee_member = True
    requester.save()
    response = client_for(requester).post(acceptance.get_absolute_url(), {"decision": "approve"})
    assert response.status_code == 403
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.PENDING


def test_committee_member_who_owns_the_system_cannot_decide(client_for, acceptance):
    owner = UserFactory(is_committee_member=True)
    acceptance.risk.system.technical_owner = owner
    acceptance.risk.system.save()
    response = client_for(owner).post(acceptance.get_absolute_url(), {"decision": "approve"})
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["contributor", "viewer", "auditor"])
def test_non_committee_roles_cannot_decide(role, client_for, acceptance):
    response = client_for(role).post(acceptance.get_absolute_url(), {"decision": "approve"})
    assert response.status_code == 403


def test_decision_form_is_shown_only_to_who_may_decide(client_for, acceptance):
    assertContains(
        client_for("committee_member").get(acceptance.get_absolute_url()), "Your decision"
    )
    assertNotContains(client_for("auditor").get(acceptance.get_absolute_url()), "Your decision")


def test_team_withdraws_a_pending_request(client_for, acceptance):
    client_for("contributor").post(reverse("risks:acceptance_withdraw", args=[acceptance.pk]))
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.WITHDRAWN


def test_queue_lists_pending_requests_first(client_for, risk, contributor):
    decided = RiskAcceptanceFactory(
        risk=risk,
        requested_by=contributor,
        status=AcceptanceStatus.REJECTED,
        decided_at=timezone.now(),
    )
    other = RiskFactory(system=risk.system, title="Other")
    pending = RiskAcceptanceFactory(risk=other, requested_by=contributor)
    response = client_for("committee_member").get(reverse("risks:acceptance_list"))
    assert list(response.context["page_obj"].object_list) == [pending, decided]


def test_expire_page_reopens_risks_whose_acceptance_passed(
    client_for, acceptance, committee_member
):
    acceptance.status = AcceptanceStatus.APPROVED
    acceptance.decided_at = timezone.now()
    acceptance.expires_on = timezone.localdate() - datetime.timedelta(days=1)
    acceptance.save()
    risk = acceptance.risk
    risk.status, risk.treatment = RiskStatus.TREATED, Treatment.ACCEPT
    risk.save()
    response = client_for("committee_member").post(reverse("risks:expire"))
    assert response.status_code == 302
    acceptance.refresh_from_db()
    risk.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.EXPIRED
    assert risk.status == RiskStatus.OPEN


@pytest.mark.parametrize("role", ["contributor", "viewer", "auditor"])
def test_only_committee_and_administrators_run_the_expiry(role, client_for):
    assert client_for(role).post(reverse("risks:expire")).status_code == 403


def test_acceptance_history_records_the_decision(client_for, acceptance):
    client_for("committee_member").post(
        acceptance.get_absolute_url(), {"decision": "reject", "comment": "Too broad."}
    )
    response = client_for("auditor").get(reverse("risks:acceptance_history", args=[acceptance.pk]))
    assertContains(response, "Rejected")
