"""Committee seats: approval rules that require particular seats on top of the count, and
delegates who decide for a seat holder while they are away (issue 23)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.concurrency import StateConflict
from apps.core.models import Level
from apps.reminders.models import Notification, ReminderReason
from apps.reviews import selectors, services
from apps.reviews.models import (
    Decision,
    Delegation,
    RequiredSeat,
    Review,
    ReviewSettings,
    ReviewStatus,
    Seat,
    SeatHolding,
)
from apps.systems.models import AISystem
from tests.factories import UserFactory
from tests.reviews.conftest import submit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def seat(slug: str) -> Seat:
    return Seat.objects.get(slug=slug)


def hold(person, *slugs):
    for slug in slugs:
        SeatHolding.objects.create(seat=seat(slug), holder=person)
    return person


def require(criticality, *slugs):
    for slug in slugs:
        RequiredSeat.objects.create(criticality=criticality, seat=seat(slug))


def approve(review, reviewer, **kwargs):
    return services.decide_review(review=review, reviewer=reviewer, decision="approve", **kwargs)


def delegate_to(holder, delegate, *, starts=0, ends=7, slug=None):
    return services.create_delegation(
        by=holder,
        delegate=delegate,
        seat=seat(slug) if slug else None,
        starts_on=TODAY() + datetime.timedelta(days=starts),
        ends_on=TODAY() + datetime.timedelta(days=ends),
        reason="On leave",
    )


@pytest.fixture
def lawyer(db):
    return hold(UserFactory(is_committee_member=True, full_name="Lena Lawyer"), "legal-counsel")


@pytest.fixture
def stand_in(db):
    return UserFactory(is_committee_member=True, full_name="Dario Delegate")


@pytest.fixture
def seated_review(ready_system, submitter, committee_member, lawyer):
    """A pending review needing one approval and the legal counsel's: the committee member and
    the lawyer review it."""
    require(ready_system.criticality, "legal-counsel")
    return submit(ready_system, submitter, [committee_member])


# --- The seats ------------------------------------------------------------------------------------
def test_the_committee_starts_with_five_seats():
    assert set(Seat.objects.values_list("slug", flat=True)) == {
        "executive-sponsor",
        "technical-lead",
        "ethics-representative",
        "legal-counsel",
        "business-stakeholder",
    }


def test_a_seat_holding_keeps_its_history(lawyer):
    holding = SeatHolding.objects.get(holder=lawyer)
    assert holding.history.count() == 1


# --- Seat rules -----------------------------------------------------------------------------------
def test_submission_asks_the_holders_of_the_required_seats(seated_review, lawyer):
    assert set(seated_review.reviewers.all()) >= {lawyer}
    assert list(seated_review.required_seats.all()) == [seat("legal-counsel")]


def test_submission_is_refused_when_nobody_who_may_review_holds_a_required_seat(
    ready_system, submitter, committee_member
):
    require(ready_system.criticality, "ethics-representative")
    with pytest.raises(ValidationError) as refused:
        submit(ready_system, submitter, [committee_member])
    assert "Ethics representative" in str(refused.value)


def test_an_owner_holding_the_seat_does_not_count_as_its_holder(
    ready_system, submitter, committee_member, contributor
):
    contributor.is_committee_member = True
    contributor.save()
    hold(contributor, "legal-counsel")
    require(ready_system.criticality, "legal-counsel")
    with pytest.raises(ValidationError, match="Legal counsel"):
        submit(ready_system, submitter, [committee_member])


def test_a_plan_with_enough_approvals_but_a_missing_required_seat_stays_pending(
    seated_review, committee_member
):
    approve(seated_review, committee_member)
    seated_review.refresh_from_db()
    assert seated_review.required_approvals == 1
    assert seated_review.status == ReviewStatus.PENDING


def test_the_plan_is_approved_once_the_required_seat_approves(
    seated_review, committee_member, lawyer
):
    approve(seated_review, committee_member)
    approve(seated_review, lawyer)
    seated_review.refresh_from_db()
    assert seated_review.status == ReviewStatus.APPROVED


def test_a_decision_records_the_seats_of_its_reviewer(seated_review, lawyer):
    decision = approve(seated_review, lawyer)
    assert list(decision.seats.all()) == [seat("legal-counsel")]
    assert decision.on_behalf_of is None


def test_a_critical_plan_waits_for_its_required_seats(
    ready_system, submitter, committee_member, reviewer2, reviewer3
):
    AISystem.objects.filter(pk=ready_system.pk).update(criticality=Level.CRITICAL)
    ready_system.refresh_from_db()
    require(Level.CRITICAL, "legal-counsel", "ethics-representative", "technical-lead")
    lawyer = hold(UserFactory(is_committee_member=True), "legal-counsel")
    ethicist = hold(UserFactory(is_committee_member=True), "ethics-representative")
    engineer = hold(UserFactory(is_committee_member=True), "technical-lead")
    review = submit(ready_system, submitter, [committee_member, reviewer2, reviewer3])
    assert ReviewSettings.load().approvals_critical == 3
    for person in (committee_member, reviewer2, reviewer3, lawyer, ethicist):
        approve(review, person)
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING
    assert [s.slug for s in services.missing_seats(review, list(review.decisions.all()))] == [
        "technical-lead"
    ]
    approve(review, engineer)
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED


def test_a_rejection_by_anyone_still_closes_a_plan_waiting_for_a_seat(
    seated_review, committee_member
):
    services.decide_review(
        review=seated_review, reviewer=committee_member, decision="reject", comment="Unsafe."
    )
    seated_review.refresh_from_db()
    assert seated_review.status == ReviewStatus.REJECTED


# --- Delegation -----------------------------------------------------------------------------------
def test_a_delegate_decides_for_the_seat_on_behalf_of_the_holder(
    seated_review, lawyer, stand_in, committee_member
):
    delegate_to(lawyer, stand_in)
    approve(seated_review, committee_member)
    decision = approve(seated_review, stand_in, on_behalf_of=lawyer)
    assert decision.reviewer == stand_in
    assert decision.on_behalf_of == lawyer
    assert list(decision.seats.all()) == [seat("legal-counsel")]
    seated_review.refresh_from_db()
    assert seated_review.status == ReviewStatus.APPROVED


def test_a_delegated_decision_is_recorded_for_the_seat_on_behalf_of_the_holder(
    seated_review, lawyer, stand_in
):
    delegate_to(lawyer, stand_in)
    decision = approve(seated_review, stand_in, on_behalf_of=lawyer)
    entry = decision.history.latest()
    assert entry.history_user == stand_in
    assert entry.history_change_reason == "Approved version 1 for Legal counsel on behalf of " + (
        str(lawyer)
    )


def test_a_delegate_cannot_decide_before_the_period(seated_review, lawyer, stand_in):
    delegate_to(lawyer, stand_in, starts=1, ends=5)
    with pytest.raises(PermissionDenied):
        approve(seated_review, stand_in, on_behalf_of=lawyer)


def test_a_delegate_cannot_decide_after_the_period(seated_review, lawyer, stand_in):
    delegation = delegate_to(lawyer, stand_in, starts=0, ends=0)
    Delegation.objects.filter(pk=delegation.pk).update(
        starts_on=TODAY() - datetime.timedelta(days=5), ends_on=TODAY() - datetime.timedelta(days=1)
    )
    with pytest.raises(PermissionDenied):
        approve(seated_review, stand_in, on_behalf_of=lawyer)


def test_a_delegate_cannot_decide_once_the_holder_ended_the_delegation(
    seated_review, lawyer, stand_in
):
    delegation = delegate_to(lawyer, stand_in)
    services.end_delegation(delegation=delegation, by=lawyer)
    with pytest.raises(PermissionDenied):
        approve(seated_review, stand_in, on_behalf_of=lawyer)


def test_a_delegate_for_another_seat_cannot_decide_for_the_holder(seated_review, lawyer, stand_in):
    hold(lawyer, "executive-sponsor")
    delegate_to(lawyer, stand_in, slug="executive-sponsor")
    decision = approve(seated_review, stand_in, on_behalf_of=lawyer)
    assert list(decision.seats.all()) == [seat("executive-sponsor")]
    seated_review.refresh_from_db()
    assert seated_review.status == ReviewStatus.PENDING  # legal counsel still needed


def test_a_delegate_who_owns_the_system_cannot_decide_on_its_plan(
    seated_review, lawyer, contributor
):
    contributor.is_committee_member = True
    contributor.save()
    delegate_to(lawyer, contributor)
    with pytest.raises(PermissionDenied, match="own"):
        approve(seated_review, contributor, on_behalf_of=lawyer)


def test_a_delegate_who_submitted_the_plan_cannot_decide_on_it(seated_review, lawyer, submitter):
    submitter.is_committee_member = True
    submitter.save()
    delegate_to(lawyer, submitter)
    with pytest.raises(PermissionDenied, match="submitted"):
        approve(seated_review, submitter, on_behalf_of=lawyer)


def test_the_holder_cannot_decide_after_their_delegate_did(seated_review, lawyer, stand_in):
    Review.objects.filter(pk=seated_review.pk).update(required_approvals=2)
    delegate_to(lawyer, stand_in)
    approve(seated_review, stand_in, on_behalf_of=lawyer)
    with pytest.raises(StateConflict, match="already decided"):
        approve(seated_review, lawyer)


def test_a_delegate_decides_only_as_a_delegate_when_not_a_reviewer(seated_review, stand_in, lawyer):
    delegate_to(lawyer, stand_in)
    with pytest.raises(PermissionDenied, match="say whose seat"):
        approve(seated_review, stand_in)


def test_notices_of_a_review_go_to_the_delegate_of_an_absent_holder(
    ready_system, submitter, committee_member, lawyer, stand_in
):
    delegate_to(lawyer, stand_in)
    require(ready_system.criticality, "legal-counsel")
    submit(ready_system, submitter, [committee_member])
    told = set(
        Notification.objects.filter(reminder__reason=ReminderReason.REVIEW_SUBMITTED).values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {committee_member.pk, stand_in.pk}


def test_the_queue_of_a_delegate_lists_the_reviews_of_the_holder(seated_review, lawyer, stand_in):
    assert list(selectors.review_queue(stand_in)) == []
    delegate_to(lawyer, stand_in)
    assert list(selectors.review_queue(stand_in)) == [seated_review]


# --- Naming a delegate ----------------------------------------------------------------------------
def test_a_delegation_keeps_its_history(lawyer, stand_in):
    delegation = delegate_to(lawyer, stand_in)
    services.end_delegation(delegation=delegation, by=lawyer)
    reasons = [h.history_change_reason for h in delegation.history.order_by("history_date")]
    assert reasons == [f"Delegate named: {stand_in}", "Delegation ended by the seat holder"]


def test_only_a_seat_holder_names_a_delegate(committee_member, stand_in):
    with pytest.raises(ValidationError, match="hold no committee seat"):
        delegate_to(committee_member, stand_in)


def test_a_delegate_is_another_committee_member(lawyer, viewer):
    with pytest.raises(ValidationError, match="not a committee member"):
        delegate_to(lawyer, viewer)


def test_a_delegation_ends_on_or_after_the_day_it_starts(lawyer, stand_in):
    with pytest.raises(ValidationError, match="ends on or after"):
        delegate_to(lawyer, stand_in, starts=3, ends=1)


def test_an_auditor_names_no_delegate(auditor, stand_in):
    with pytest.raises(PermissionDenied):
        delegate_to(auditor, stand_in)


def test_only_the_holder_ends_a_delegation(lawyer, stand_in):
    delegation = delegate_to(lawyer, stand_in)
    with pytest.raises(PermissionDenied):
        services.end_delegation(delegation=delegation, by=stand_in)


# --- Pages ----------------------------------------------------------------------------------------
def test_the_review_page_shows_the_seats_still_needed(client, seated_review, committee_member):
    approve(seated_review, committee_member)
    client.force_login(committee_member)
    page = client.get(seated_review.get_absolute_url()).content.decode()
    assert "Seats that must approve" in page
    assert "Still needed" in page
    assert "The plan stays pending until legal counsel approves" in page


def test_the_review_page_shows_a_seat_approved_on_behalf_of_its_holder(
    client, seated_review, lawyer, stand_in
):
    delegate_to(lawyer, stand_in)
    approve(seated_review, stand_in, on_behalf_of=lawyer)
    client.force_login(stand_in)
    page = client.get(seated_review.get_absolute_url()).content.decode()
    assert f"for Legal counsel on behalf of {lawyer}" in page


def test_a_delegate_decides_on_behalf_of_the_holder_from_the_review_page(
    client, seated_review, lawyer, stand_in
):
    delegate_to(lawyer, stand_in)
    client.force_login(stand_in)
    page = client.get(seated_review.get_absolute_url()).content.decode()
    assert f"On behalf of {lawyer}" in page
    response = client.post(
        reverse("reviews:decide", args=[seated_review.pk]),
        {"decision": "approve", "version": 1, "on_behalf_of": lawyer.pk},
    )
    assert response.status_code == 302
    decision = Decision.objects.get(review=seated_review)
    assert (decision.reviewer, decision.on_behalf_of) == (stand_in, lawyer)


def test_the_plan_document_records_the_seats_of_the_deciders(client, seated_review, lawyer):
    approve(seated_review, lawyer)
    client.force_login(lawyer)
    version = seated_review.current_version
    page = client.get(version.get_absolute_url()).content.decode()
    assert "including the seats Legal counsel" in page
    assert '<td class="small">Legal counsel</td>' in page


def test_a_seat_holder_names_a_delegate_from_the_delegations_page(client, lawyer, stand_in):
    client.force_login(lawyer)
    assert client.get(reverse("reviews:delegations")).status_code == 200
    response = client.post(
        reverse("reviews:delegation_create"),
        {
            "delegate": stand_in.pk,
            "starts_on": TODAY().isoformat(),
            "ends_on": (TODAY() + datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get(holder=lawyer)
    assert delegation.delegate == stand_in
    response = client.post(reverse("reviews:delegation_end", args=[delegation.pk]))
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.ended_at is not None


def test_the_delegations_page_takes_the_same_queries_however_many_delegations(
    client, lawyer, stand_in
):
    client.force_login(lawyer)
    delegate_to(lawyer, stand_in)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("reviews:delegations"))
    for days in range(1, 6):
        delegate_to(lawyer, UserFactory(is_committee_member=True), starts=days, ends=days + 1)
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("reviews:delegations"))
    assert len(six) == len(one)


# --- The API --------------------------------------------------------------------------------------
def test_a_delegate_decides_on_behalf_of_the_holder_through_the_api(
    client, seated_review, lawyer, stand_in
):
    delegate_to(lawyer, stand_in)
    client.force_login(stand_in)
    response = client.post(
        reverse("api:review-decide", args=[seated_review.pk]),
        {"decision": "approve", "version": 1, "on_behalf_of": lawyer.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["on_behalf_of"]["id"] == lawyer.pk
    assert body["seats"] == ["legal-counsel"]


def test_the_api_gives_the_seats_a_review_requires(client, seated_review, committee_member):
    client.force_login(committee_member)
    body = client.get(reverse("api:review-detail", args=[seated_review.pk])).json()
    assert body["required_seats"] == ["legal-counsel"]


def test_a_committee_members_profile_links_to_their_seats_and_delegates(client, lawyer):
    client.force_login(lawyer)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("reviews:delegations") in page


def test_administrators_give_seats_and_require_them_in_the_admin(client, administrator):
    client.force_login(administrator)
    legal = seat("legal-counsel")
    assert client.get(reverse("admin:reviews_seat_change", args=[legal.pk])).status_code == 200
    assert client.get(reverse("admin:reviews_requiredseat_add")).status_code == 200
    assert client.get(reverse("admin:reviews_delegation_changelist")).status_code == 200
