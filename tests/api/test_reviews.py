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
