"""Reviews in the API: read by role with versions and decisions; decided with four eyes."""

import pytest
from django.urls import reverse

from config import celery_app
from tests.conftest import ROLES
from tests.factories import ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_tasks():
    """Deciding notifies people through Celery: run the tasks here, even with REDIS_URL set."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def reviews(system, foreign_system, committee_member):
    return {
        "own": ReviewFactory(system=system, reviewers=[committee_member]),
        "foreign": ReviewFactory(system=foreign_system),
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_exactly_its_reviews(role, api_for, reviews):
    client = api_for(role)
    response = client.get(reverse("api:review-list"))
    if role == "anonymous":
        assert response.status_code == 401
        return
    refs = {item["reference"] for item in response.json()["results"]}
    sees_own = role in ("contributor", "viewer", "committee_member", "auditor", "administrator")
    sees_foreign = role in ("outsider", "committee_member", "auditor", "administrator")
    assert (reviews["own"].reference in refs) == sees_own
    assert (reviews["foreign"].reference in refs) == sees_foreign
    detail = client.get(reverse("api:review-detail", args=[reviews["own"].reference]))
    assert detail.status_code == (200 if sees_own else 404)
    if sees_own:
        body = detail.json()
        assert body["current_version"] == 1
        assert [v["number"] for v in body["versions"]] == [1]
        versions = client.get(reverse("api:review-versions", args=[reviews["own"].pk])).json()
        assert versions[0]["content"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("committee_member", 201),  # assigned
        ("auditor", 403),
        ("contributor", 403),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_deciding_a_review_through_the_api(role, expected, api_for, reviews):
    url = reverse("api:review-decide", args=[reviews["own"].pk])
    response = api_for(role).post(
        url, {"decision": "approve", "comment": "Sound plan.", "version": 1}, format="json"
    )
    assert response.status_code == expected, response.content
    if expected == 201:
        assert response.json()["outcome"] == "approve"
        detail = api_for("auditor").get(reverse("api:review-detail", args=[reviews["own"].pk]))
        assert detail.json()["status"] == "approved"
        again = api_for(role).post(url, {"decision": "reject", "version": 1}, format="json")
        assert again.status_code == 409


def test_an_unassigned_committee_member_is_told_why(api_for, reviews):
    stranger = UserFactory(is_committee_member=True)
    response = api_for(stranger).post(
        reverse("api:review-decide", args=[reviews["own"].pk]),
        {"decision": "approve", "version": 1},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the reviewers assigned to this plan decide on it."


def test_a_decision_on_a_version_replaced_since_it_was_read_is_a_409(
    api_for, reviews, committee_member
):
    from apps.reviews.models import Decision, ReviewStatus

    review = reviews["own"]
    response = api_for(committee_member).post(
        reverse("api:review-decide", args=[review.pk]),
        {"decision": "approve", "version": 2},  # not the version submitted
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING
    assert not Decision.objects.filter(review=review).exists()


@pytest.mark.postgres
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_reviewers_deciding_at_once_the_one_who_loses_the_race_gets_a_409(system):
    """One approval settles the review. Both requests pass the endpoint's own check while the
    review row is locked elsewhere, then the service counts them one after the other: the
    second is told the review is decided with a 409, as every other conflict (it was a 400)."""
    import threading
    import time

    from django.db import connection, connections, transaction

    from apps.reviews.models import Decision, Review, ReviewStatus
    from tests.api.conftest import token_client

    reviewers = [UserFactory(is_committee_member=True) for _ in range(2)]
    review = ReviewFactory(system=system, reviewers=reviewers)
    clients = [token_client(reviewer) for reviewer in reviewers]
    url = reverse("api:review-decide", args=[review.pk])
    locked, release, statuses = threading.Event(), threading.Event(), [None, None]

    def hold_the_review():
        try:
            with transaction.atomic():
                Review.objects.select_for_update().get(pk=review.pk)
                locked.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    def decide(index):
        try:
            response = clients[index].post(
                url, {"decision": "approve", "comment": "Sound.", "version": 1}, format="json"
            )
            statuses[index] = (response.status_code, response.json())
        finally:
            connections.close_all()

    def waiting_for_the_lock() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            return cursor.fetchone()[0]

    holder = threading.Thread(target=hold_the_review)
    holder.start()
    assert locked.wait(timeout=10)
    threads = [threading.Thread(target=decide, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while waiting_for_the_lock() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert waiting_for_the_lock() == 2  # both past the endpoint's check, at the service's lock
    release.set()
    for thread in [holder, *threads]:
        thread.join(timeout=60)

    assert sorted(status for status, _ in statuses) == [201, 409], statuses
    loser = next(body for status, body in statuses if status == 409)
    assert "already approved" in loser["detail"]
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED
    assert Decision.objects.filter(review=review).count() == 1
