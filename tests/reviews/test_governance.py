"""What the review workflow means for governance: only an approval makes a plan current (and so
a system in service governed), and a plan that no one can submit says who can fix it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps.core.models import Level
from apps.reviews import services
from apps.reviews.models import Review, ReviewSettings
from apps.systems.models import AISystem
from tests.reviews.conftest import submit

pytestmark = pytest.mark.django_db


def is_ungoverned(system) -> bool:
    return AISystem.objects.ungoverned().filter(pk=system.pk).exists()


@pytest.fixture
def live_system(ready_system):
    AISystem.objects.filter(pk=ready_system.pk).update(lifecycle_stage="production")
    ready_system.refresh_from_db()
    return ready_system


# --- Only an approval governs ---------------------------------------------------------------------
def test_a_plan_waiting_for_the_committee_does_not_govern_the_system(
    live_system, submitter, committee_member
):
    submit(live_system, submitter, [committee_member])
    assert is_ungoverned(live_system)


def test_the_committees_approval_ends_the_governance_gap(live_system, submitter, committee_member):
    review = submit(live_system, submitter, [committee_member])
    services.decide_review(review=review, reviewer=committee_member, decision="approve")
    assert not is_ungoverned(live_system)


def test_a_rejected_plan_leaves_the_system_ungoverned(live_system, submitter, committee_member):
    review = submit(live_system, submitter, [committee_member])
    services.decide_review(
        review=review, reviewer=committee_member, decision="reject", comment="Not safe yet."
    )
    assert is_ungoverned(live_system)


# --- Too few committee members: who can fix it ----------------------------------------------------
@pytest.fixture
def critical_system(live_system):
    AISystem.objects.filter(pk=live_system.pk).update(criticality=Level.CRITICAL)
    live_system.refresh_from_db()
    return live_system


def test_a_plan_no_one_can_get_approved_says_an_administrator_can_fix_it(
    critical_system, submitter, committee_member, reviewer2
):
    with pytest.raises(ValidationError) as refused:
        submit(critical_system, submitter, [committee_member, reviewer2])
    message = refused.value.message_dict["reviewers"][0]
    assert message.startswith(
        "A critical-criticality plan needs 3 approvals, but only 2 committee members may "
        "review it (never its submitter nor the system's owners)."
    )
    assert "An administrator can fix this: make more people committee members" in message
    assert "(Administration → Review settings)" in message
    assert not Review.objects.exists()


def test_the_system_owners_are_not_counted_as_possible_reviewers(
    critical_system, submitter, committee_member, reviewer2, reviewer3
):
    AISystem.objects.filter(pk=critical_system.pk).update(technical_owner=reviewer3)
    critical_system.refresh_from_db()
    with pytest.raises(ValidationError, match="only 2 committee members may review it"):
        submit(critical_system, submitter, [committee_member, reviewer2])


def test_with_a_third_committee_member_the_critical_plan_goes_to_the_committee(
    critical_system, submitter, committee_member, reviewer2, reviewer3
):
    review = submit(critical_system, submitter, [committee_member, reviewer2, reviewer3])
    assert review.required_approvals == 3


def test_lowering_the_approvals_needed_lets_the_plan_through(
    critical_system, submitter, committee_member, reviewer2
):
    settings = ReviewSettings.load()
    settings.approvals_critical = 2
    settings.save()
    review = submit(critical_system, submitter, [committee_member, reviewer2])
    assert review.required_approvals == 2


def test_a_resubmission_short_of_reviewers_says_who_can_fix_it(
    live_system, submitter, committee_member
):
    review = submit(live_system, submitter, [committee_member])
    services.decide_review(
        review=review, reviewer=committee_member, decision="request_changes", comment="More."
    )
    AISystem.objects.filter(pk=live_system.pk).update(criticality=Level.HIGH)
    with pytest.raises(ValidationError, match="An administrator can fix this"):
        services.resubmit_safety_plan(review=review, by=submitter)


def test_the_submit_page_warns_before_anyone_tries_and_links_administrators_to_the_settings(
    critical_system, client_for, committee_member, administrator
):
    url = reverse("reviews:submit", args=[critical_system.pk])
    response = client_for(administrator).get(url)
    assertContains(response, 'id="reviewer-shortage"')
    assertContains(response, "but only 1 committee member may review it")
    assertContains(response, reverse("admin:reviews_reviewsettings_change", args=[1]))
    assertContains(response, reverse("admin:accounts_user_changelist"))


def test_a_contributor_is_told_who_can_fix_it_without_links_to_the_administration(
    critical_system, client_for, committee_member
):
    response = client_for("contributor").get(reverse("reviews:submit", args=[critical_system.pk]))
    assertContains(response, "An administrator can fix this")
    assertNotContains(response, reverse("admin:reviews_reviewsettings_change", args=[1]))


def test_a_refused_submission_shows_the_fix_and_keeps_the_choices(
    critical_system, client_for, committee_member
):
    response = client_for("contributor").post(
        reverse("reviews:submit", args=[critical_system.pk]),
        {"kind": "initial", "reviewers": [committee_member.pk]},
    )
    assert response.status_code == 200
    assertContains(response, "An administrator can fix this", count=2)  # the alert, the field
    assert response.context["form"]["reviewers"].value() == [str(committee_member.pk)]
    assert not Review.objects.exists()


def test_no_warning_when_enough_committee_members_may_review(
    live_system, client_for, committee_member
):
    response = client_for("contributor").get(reverse("reviews:submit", args=[live_system.pk]))
    assertNotContains(response, 'id="reviewer-shortage"')
