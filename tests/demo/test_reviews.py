"""The demo organisation's checklists and reviews."""

import pytest
from django.core.management import call_command

from apps.accounts.models import User
from apps.reviews import selectors
from apps.reviews.models import Review, ReviewKind, ReviewStatus
from apps.systems.models import AISystem

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_approved_plan_and_one_waiting_in_the_committees_queue(demo_organisation):
    aria = AISystem.objects.get(name="Aria customer-support assistant")
    approved, pending = aria.reviews.order_by("pk")
    assert (approved.status, approved.current_version.number) == (ReviewStatus.APPROVED, 1)
    assert (pending.status, pending.kind) == (ReviewStatus.PENDING, ReviewKind.CHANGE)
    assert pending.current_version.number == 2
    assert aria.last_approved is not None and aria.next_review_due is not None
    assert aria.mitigations.filter(title__startswith="Re-run the 200-conversation").exists()
    for email in ("committee@example.com", "committee2@example.com"):
        assert list(selectors.review_queue(User.objects.get(email=email))) == [pending]
    assert selectors.checklist_of(aria)[0]["complete"]


def test_seeding_the_reviews_twice_adds_nothing(demo_organisation):
    count = Review.objects.count()
    call_command("seed_demo", "--force", verbosity=0)
    assert Review.objects.count() == count == 2
