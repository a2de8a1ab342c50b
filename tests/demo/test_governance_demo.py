"""The demo can do what the README promises: every plan can get the approvals it needs, and the
inventory shows which systems in service are ungoverned."""

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.models import User
from apps.core.models import Evidence
from apps.demo.management.commands.seed_demo import PEOPLE
from apps.reviews import selectors, services
from apps.reviews.models import ChecklistKey, ChecklistStatus, ReviewKind, ReviewSettings
from apps.risks import services as risk_services
from apps.risks.models import RiskStatus
from apps.systems.models import AISystem

pytestmark = pytest.mark.django_db


def test_the_demo_has_three_committee_members(demo_organisation):
    members = [email for email, *_, roles, _ in PEOPLE if "committee" in roles]
    assert members == [
        "committee@example.com",
        "committee2@example.com",
        "committee3@example.com",
    ]
    assert User.objects.filter(is_committee_member=True, is_active=True).count() == 3


def test_every_demo_plan_can_get_the_approvals_it_needs(demo_organisation):
    settings = ReviewSettings.load()
    for system in AISystem.objects.select_related("business_owner"):
        available = selectors.eligible_reviewers(system, {system.business_owner_id}).count()
        assert available >= settings.approvals_required(system.criticality), system.name


def test_the_fraud_detector_goes_to_three_reviewers_once_its_team_has_done_its_part(
    demo_organisation,
):
    system = AISystem.objects.get(name="Card fraud detector")
    team = User.objects.get(email="fincrime@example.com")
    assert system.get_criticality_display() == "Critical"
    reviewers = list(selectors.eligible_reviewers(system, {team.pk}))

    with pytest.raises(ValidationError) as refused:
        services.submit_safety_plan(
            system=system, by=team, kind=ReviewKind.INITIAL, reviewers=reviewers
        )
    # What is left is the team's own work, not a missing committee member.
    assert "reviewers" not in getattr(refused.value, "error_dict", {})
    assert not any("approval" in message for message in refused.value.messages)

    for key in ChecklistKey.values:
        services.add_checklist_evidence(
            system=system, key=key, by=team, kind=Evidence.Kind.NOTE, note="Report filed."
        )
        services.update_checklist_item(
            system=system, key=key, by=team, status=ChecklistStatus.DONE, note="Done."
        )
    for risk in system.risks.filter(residual_level=4, status=RiskStatus.OPEN):
        risk_services.update_risk(risk=risk, by=team, data={"status": RiskStatus.TREATED})

    review = services.submit_safety_plan(
        system=system, by=team, kind=ReviewKind.INITIAL, reviewers=reviewers
    )
    assert (review.required_approvals, review.assignments.count()) == (3, 3)


def test_the_demo_shows_ungoverned_systems_in_service(demo_organisation):
    ungoverned = set(AISystem.objects.ungoverned().values_list("name", flat=True))
    assert "Card fraud detector" in ungoverned
    assert "Aria customer-support assistant" not in ungoverned  # its plan was approved
    assert "Loan arrears forecaster" not in ungoverned  # in development
