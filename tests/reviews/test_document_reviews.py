"""The committee reviews a system's documents too (issue 21): a review of kind "classification"
or "fria" whose subject is the document, registered by the app that keeps it.

The tests register a throwaway subject — a risk of the system stands for the document, with a
tiny template — so that they depend on no app above reviews.
"""

import copy
import io

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from pytest_django.asserts import assertContains, assertNotContains

from apps.reviews import selectors, services, subjects
from apps.reviews.models import (
    PlanVersion,
    RequiredSeat,
    Review,
    ReviewKind,
    ReviewStatus,
    Seat,
    SeatHolding,
)
from apps.systems.models import AISystem
from tests.conftest import ROLES
from tests.factories import AISystemFactory, RiskFactory, UserFactory
from tests.reviews.conftest import submit

pytestmark = pytest.mark.django_db

CLASSIFICATION = ReviewKind.CLASSIFICATION


class Calls:
    """What the registered callbacks were told, in order."""

    def __init__(self):
        self.approved: list[dict] = []
        self.closed: list[dict] = []

    def on_approved(self, *, review, subject, by):
        self.approved.append({"review": review.pk, "subject": subject.pk, "by": by.pk})

    def on_closed(self, *, review, subject, by, status):
        self.closed.append({"review": review.pk, "subject": subject.pk, "status": status})


TEMPLATES_WITH_TESTS = copy.deepcopy(django_settings.TEMPLATES)
TEMPLATES_WITH_TESTS[0]["DIRS"] = [
    *TEMPLATES_WITH_TESTS[0]["DIRS"],
    django_settings.BASE_DIR / "tests" / "reviews" / "templates",
]


@pytest.fixture
def calls(settings):
    """A registered subject for classification reviews (a risk stands for the document, shown
    by the tests' own template)."""
    settings.TEMPLATES = TEMPLATES_WITH_TESTS
    recorder = Calls()
    real = subjects.registered(CLASSIFICATION)  # the classification app's own, put back after
    subjects.register_review_subject(
        subjects.ReviewSubject(
            kind=CLASSIFICATION,
            template="reviews_test/_subject.html",
            on_approved=recorder.on_approved,
            on_closed=recorder.on_closed,
            describe=lambda risk: f"Classification {risk.reference}: {risk.title}",
        )
    )
    yield recorder
    subjects.unregister_review_subject(CLASSIFICATION)
    if real is not None:
        subjects.register_review_subject(real)


@pytest.fixture
def document(system):
    return RiskFactory(system=system, title="High-risk: Annex III point 4")


def submit_document(system, by, reviewers, subject, **kwargs):
    return services.submit_document_for_review(
        system=system, kind=CLASSIFICATION, subject=subject, by=by, reviewers=reviewers, **kwargs
    )


@pytest.fixture
def document_review(calls, system, document, submitter, committee_member):
    return submit_document(system, submitter, [committee_member], document, note="Please check")


def decide(review, reviewer, decision="approve", comment=""):
    return services.decide_review(
        review=review, reviewer=reviewer, decision=decision, comment=comment
    )


# --- Submitting -----------------------------------------------------------------------------------
def test_submitting_a_document_opens_a_review_of_it(document_review, document, committee_member):
    review = Review.objects.get(pk=document_review.pk)
    assert review.kind == CLASSIFICATION
    assert review.subject == document
    assert review.status == ReviewStatus.PENDING
    assert review.note == "Please check"
    assert review.required_approvals == 1
    assert list(review.reviewers.all()) == [committee_member]
    # Decisions are made on a version: the system's plan, frozen as context.
    assert review.current_version.number == 1


def test_approval_calls_on_approved_once_and_approves_no_plan(
    document_review, calls, committee_member, system
):
    decide(document_review, committee_member)
    document_review.refresh_from_db()
    assert document_review.status == ReviewStatus.APPROVED
    assert calls.approved == [
        {
            "review": document_review.pk,
            "subject": document_review.subject_id,
            "by": committee_member.pk,
        }
    ]
    system = AISystem.objects.get(pk=system.pk)
    assert system.last_approved is None
    assert system.next_review_due is None
    assert selectors.last_approved_version(system) is None


def test_changes_requested_then_a_new_version_is_approved(
    document_review, calls, committee_member, contributor, system
):
    decide(document_review, committee_member, "request_changes", "Say why point 4 applies.")
    document_review.refresh_from_db()
    assert document_review.status == ReviewStatus.CHANGES_REQUESTED
    second = RiskFactory(system=system, title="High-risk: Annex III point 4, with reasons")
    services.resubmit_document(review=document_review, subject=second, by=contributor)
    document_review.refresh_from_db()
    assert document_review.status == ReviewStatus.PENDING
    assert document_review.subject == second
    assert document_review.current_version.number == 2
    decide(document_review, committee_member)
    assert [call["subject"] for call in calls.approved] == [second.pk]


