"""Submitting a safety plan reports every problem at once: the kind, a review in progress, the
reviewers (refused ones, too few of them) and what the plan lacks, together, each message
unchanged — on the page even while the form itself has errors."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from pytest_django.asserts import assertContains

from apps.core.models import Level
from apps.reviews import services
from apps.reviews.models import ChecklistItem, ChecklistStatus, Review, ReviewStatus
from apps.systems.models import AISystem
from tests.reviews.conftest import submit

pytestmark = pytest.mark.django_db

OPEN_CHECKLIST = "An initial deployment review needs the whole deployment checklist"


def high(system):
    AISystem.objects.filter(pk=system.pk).update(criticality=Level.HIGH)
    system.refresh_from_db()
    return system


def problems(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    if hasattr(caught.value, "error_dict"):
        return caught.value.message_dict
    return {NON_FIELD_ERRORS: caught.value.messages}


def test_too_few_reviewers_and_an_open_checklist_are_reported_together(
    system, risk, submitter, committee_member, reviewer2
):
    found = problems(lambda: submit(high(system), submitter, [committee_member]))
    assert "needs 2 approvals" in found["reviewers"][0]
    assert found[NON_FIELD_ERRORS][0].startswith(OPEN_CHECKLIST)
    assert not Review.objects.exists()


def test_a_refused_reviewer_and_the_plans_problems_are_reported_together(
    system, risk, submitter, contributor
):
    # The contributor owns the system: never their own reviewer.
    found = problems(lambda: submit(system, submitter, [contributor]))
    assert found["reviewers"]
    assert any(message.startswith(OPEN_CHECKLIST) for message in found[NON_FIELD_ERRORS])


def test_a_review_in_progress_does_not_hide_the_rest(
    ready_system, submitter, committee_member, reviewer2
):
    review = submit(ready_system, submitter, [committee_member])
    ChecklistItem.objects.filter(system=ready_system).update(status=ChecklistStatus.OPEN)
    found = problems(lambda: submit(ready_system, submitter, [reviewer2]))
    assert found[NON_FIELD_ERRORS][0] == (
        f"{review.reference} is already in progress for {ready_system.reference}: wait for the "
        "committee's decision or withdraw it."
    )
    assert found[NON_FIELD_ERRORS][1].startswith(OPEN_CHECKLIST)


def test_an_unknown_kind_is_one_problem_among_the_others(system, risk, submitter):
    found = problems(lambda: submit(system, submitter, [], kind="yearly"))
    assert found["kind"] == ["Choose the kind of review."]
    assert "needs 1 approval" in found["reviewers"][0]


def test_checking_a_submission_writes_nothing(system, risk, submitter, committee_member):
    with pytest.raises(ValidationError):
        services.check_submission(
            system=system, by=submitter, kind="initial", reviewers=[committee_member]
        )
    assert not Review.objects.exists()


def test_a_resubmission_reports_its_problems_together(ready_system, submitter, committee_member):
    review = submit(ready_system, submitter, [committee_member])
    services.decide_review(
        review=review,
        reviewer=committee_member,
        decision="request_changes",
        comment="Test the rollback again.",
    )
    ChecklistItem.objects.filter(system=ready_system).update(status=ChecklistStatus.OPEN)
    high(ready_system)
    found = problems(lambda: services.resubmit_safety_plan(review=review, by=submitter))
    assert "needs 2 approvals" in found["reviewers"][0]
    assert found[NON_FIELD_ERRORS][0].startswith(OPEN_CHECKLIST)
    review.refresh_from_db()
    assert review.status == ReviewStatus.CHANGES_REQUESTED


# --- The page -------------------------------------------------------------------------------------
def test_the_page_shows_the_reviewer_count_and_the_checklist_together(
    client_for, system, risk, committee_member, reviewer2
):
    response = client_for("contributor").post(
        reverse("reviews:submit", args=[high(system).pk]),
        {"kind": "initial", "reviewers": [committee_member.pk]},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "needs 2 approvals" in form.errors["reviewers"][0]
    assert form.non_field_errors()[0].startswith(OPEN_CHECKLIST)
    assertContains(response, "still open: Model performance validated")


def test_the_page_shows_the_plans_problems_while_no_reviewer_is_chosen(client_for, system, risk):
    response = client_for("contributor").post(
        reverse("reviews:submit", args=[system.pk]), {"kind": "initial"}
    )
    form = response.context["form"]
    assert form.errors["reviewers"] == ["This field is required."]
    assert form.non_field_errors()[0].startswith(OPEN_CHECKLIST)
    assert not Review.objects.exists()


def test_an_empty_submission_shows_every_problem(client_for, system, risk):
    response = client_for("contributor").post(reverse("reviews:submit", args=[system.pk]), {})
    form = response.context["form"]
    assert form.errors["kind"] == ["This field is required."]
    assert form.errors["reviewers"] == ["This field is required."]
    assert any(error.startswith(OPEN_CHECKLIST) for error in form.non_field_errors())
