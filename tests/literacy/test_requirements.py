"""Who must hold which training, and the state of each (apps.literacy.selectors)."""

import datetime

import pytest

from apps.accounts.models import Membership
from apps.literacy import selectors
from apps.literacy.models import Training, add_months
from tests.factories import (
    AISystemFactory,
    MembershipFactory,
    TrainingCompletionFactory,
    TrainingFactory,
    TrainingRequirementFactory,
    UserFactory,
)
from tests.literacy.conftest import days

pytestmark = pytest.mark.django_db


def states(person):
    return {s.training.name: s.state for s in selectors.person_training(person)["states"]}


def test_training_required_of_everyone_is_missing_for_a_new_person(literacy):
    assert states(UserFactory()) == {"AI literacy essentials": "missing"}


def test_committee_training_is_required_of_committee_members_only():
    training = TrainingFactory(name="Deciding on AI safety plans", kind="role")
    TrainingRequirementFactory(training=training, audience="committee_members")

    assert states(UserFactory(is_committee_member=True)) == {training.name: "missing"}
    assert states(UserFactory()) == {}


def test_contributor_training_follows_team_role(team):
    training = TrainingFactory(name="Writing risk assessments", kind="role")
    TrainingRequirementFactory(training=training, audience="contributors")
    contributor = MembershipFactory(team=team, role=Membership.Role.CONTRIBUTOR).user
    viewer = MembershipFactory(team=team, role=Membership.Role.VIEWER).user

    assert states(contributor) == {training.name: "missing"}
    assert states(viewer) == {}


def test_owners_of_a_high_risk_system_must_hold_the_oversight_training(oversight, team):
    owner, technical = UserFactory(), UserFactory()
    AISystemFactory(
        team=team,
        eu_ai_act_tier="high_risk",
        eu_ai_act_area="4",
        business_owner=owner,
        technical_owner=technical,
    )

    assert states(owner) == {oversight.name: "missing"}
    assert states(technical) == {oversight.name: "missing"}


def test_owner_of_a_minimal_risk_system_needs_no_oversight_training(oversight, team):
    owner = UserFactory()
    AISystemFactory(
        team=team, eu_ai_act_tier="minimal", business_owner=owner, technical_owner=owner
    )

    assert states(owner) == {}


def test_inactive_training_is_required_of_nobody(literacy):
    Training.objects.filter(pk=literacy.pk).update(is_active=False)

    assert states(UserFactory()) == {}


def test_completion_within_validity_is_valid(literacy):
    person = UserFactory()
    TrainingCompletionFactory(person=person, training=literacy, completed_on=days(-100))

    assert states(person) == {literacy.name: "valid"}


def test_completion_expiring_within_30_days_is_expiring(literacy):
    person = UserFactory()
    TrainingCompletionFactory(person=person, training=literacy, completed_on=days(-350))

    assert states(person) == {literacy.name: "expiring"}


def test_completion_past_its_validity_is_expired(literacy):
    person = UserFactory()
    TrainingCompletionFactory(person=person, training=literacy, completed_on=days(-400))

    assert states(person) == {literacy.name: "expired"}


def test_latest_completion_counts_over_an_expired_one(literacy):
    person = UserFactory()
    TrainingCompletionFactory(person=person, training=literacy, completed_on=days(-400))
    TrainingCompletionFactory(person=person, training=literacy, completed_on=days(-5))

    assert states(person) == {literacy.name: "valid"}


def test_training_without_validity_never_expires(oversight, team):
    owner = UserFactory()
    AISystemFactory(
        team=team,
        eu_ai_act_tier="high_risk",
        eu_ai_act_area="4",
        business_owner=owner,
        technical_owner=owner,
    )
    TrainingCompletionFactory(person=owner, training=oversight, completed_on=days(-3000))

    assert states(owner) == {oversight.name: "valid"}


def test_expiry_is_the_day_before_the_same_date_validity_months_later():
    training = TrainingFactory(validity_months=12)

    assert training.expiry_for(datetime.date(2026, 3, 2)) == datetime.date(2027, 3, 1)


def test_adding_months_to_the_31st_lands_on_the_months_last_day():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)


def test_people_with_gaps_leaves_out_those_who_hold_their_trainings(literacy):
    missing, holder = UserFactory(), UserFactory()
    TrainingCompletionFactory(person=holder, training=literacy, completed_on=days(-10))

    people = selectors.people_with_gaps(required=selectors.required_trainings())

    assert missing in people
    assert holder not in people