def test_rejection_calls_on_closed(document_review, calls, committee_member):
    decide(document_review, committee_member, "reject", "Not a document we can accept.")
    assert calls.closed == [
        {"review": document_review.pk, "subject": document_review.subject_id, "status": "rejected"}
    ]
    assert calls.approved == []


def test_a_plan_review_and_a_document_review_are_open_together(
    document_review, ready_system, submitter, committee_member
):
    plan_review = submit(ready_system, submitter, [committee_member])
    assert plan_review.is_open and document_review.is_open


def test_two_open_classification_reviews_of_one_system_are_refused(
    document_review, system, submitter, committee_member, document
):
    with pytest.raises(ValidationError, match="already reviews the classification"):
        submit_document(system, submitter, [committee_member], document)


def test_missing_required_seat_keeps_a_document_review_pending(
    calls, system, document, submitter, committee_member
):
    lawyer = UserFactory(is_committee_member=True, full_name="Lena Lawyer")
    seat = Seat.objects.get(slug="legal-counsel")
    SeatHolding.objects.create(seat=seat, holder=lawyer)
    RequiredSeat.objects.create(criticality=system.criticality, seat=seat)
    review = submit_document(system, submitter, [committee_member], document)
    assert set(review.reviewers.all()) == {committee_member, lawyer}
    decide(review, committee_member)
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING
    assert calls.approved == []
    decide(review, lawyer)
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED


def test_an_unregistered_kind_is_a_clear_error(system, document, submitter, committee_member):
    real = subjects.registered(CLASSIFICATION)  # the classification app's, put back after
    subjects.unregister_review_subject(CLASSIFICATION)
    try:
        with pytest.raises(ImproperlyConfigured, match="register_review_subject"):
            submit_document(system, submitter, [committee_member], document)
    finally:
        if real is not None:
            subjects.register_review_subject(real)


def test_submission_history_names_the_document(document_review, submitter, document):
    reasons = list(
        document_review.history.filter(history_user=submitter).values_list(
            "history_change_reason", flat=True
        )
    )
    assert (
        f"Submitted for review (classification): Classification {document.reference}: "
        "High-risk: Annex III point 4" in reasons
    )


def test_versions_name_the_document_each_was_about(
    document_review, committee_member, contributor, system, document
):
    decide(document_review, committee_member, "request_changes", "Give the reasons.")
    second = RiskFactory(system=system, title="With reasons")
    services.resubmit_document(review=document_review, subject=second, by=contributor)
    rows = selectors.document_versions(Review.objects.get(pk=document_review.pk))
    assert [(row["version"].number, row["subject"]) for row in rows] == [
        (2, second),
        (1, document),
    ]


def test_resubmitting_the_same_document_is_refused(
    document_review, committee_member, contributor, document
):
    decide(document_review, committee_member, "request_changes", "Give the reasons.")
    with pytest.raises(ValidationError, match="make a new version"):
        services.resubmit_document(review=document_review, subject=document, by=contributor)


def test_a_document_review_is_not_resubmitted_as_a_plan(
    document_review, committee_member, contributor
):
    decide(document_review, committee_member, "request_changes", "Give the reasons.")
    with pytest.raises(ValidationError, match="from the document's page"):
        services.resubmit_safety_plan(review=document_review, by=contributor)


def test_withdrawal_calls_on_closed(document_review, calls, submitter):
    services.withdraw_review(review=document_review, by=submitter)
    assert [call["status"] for call in calls.closed] == ["withdrawn"]


def test_a_document_approval_takes_no_conditions(document_review, committee_member):
    with pytest.raises(ValidationError, match="carries no conditions"):
        services.decide_review(
            review=document_review,
            reviewer=committee_member,
            decision="approve",
            conditions="Monitor drift monthly",
        )


def test_a_document_of_another_system_is_refused(calls, system, submitter, committee_member):
    elsewhere = RiskFactory(system=AISystemFactory(team=system.team))
    with pytest.raises(ValidationError, match="is not a document of"):
        submit_document(system, submitter, [committee_member], elsewhere)


def test_the_database_refuses_a_second_open_review_of_one_document_kind(document_review):
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            system=document_review.system,
            kind=CLASSIFICATION,
            subject=document_review.subject,
            submitted_by=document_review.submitted_by,
            due_date=timezone.localdate(),
            required_approvals=1,
        )


def test_the_database_refuses_a_plan_review_with_a_subject(system, submitter, document):
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            system=system,
            kind=ReviewKind.PERIODIC,
            subject=document,
            submitted_by=submitter,
            due_date=timezone.localdate(),
            required_approvals=1,
        )


def test_only_document_kinds_register_a_subject():
    with pytest.raises(ImproperlyConfigured, match="not a kind of document review"):
        subjects.register_review_subject(
            subjects.ReviewSubject(
                kind=ReviewKind.PERIODIC, template="x.html", on_approved=lambda **_: None
            )
        )


