"""Two reviewers deciding at the same moment, on PostgreSQL with one connection each.

The review row is locked for the length of a decision, so decisions are counted one after the
other: no vote is lost, the plan is approved once, and one person never decides twice.
"""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from apps.core.models import Level
from apps.mitigations.models import Mitigation
from apps.reviews import services
from apps.reviews.models import Decision, Review, ReviewStatus
from apps.systems.models import AISystem
from tests.reviews.conftest import submit

# serialized_rollback: the flush after each test would take the risk catalogues with it.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HOLD_THE_LOCK_SECONDS = 0.3


def decide_at_once(monkeypatch, calls):
    """Run ``services.decide_review(**kwargs)`` for each kwargs in ``calls`` in its own thread,
    all released together; whoever gets the lock keeps it a moment, so the others must wait.
    Returns each call's result or exception."""
    barrier = threading.Barrier(len(calls))
    lock_review = services._lock_review

    def slow_lock(pk):
        review = lock_review(pk)
        threading.Event().wait(HOLD_THE_LOCK_SECONDS)
        return review

    monkeypatch.setattr(services, "_lock_review", slow_lock)
    results = [None] * len(calls)

    def run(index, kwargs):
        try:
            barrier.wait(timeout=10)
            results[index] = services.decide_review(**kwargs)
        except (ValidationError, PermissionDenied) as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, kw)) for i, kw in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_approvals_at_once_are_both_counted_and_approve_once(
    monkeypatch, ready_system, submitter, committee_member, reviewer2
):
    AISystem.objects.filter(pk=ready_system.pk).update(criticality=Level.HIGH)
    review = submit(ready_system, submitter, [committee_member, reviewer2])
    results = decide_at_once(
        monkeypatch,
        [
            {"review": review, "reviewer": reviewer, "decision": "approve", "conditions": c}
            for reviewer, c in ((committee_member, "Quarterly drill"), (reviewer2, ""))
        ],
    )
    assert all(isinstance(r, Decision) for r in results), results
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED
    assert Decision.objects.filter(review=review).count() == 2
    # Approved exactly once: one transition in the history, one follow-up per condition.
    assert review.history.filter(history_change_reason="Approved (version 1)").count() == 1
    assert Mitigation.objects.filter(title="Quarterly drill").count() == 1
    system = AISystem.objects.get(pk=ready_system.pk)
    approvals = system.history.filter(history_change_reason__startswith="Safety plan approved")
    assert approvals.count() == 1


def test_with_one_approval_needed_the_second_reviewer_finds_it_approved(
    monkeypatch, ready_system, submitter, committee_member, reviewer2
):
    review = submit(ready_system, submitter, [committee_member, reviewer2])
    results = decide_at_once(
        monkeypatch,
        [
            {"review": review, "reviewer": reviewer, "decision": "approve"}
            for reviewer in (committee_member, reviewer2)
        ],
    )
    decisions = [r for r in results if isinstance(r, Decision)]
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert len(decisions) == 1 and len(refusals) == 1
    assert "already approved" in refusals[0].messages[0]
    assert Review.objects.get(pk=review.pk).status == ReviewStatus.APPROVED


def test_the_same_reviewer_posting_twice_at_once_decides_once(
    monkeypatch, ready_system, submitter, committee_member, reviewer2
):
    AISystem.objects.filter(pk=ready_system.pk).update(criticality=Level.HIGH)
    review = submit(ready_system, submitter, [committee_member, reviewer2])
    results = decide_at_once(
        monkeypatch,
        [{"review": review, "reviewer": committee_member, "decision": "approve"}] * 2,
    )
    assert sum(isinstance(r, Decision) for r in results) == 1
    assert (
        "already decided" in next(r for r in results if isinstance(r, ValidationError)).messages[0]
    )
    assert Decision.objects.filter(review=review).count() == 1
    assert Review.objects.get(pk=review.pk).status == ReviewStatus.PENDING