# Who may submit a document: the system's team and administrators (as a safety plan).
SUBMITS = {
    "contributor": True,
    "viewer": False,
    "outsider": False,
    "committee_member": False,
    "auditor": False,
    "administrator": True,
    "nobody": False,
}


@pytest.mark.parametrize("role", sorted(SUBMITS))
def test_who_submits_a_document(role, user_for, calls, system, document, reviewer2):
    by = user_for(role)
    if SUBMITS[role]:
        review = submit_document(system, by, [reviewer2], document)
        assert review.submitted_by == by
    else:
        with pytest.raises(PermissionDenied, match="submit its classification"):
            submit_document(system, by, [reviewer2], document)


# --- Pages ----------------------------------------------------------------------------------------
PAGE_STATUS = {
    "contributor": 200,
    "viewer": 200,
    "outsider": 404,
    "committee_member": 200,
    "auditor": 200,
    "administrator": 200,
    "nobody": 404,
    "anonymous": 302,
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_the_document_review_page_or_not(role, client_for, document_review):
    response = client_for(role).get(document_review.get_absolute_url())
    assert response.status_code == PAGE_STATUS[role]


def test_the_review_page_shows_the_document_through_its_template(
    client_for, document_review, document
):
    response = client_for("committee_member").get(document_review.get_absolute_url())
    assertContains(response, "Review of the classification")
    assertContains(response, 'class="test-subject"')
    assertContains(response, f"The document under review: {document.title}")
    assertContains(response, f'href="{document.get_absolute_url()}"')
    assertContains(response, "Please check")
    assertContains(response, "0 of 1 approval")
    # No conditions of approval, and no plan PDF in the review's place.
    assertNotContains(response, 'name="conditions"')
    assertNotContains(response, reverse("reviews:version_pdf", args=[document.system_id, 1]))


def test_the_committee_decides_on_the_document_from_its_page(
    client_for, document_review, calls, committee_member
):
    response = client_for("committee_member").post(
        reverse("reviews:decide", args=[document_review.pk]),
        {"decision": "approve", "version": "1", "comment": ""},
    )
    assert response.status_code == 302
    assert Review.objects.get(pk=document_review.pk).status == ReviewStatus.APPROVED
    assert len(calls.approved) == 1


def test_the_queue_lists_a_document_review(client_for, document_review, document):
    response = client_for("committee_member").get(reverse("reviews:queue"))
    assertContains(response, document_review.reference)
    assertContains(response, "Read the classification")
    assertContains(response, f"Classification {document.reference}")


def test_the_list_filters_document_reviews_by_kind(client_for, document_review):
    response = client_for("auditor").get(reverse("reviews:list"), {"kind": "classification"})
    assertContains(response, document_review.reference)
    response = client_for("auditor").get(reverse("reviews:list"), {"kind": "periodic"})
    assertNotContains(response, document_review.reference)


def test_the_resubmit_button_of_a_plan_refuses_a_document_review(
    client_for, document_review, committee_member
):
    decide(document_review, committee_member, "request_changes", "Give the reasons.")
    response = client_for("contributor").post(
        reverse("reviews:resubmit", args=[document_review.pk]), follow=True
    )
    assertContains(response, "submit it from the document")
    assert PlanVersion.objects.filter(review=document_review).count() == 1


def test_the_plan_version_of_a_document_review_says_it_is_context(
    client_for, document_review, document
):
    response = client_for("viewer").get(
        reverse("reviews:version", args=[document_review.system_id, 1])
    )
    assertContains(response, "review of the classification of the system")
    assertContains(response, f"Classification {document.reference}")


def test_the_plan_pdf_of_a_document_review_says_it_is_context(client_for, document_review):
    response = client_for("auditor").get(
        reverse("reviews:version_pdf", args=[document_review.system_id, 1])
    )
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "frozen as the context of " + document_review.reference in text
    assert "it is not an approved safety plan" in text


# --- API ------------------------------------------------------------------------------------------
def test_the_api_names_the_document_under_review(api_for, document_review, document):
    body = (
        api_for("auditor")
        .get(reverse("api:review-detail", args=[document_review.reference]))
        .json()
    )
    assert body["kind"] == "classification"
    assert body["subject"]["type"] == "risks.risk"
    assert body["subject"]["id"] == document.pk
    assert body["subject"]["name"] == f"Classification {document.reference}: {document.title}"
    assert body["subject"]["web_url"].endswith(document.get_absolute_url())
    assert body["subject"]["url"].endswith(f"/api/v1/risks/{document.pk}/")


def test_the_api_gives_no_subject_to_a_plan_review(
    api_for, ready_system, submitter, committee_member
):
    review = submit(ready_system, submitter, [committee_member])
    body = api_for("auditor").get(reverse("api:review-detail", args=[review.reference])).json()
    assert body["subject"] is None
